import { sql } from 'kysely';
import type { Database } from '../../db/index.js';

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

export interface Settings {
  /** The reactions offered on posts, in display order. */
  reactions: ReactionDef[];
  /** Reputation for answers (used by the accepted-answer feature). */
  reputation: { accepted_answer: number; accept_own: number };
  /** How many reactions a user may give per (UTC) day, by trust level 0..4. */
  reaction_daily_limits: number[];
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
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
});

const REACTION_KEY = /^[a-z0-9_]{1,32}$/;

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

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

const PARSERS: { [K in keyof Settings]: (raw: unknown) => Settings[K] | undefined } = {
  reactions: parseReactions,
  reputation: parseReputationWeights,
  reaction_daily_limits: parseDailyLimits,
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
  return mergeSettings(await db.selectFrom('settings').select(['key', 'value']).execute());
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
}

/** The daily reaction limit for a trust level (clamped to 0..4). */
export function dailyReactionLimit(settings: Settings, trustLevel: number): number {
  const level = Math.min(4, Math.max(0, Math.trunc(trustLevel)));
  return settings.reaction_daily_limits[level] ?? DEFAULT_SETTINGS.reaction_daily_limits[level]!;
}
