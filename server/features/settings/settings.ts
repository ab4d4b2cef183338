import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { type Banner, isInt, type ModerationSettings, parseBanner, parseModeration } from './settings.moderation.js';

export * from './settings.moderation.js';

/**
 * Admin settings: typed defaults in code, overrides in the `settings` table (one row per top-level key, jsonb).
 * Read from the database on every use (one tiny primary-key table), so every app instance sees a change at once.
 * To add a setting: add it to `Settings`, to DEFAULT_SETTINGS and a parser to PARSERS.
 */

export interface ReactionDef {
  /** Stable identifier stored in reactions.kind: lowercase latin letters, digits, "_". */
  key: string;
  emoji: string;
  /** Reputation the post's author earns per reaction of this kind (0: none). */
  weight: number;
}

/** Automatic trust-level thresholds (Discourse-like defaults); TL4 is only ever granted by staff. */
export interface TrustLevelSettings {
  tl1: { topics_entered: number; posts_read: number; minutes_read: number };
  tl2: { days_visited: number; topics_entered: number; posts_read: number; reactions_given: number; reactions_received: number; replied_topics: number };
  /** Over the last `period_days`: percentages are of days in the period and of recent topics / their posts. */
  tl3: {
    period_days: number;
    days_visited_pct: number;
    replied_topics: number;
    topics_read_pct: number;
    posts_read_pct: number;
    reactions_given: number;
    reactions_received: number;
    max_posts_hidden: number;
    /** A new TL3 is not demoted before this many days have passed since the change. */
    grace_days: number;
  };
}

export interface Settings {
  /** The reactions offered on posts, in display order. */
  reactions: ReactionDef[];
  /** Reputation for answers (used by the accepted-answer feature). */
  reputation: { accepted_answer: number; accept_own: number };
  /** How many reactions a user may give per (UTC) day, by trust level 0..4. */
  reaction_daily_limits: number[];
  moderation: ModerationSettings;
  /** The site banner, or null. */
  banner: Banner | null;
  /** Notification mail "when away": minutes a notification stays unread (and its reader away) before it is mailed. */
  notification_mail_delay_minutes?: number;
  /** Reputation for contest winners: by place (1st, 2nd, 3rd), and for a plain "winner" (always present once merged). */
  contests?: { reputation: number[]; winner: number };
  /** Ask new members to confirm their address before they post: 'auto' = only when SMTP_URL is configured. */
  require_email_verification?: 'auto' | 'on' | 'off';
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze<Settings>({
  reactions: [
    { key: 'thumbs_up', emoji: '👍', weight: 1 },
    { key: 'heart', emoji: '❤️', weight: 1 },
    { key: 'laugh', emoji: '😂', weight: 1 },
    { key: 'wow', emoji: '😮', weight: 1 },
    { key: 'sad', emoji: '😢', weight: 1 },
    { key: 'angry', emoji: '😡', weight: 0 },
  ],
  reputation: { accepted_answer: 15, accept_own: 2 },
  reaction_daily_limits: [50, 50, 75, 100, 150],
  moderation: {
    auto_hide_score: 8,
    flag_daily_limit: 20,
    approve_first_posts: 0,
    seconds_between_posts: [30, 5],
    topics_per_day: [3, 20],
    first_day_replies: 10,
    new_user_max_links: 2,
    new_user_max_images: 1,
    new_user_same_domain_links: 3,
    blocked_domains: [],
    words_block: [],
    words_approve: [],
    words_censor: [],
  },
  banner: null,
  notification_mail_delay_minutes: 10,
  contests: { reputation: [50, 30, 20], winner: 30 },
  require_email_verification: 'auto',
});

const REACTION_KEY = /^[a-z0-9_]{1,32}$/;


/** A valid reaction list (1–20 distinct keys), or undefined. */
export function parseReactions(raw: unknown): ReactionDef[] | undefined {
  if (!Array.isArray(raw) || raw.length < 1 || raw.length > 20) return undefined;
  const out: ReactionDef[] = [];
  for (const item of raw) {
    if (!item || typeof item !== 'object') return undefined;
    const { key, emoji, weight } = item as Record<string, unknown>;
    if (typeof key !== 'string' || !REACTION_KEY.test(key) || out.some((r) => r.key === key)) return undefined;
    if (typeof emoji !== 'string' || emoji.trim().length < 1 || emoji.length > 16) return undefined;
    if (!isInt(weight, -100, 100)) return undefined;
    out.push({ key, emoji, weight });
  }
  return out;
}

export function parseReputationWeights(raw: unknown): Settings['reputation'] | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const { accepted_answer, accept_own } = raw as Record<string, unknown>;
  if (!isInt(accepted_answer, -1000, 1000) || !isInt(accept_own, -1000, 1000)) return undefined;
  return { accepted_answer, accept_own };
}

export function parseDailyLimits(raw: unknown): number[] | undefined {
  if (!Array.isArray(raw) || raw.length !== 5 || !raw.every((n) => isInt(n, 0, 100_000))) return undefined;
  return [...raw];
}

/** Each group must carry exactly the default's fields, each an integer in 0..100000 (percentages 0..100, period ≥ 1). */
export function parseTrustLevels(raw: unknown): TrustLevelSettings | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const out: Record<string, Record<string, number>> = {};
  for (const [group, defaults] of Object.entries(DEFAULT_TRUST_LEVELS) as [string, Record<string, number>][]) {
    const given = (raw as Record<string, unknown>)[group];
    if (!given || typeof given !== 'object') return undefined;
    out[group] = {};
    for (const field of Object.keys(defaults)) {
      const v = (given as Record<string, unknown>)[field];
      const max = field.endsWith('_pct') ? 100 : 100_000;
      const min = field === 'period_days' ? 1 : 0;
      if (!isInt(v, min, max)) return undefined;
      out[group][field] = v;
    }
  }
  return out as unknown as TrustLevelSettings;
}

/** Contest reputation: three place amounts and the plain-winner amount, each an integer in 0..10000. */
export function parseContestSettings(raw: unknown): NonNullable<Settings['contests']> | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const { reputation, winner } = raw as Record<string, unknown>;
  if (!Array.isArray(reputation) || reputation.length !== 3 || !reputation.every((n) => isInt(n, 0, 10_000)) || !isInt(winner, 0, 10_000)) return undefined;
  return { reputation: [...(reputation as number[])], winner };
}

const PARSERS: { [K in keyof Settings]-?: (raw: unknown) => Settings[K] | undefined } = {
  reactions: parseReactions,
  reputation: parseReputationWeights,
  reaction_daily_limits: parseDailyLimits,
  moderation: parseModeration,
  banner: parseBanner,
  notification_mail_delay_minutes: (raw) => (isInt(raw, 1, 7 * 24 * 60) ? raw : undefined),
  contests: parseContestSettings,
  require_email_verification: (raw) => (raw === 'auto' || raw === 'on' || raw === 'off' ? raw : undefined),
};

function isSettingKey(key: string): key is keyof Settings {
  return Object.hasOwn(PARSERS, key);
}

/** Stored values merged over the defaults; a stored value that no longer parses falls back to its default. */
export function mergeSettings(rows: { key: string; value: unknown }[]): Settings {
  const out: Settings = structuredClone(DEFAULT_SETTINGS) as Settings;
  for (const { key, value } of rows) {
    if (!isSettingKey(key)) continue;
    const parsed = PARSERS[key](value);
    if (parsed !== undefined) (out as unknown as Record<string, unknown>)[key] = parsed;
  }
  return out;
}

/** The current settings, typed and complete. */
export async function getSettings(db: Database): Promise<Settings> {
  const hit = cache.get(db);
  if (hit && hit.until > Date.now()) return hit.settings;
  const settings = mergeSettings(await db.selectFrom('settings').select(['key', 'value']).execute());
  cache.set(db, { settings, until: Date.now() + SETTINGS_TTL_MS });
  return settings;
}

/**
 * Settings are read on hot pages (the reaction set on every topic page), so each instance keeps them for a
 * few seconds instead of asking the database every time — a round trip costs more than the page's own query.
 * updateSettings clears this instance's copy at once; other instances pick the change up within the TTL.
 */
const SETTINGS_TTL_MS = 5_000;
const cache = new WeakMap<Database, { settings: Settings; until: number }>();

/** Forgets this instance's cached settings (for code and tests that write the table directly). */
export function forgetCachedSettings(db: Database): void {
  cache.delete(db);
}

/** Thrown by updateSettings for a value that does not parse; `key` names the setting. */
export class InvalidSettingError extends Error {
  constructor(public key: string) {
    super(`invalid value for setting ${key}`);
  }
}

/** Validates and stores the given top-level settings (all or nothing); returns the settings now in force. */
export async function updateSettings(db: Database, patch: Partial<Settings>): Promise<Settings> {
  const rows: { key: string; value: string }[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (!isSettingKey(key)) throw new InvalidSettingError(key);
    const parsed = PARSERS[key](value);
    if (parsed === undefined) throw new InvalidSettingError(key);
    rows.push({ key, value: JSON.stringify(parsed) });
  }
  if (rows.length) {
    await db
      .insertInto('settings')
      .values(rows)
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: (eb) => eb.ref('excluded.value'), updated_at: sql`now()` }))
      .execute();
  }
  cache.delete(db);
  return getSettings(db);
}

/** Back to the defaults for the given keys (all when omitted). */
export async function resetSettings(db: Database, keys?: (keyof Settings)[]): Promise<void> {
  let q = db.deleteFrom('settings');
  if (keys) {
    if (!keys.length) return;
    q = q.where('key', 'in', keys);
  }
  await q.execute();
  cache.delete(db);
}

/** The daily reaction limit for a trust level (clamped to 0..4). */
export function dailyReactionLimit(settings: Settings, trustLevel: number): number {
  const level = Math.min(4, Math.max(0, Math.trunc(trustLevel)));
  return settings.reaction_daily_limits[level] ?? DEFAULT_SETTINGS.reaction_daily_limits[level]!;
}

/*
 * Trust-level thresholds are a settings key of their own ("trust_levels" in the same table) rather than a field
 * of `Settings`: the general settings form builds a complete `Settings` patch and knows nothing of them.
 */
export const DEFAULT_TRUST_LEVELS: Readonly<TrustLevelSettings> = Object.freeze({
  tl1: { topics_entered: 5, posts_read: 30, minutes_read: 10 },
  tl2: { days_visited: 15, topics_entered: 20, posts_read: 100, reactions_given: 1, reactions_received: 1, replied_topics: 3 },
  tl3: {
    period_days: 100,
    days_visited_pct: 50,
    replied_topics: 10,
    topics_read_pct: 25,
    posts_read_pct: 25,
    reactions_given: 30,
    reactions_received: 20,
    max_posts_hidden: 5,
    grace_days: 14,
  },
});

/** The trust-level thresholds in force (stored value, or the defaults when absent or no longer valid). */
export async function getTrustLevelSettings(db: Database): Promise<TrustLevelSettings> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', 'trust_levels').executeTakeFirst();
  return (row && parseTrustLevels(row.value)) ?? (structuredClone(DEFAULT_TRUST_LEVELS) as TrustLevelSettings);
}

/** Stores the trust-level thresholds; throws InvalidSettingError('trust_levels') for a value that does not parse. */
export async function updateTrustLevelSettings(db: Database, value: unknown): Promise<TrustLevelSettings> {
  const parsed = parseTrustLevels(value);
  if (!parsed) throw new InvalidSettingError('trust_levels');
  await db
    .insertInto('settings')
    .values({ key: 'trust_levels', value: JSON.stringify(parsed) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: (eb) => eb.ref('excluded.value'), updated_at: sql`now()` }))
    .execute();
  return parsed;
}
