import type { TrustLevelSettings } from '../settings/settings.js';

/**
 * The automatic trust-level rules as pure functions of a user's activity (no database, no clock of their own).
 *
 * TL3 "sustained activity" is simplified from Discourse's requirements over the last `period_days`:
 * - days visited: distinct days with a recorded page view in the period ≥ `days_visited_pct` % of the period;
 * - topics replied to: distinct topics with a live reply by the user created in the period;
 * - topics read: of the readable topics created in the period, the share the user has opened at all;
 * - posts read: of the posts in those same topics, the share the user has read (by highest post number read),
 *   so "recent posts" means "posts of recent topics" — we keep the highest post read per topic, not a log per post;
 * - reactions given and received in the period, and posts of the user hidden by moderation in the period.
 */
export interface TrustActivity {
  topics_entered: number;
  posts_read: number;
  time_read_seconds: number;
  days_visited: number;
  reactions_given: number;
  reactions_received: number;
  replied_topics: number;
  recent: {
    days_visited: number;
    replied_topics: number;
    topics_read: number;
    /** Readable topics created in the period (the denominator of topics read). */
    topics_total: number;
    posts_read: number;
    posts_total: number;
    reactions_given: number;
    reactions_received: number;
    posts_hidden: number;
  };
}

export interface TrustState {
  trust_level: number;
  trust_level_locked: boolean;
  trust_level_changed_at: Date | null;
}

const pct = (part: number, whole: number) => (whole <= 0 ? 100 : (100 * part) / whole);

export function meetsTl1(a: TrustActivity, t: TrustLevelSettings): boolean {
  return a.topics_entered >= t.tl1.topics_entered && a.posts_read >= t.tl1.posts_read && a.time_read_seconds >= t.tl1.minutes_read * 60;
}

export function meetsTl2(a: TrustActivity, t: TrustLevelSettings): boolean {
  const r = t.tl2;
  return (
    a.days_visited >= r.days_visited &&
    a.topics_entered >= r.topics_entered &&
    a.posts_read >= r.posts_read &&
    a.reactions_given >= r.reactions_given &&
    a.reactions_received >= r.reactions_received &&
    a.replied_topics >= r.replied_topics
  );
}

/** Sustained activity over the period (see the module comment for how "recent reading" is measured). */
export function meetsTl3(a: TrustActivity, t: TrustLevelSettings): boolean {
  const r = t.tl3;
  const x = a.recent;
  return (
    pct(x.days_visited, r.period_days) >= r.days_visited_pct &&
    x.replied_topics >= r.replied_topics &&
    pct(x.topics_read, x.topics_total) >= r.topics_read_pct &&
    pct(x.posts_read, x.posts_total) >= r.posts_read_pct &&
    x.reactions_given >= r.reactions_given &&
    x.reactions_received >= r.reactions_received &&
    x.posts_hidden <= r.max_posts_hidden
  );
}

/**
 * The level the rules give a user now. Promotion climbs one requirement set at a time (TL2 needs TL1's too);
 * only TL3 is ever taken away, when its requirements lapse and the grace period since the last change is over.
 * A locked level and TL4 are never touched; TL1 and TL2, once earned, are kept.
 */
export function evaluateTrustLevel(state: TrustState, a: TrustActivity, t: TrustLevelSettings, now = new Date()): number {
  const current = state.trust_level;
  if (state.trust_level_locked || current >= 4) return current;
  let level = current;
  if (level < 1 && meetsTl1(a, t)) level = 1;
  if (level === 1 && meetsTl2(a, t)) level = 2;
  const tl3 = meetsTl3(a, t);
  if (level === 2 && tl3) level = 3;
  if (current === 3 && !tl3) {
    const since = state.trust_level_changed_at?.getTime() ?? 0;
    if (now.getTime() - since >= t.tl3.grace_days * 86400_000) level = 2;
  }
  return level;
}
