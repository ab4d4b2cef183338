import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { autoHideRule, dailyFlagLimit, flagWeight, isStaff, type Viewer } from '../../policy/index.js';
import { ForbiddenError, NotFoundError, RateLimitedError } from '../../web/errors.js';
import { hit } from '../../web/ratelimit.js';
import type { Trx } from '../reputation/ledger.js';
import { getSettings } from '../settings/settings.js';
import * as q from './flags.queries.js';
import type { FlagReason } from './flags.schemas.js';
import { hidePost } from './moderation.service.js';

/** The viewer already has an open flag on this post: answered with the "already flagged" state, not a 500. */
export class AlreadyFlaggedError extends Error {
  constructor() {
    super('already flagged');
  }
}

export interface FlagInput {
  reason: FlagReason;
  note: string;
}

export interface FlagResult {
  flagId: number;
  itemId: number;
  score: number;
  /** The flag hid the post (score threshold or a trusted member's spam flag). */
  hidden: boolean;
}


const DAY = 86400;

/**
 * Flags a post. One transaction with the post row locked: the queue item (one per post while pending) gains the
 * flag's weight, and when the rules say so the post is hidden in the same transaction (post_auto_hide in the
 * audit log). The daily limit counts in PostgreSQL (shared by every instance); a refused flag rolls its count back.
 * The caller has checked canFlag; deletion or authorship are checked again under the lock.
 */
export async function flagPost(db: Database, viewer: Viewer, postId: number, input: FlagInput): Promise<FlagResult> {
  const settings = (await getSettings(db)).moderation;
  try {
    return await db.transaction().execute(async (trx) => {
      const post = await q.lockPostForFlag(trx, postId);
      if (!post || post.deleted_at) throw new NotFoundError();
      if (post.user_id === viewer.id) throw new ForbiddenError('flags.ownPost');
      if (await q.findOpenFlag(trx, postId, viewer.id)) throw new AlreadyFlaggedError();
      const flagger = await q.getFlagger(trx, viewer.id);
      if (!isStaff(viewer)) {
        const result = await hit(trx, `flags:day:${viewer.id}`, dailyFlagLimit(settings.flag_daily_limit, flagger.trust_level), DAY);
        if (!result.allowed) throw new RateLimitedError(result.retryAfter);
      }
      const weight = flagWeight(flagger);
      const item = await q.addToReviewItem(trx, postId, weight);
      const flag = await q.insertFlag(trx, { postId, userId: viewer.id, reason: input.reason, note: input.note.trim(), weight, itemId: item.id });
      let hidden = false;
      if (!post.hidden_at) {
        const rule = autoHideRule({ score: item.score, threshold: settings.auto_hide_score, reason: input.reason, flagger, authorTrustLevel: post.author_trust_level });
        if (rule) {
          const reason = rule === 'trusted_spam' ? 'spam' : await q.topOpenReason(trx, item.id);
          hidden = await hidePost(trx, { postId, actorId: null, action: 'post_auto_hide', reason, details: { review_item_id: item.id, score: item.score, rule } });
        }
      }
      return { flagId: flag.id, itemId: item.id, score: item.score, hidden };
    });
  } catch (err) {
    // Two requests of one user racing past the check above meet the unique index instead.
    if ((err as { code?: string }).code === '23505' && String((err as { constraint?: string }).constraint ?? (err as Error).message).includes('flags_open_per_user')) {
      throw new AlreadyFlaggedError();
    }
    throw err;
  }
}

/**
 * An author edited their hidden post: it goes back to review. A pending item rises again (no longer deferred);
 * if moderators had agreed with the flags, those flags open again on a new pending item (and the agreement they
 * earned their flaggers is taken back until the new decision). Runs in the edit's transaction, post row locked.
 * Returns whether the post is (again) waiting in the queue.
 */
export async function requeueAfterAuthorEdit(trx: Trx, postId: number): Promise<boolean> {
  const pending = await q.lockPendingItemForPost(trx, postId);
  if (pending) {
    await trx.updateTable('review_items').set({ deferred_at: null, updated_at: sql`now()` }).where('id', '=', pending.id).execute();
    return true;
  }
  const last = await q.findLastAgreedItem(trx, postId);
  if (!last) return false;
  const flags = await trx.selectFrom('flags').select(['id', 'user_id', 'weight']).where('review_item_id', '=', last.id).where('status', '=', 'agreed').execute();
  if (!flags.length) return false;
  const score = flags.reduce((sum, f) => sum + f.weight, 0);
  const item = await trx.insertInto('review_items').values({ post_id: postId, score }).returning('id').executeTakeFirstOrThrow();
  await trx
    .updateTable('flags')
    .set({ status: 'open', handled_at: null, handled_by_id: null, review_item_id: item.id })
    .where('id', 'in', flags.map((f) => f.id))
    .execute();
  for (const userId of new Set(flags.map((f) => f.user_id))) {
    const n = flags.filter((f) => f.user_id === userId).length;
    await trx.updateTable('users').set({ flags_agreed: sql`greatest(0, flags_agreed - ${n})` }).where('id', '=', userId).execute();
  }
  return true;
}
