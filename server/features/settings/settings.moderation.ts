/**
 * The moderation settings and the site banner: their shapes and parsers (the general settings module merges them
 * like every other key; see settings.ts).
 */

/** A whole number within [min, max] (every numeric setting is checked with it). */
export function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Moderation rules (flags, pre-moderation, posting limits, word and link rules). */
export interface ModerationSettings {
  /** A flagged post is hidden at once when its score reaches this. */
  auto_hide_score: number;
  /** Flags per day at TL0–1 (×1.5 TL2, ×2 TL3, ×3 TL4; staff unlimited). */
  flag_daily_limit: number;
  /** A TL0 member's first N posts wait for approval (0: off). */
  approve_first_posts: number;
  /** Seconds between two posts by one member: [TL0, TL1+]. */
  seconds_between_posts: [number, number];
  /** New topics per day: [TL0, TL1+]. */
  topics_per_day: [number, number];
  /** Replies a TL0 member may write on their first day. */
  first_day_replies: number;
  /** TL0 link rules: at most this many links and images per post; this many links to one domain go to approval. */
  new_user_max_links: number;
  new_user_max_images: number;
  new_user_same_domain_links: number;
  /** Links to these domains (and their subdomains) are refused for everyone but staff. */
  blocked_domains: string[];
  /** Word and phrase lists (plain text, matched on word boundaries, case-insensitively; never regexes). */
  words_block: string[];
  words_approve: string[];
  words_censor: string[];
}

/** The site banner staff show on every page until a date (markdown cooked on save), optionally linked to a topic. */
export interface Banner {
  /** A new id for every new banner, so members who closed the previous one see this one. */
  id: number;
  md: string;
  html: string;
  topic_id: number | null;
  /** ISO time after which the banner is gone by itself. */
  until: string;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function parseList(raw: unknown, max: number, item: (v: string) => boolean): string[] | undefined {
  if (!Array.isArray(raw) || raw.length > max) return undefined;
  const out: string[] = [];
  for (const v of raw) {
    if (typeof v !== 'string') return undefined;
    const s = v.trim().toLowerCase();
    if (!s || !item(s)) return undefined;
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

function isPair(v: unknown, min: number, max: number): v is [number, number] {
  return Array.isArray(v) && v.length === 2 && v.every((n) => isInt(n, min, max));
}

export function parseModeration(raw: unknown): ModerationSettings | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const words = (v: unknown) => parseList(v, 500, (s) => s.length <= 100);
  const out = {
    auto_hide_score: r.auto_hide_score,
    flag_daily_limit: r.flag_daily_limit,
    approve_first_posts: r.approve_first_posts,
    seconds_between_posts: r.seconds_between_posts,
    topics_per_day: r.topics_per_day,
    first_day_replies: r.first_day_replies,
    new_user_max_links: r.new_user_max_links,
    new_user_max_images: r.new_user_max_images,
    new_user_same_domain_links: r.new_user_same_domain_links,
    blocked_domains: parseList(r.blocked_domains, 500, (s) => DOMAIN.test(s)),
    words_block: words(r.words_block),
    words_approve: words(r.words_approve),
    words_censor: words(r.words_censor),
  };
  if (!isInt(out.auto_hide_score, 1, 1000) || !isInt(out.flag_daily_limit, 0, 10_000) || !isInt(out.approve_first_posts, 0, 1000)) return undefined;
  if (!isPair(out.seconds_between_posts, 0, 86_400) || !isPair(out.topics_per_day, 0, 10_000) || !isInt(out.first_day_replies, 0, 10_000)) return undefined;
  if (!isInt(out.new_user_max_links, 0, 1000) || !isInt(out.new_user_max_images, 0, 1000) || !isInt(out.new_user_same_domain_links, 0, 1000)) return undefined;
  if (!out.blocked_domains || !out.words_block || !out.words_approve || !out.words_censor) return undefined;
  return out as ModerationSettings;
}

export const BANNER_MAX = 500;

export function parseBanner(raw: unknown): Banner | null | undefined {
  if (raw === null) return null;
  if (!raw || typeof raw !== 'object') return undefined;
  const { id, md, html, topic_id, until } = raw as Record<string, unknown>;
  if (!isInt(id, 1, Number.MAX_SAFE_INTEGER) || typeof md !== 'string' || md.length > BANNER_MAX || typeof html !== 'string' || html.length > 20_000) return undefined;
  if (topic_id !== null && !isInt(topic_id, 1, 2147483647)) return undefined;
  if (typeof until !== 'string' || Number.isNaN(Date.parse(until))) return undefined;
  return { id, md, html, topic_id: topic_id as number | null, until };
}
