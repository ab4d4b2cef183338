import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { isExemptFromLimits, type Viewer } from '../../policy/index.js';
import { RateLimitedError } from '../../web/errors.js';
import { hit } from '../../web/ratelimit.js';
import type { Translator } from '../../web/i18n/index.js';
import type { ModerationSettings } from '../settings/settings.js';

/**
 * Posting limits by trust level, kept in PostgreSQL (rate_limits counters and queries over posts), so every app
 * instance enforces the same limits. Staff are exempt. The per-minute flood limit lives in topics.service.
 */

export type LimitRule = 'gap' | 'slowMode' | 'topicsPerDay' | 'firstDayReplies' | 'flood';

/** A posting limit refused the post: which rule, its limit (seconds or a count), and when to try again. */
export class PostingLimitError extends RateLimitedError {
  constructor(public rule: LimitRule, public limit: number, retryAfter: number) {
    super(retryAfter);
  }
}

export type PostingTarget = { kind: 'topic' } | { kind: 'reply'; topicId: number; slowModeSeconds: number };

const DAY = 86_400;

/** Replies a member wrote (published or waiting) since the given time. */
async function countRepliesSince(db: Database, userId: number, since: Date): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select (select count(*) from posts where user_id = ${userId} and post_number > 1 and created_at >= ${since})
         + (select count(*) from queued_posts where user_id = ${userId} and topic_id is not null and status = 'pending' and created_at >= ${since}) as n`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Checks and counts one post against the limits; throws PostingLimitError. Order matters because a counter
 * that passes is spent: the checks that spend nothing come first and the daily topic counter comes last, so a
 * refusal by another rule never eats into the day's topics.
 */
export async function checkPostingLimits(db: Database, viewer: Viewer, s: ModerationSettings, target: PostingTarget, now = new Date()): Promise<void> {
  if (isExemptFromLimits(viewer, now)) return;
  const level = viewer.trust_level === 0 ? 0 : 1;

  if (target.kind === 'reply' && viewer.trust_level === 0 && s.first_day_replies > 0) {
    const firstDayEnds = viewer.created_at.getTime() + DAY * 1000;
    if (now.getTime() < firstDayEnds && (await countRepliesSince(db, viewer.id, viewer.created_at)) >= s.first_day_replies) {
      throw new PostingLimitError('firstDayReplies', s.first_day_replies, Math.max(1, Math.ceil((firstDayEnds - now.getTime()) / 1000)));
    }
  }

  const gap = s.seconds_between_posts[level];
  if (gap > 0) {
    const r = await hit(db, `post-gap:${viewer.id}`, 1, gap);
    if (!r.allowed) throw new PostingLimitError('gap', gap, r.retryAfter);
  }

  if (target.kind === 'reply' && target.slowModeSeconds > 0) {
    const r = await hit(db, `slow-mode:${target.topicId}:${viewer.id}`, 1, target.slowModeSeconds);
    if (!r.allowed) throw new PostingLimitError('slowMode', target.slowModeSeconds, r.retryAfter);
  }

  const perDay = s.topics_per_day[level];
  if (target.kind === 'topic' && perDay > 0) {
    const r = await hit(db, `topics-day:${viewer.id}`, perDay, DAY);
    if (!r.allowed) throw new PostingLimitError('topicsPerDay', perDay, r.retryAfter);
  }
}

/** A wait or an interval in words: seconds under two minutes, minutes under two hours, then hours. */
export function duration(i18n: Translator, seconds: number): string {
  if (seconds < 120) return i18n.tn('posting.duration.seconds', seconds);
  if (seconds < 7200) return i18n.tn('posting.duration.minutes', Math.ceil(seconds / 60));
  return i18n.tn('posting.duration.hours', Math.ceil(seconds / 3600));
}

/** The refusal in the member's language: what the limit is and when to try again. */
export function limitMessage(i18n: Translator, err: RateLimitedError): string {
  const wait = duration(i18n, err.retryAfter);
  if (!(err instanceof PostingLimitError)) return i18n.t('posting.limit.flood', { wait });
  switch (err.rule) {
    case 'gap':
      return i18n.t('posting.limit.gap', { interval: duration(i18n, err.limit), wait });
    case 'slowMode':
      return i18n.t('posting.limit.slowMode', { interval: duration(i18n, err.limit), wait });
    case 'topicsPerDay':
      return i18n.tn('posting.limit.topicsPerDay', err.limit, { wait });
    case 'firstDayReplies':
      return i18n.tn('posting.limit.firstDayReplies', err.limit, { wait });
    case 'flood':
      return i18n.tn('posting.limit.perMinute', err.limit, { wait });
  }
}
