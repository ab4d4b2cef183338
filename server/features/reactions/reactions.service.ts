import type { Database } from '../../db/index.js';
import type { Viewer } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { reconcilePostReputation } from '../reputation/ledger.js';
import type { ReactionDef } from '../settings/settings.js';
import * as q from './reactions.queries.js';
import { notifyReaction } from '../notifications/reactions.notify.js';

/** The user has given as many reactions today as their trust level allows. */
export class DailyReactionLimitError extends Error {
  statusCode = 429;
  constructor(public limit: number, public retryAfter: number) {
    super('daily reaction limit reached');
  }
}

export interface ToggleResult {
  /** Whether the viewer's reaction of this kind exists after the toggle. */
  active: boolean;
  /** The post's counts after the toggle (kind → count). */
  counts: Record<string, number>;
}

/**
 * Adds the viewer's reaction of this kind to a post, or takes it back if it is there. One transaction with
 * the post row locked: concurrent toggles of the same post queue up, so the counts kept in the row and the
 * author's reputation (reconciled from the reactions) are exact. A new reaction counts against the daily
 * limit; the count is taken under a per-user advisory lock so parallel requests cannot overshoot it.
 */
export async function toggleReaction(db: Database, viewer: Viewer, postId: number, reaction: ReactionDef, dailyLimit: number): Promise<ToggleResult> {
  return db.transaction().execute(async (trx) => {
    const post = await q.lockPostForReaction(trx, postId);
    // Deleted or hidden meanwhile: it is no longer there to react to.
    if (!post || post.deleted_at || post.hidden_at) throw new NotFoundError();
    if (post.user_id === viewer.id) throw new ForbiddenError('reactions.ownPost');
    const existing = await q.findReaction(trx, postId, viewer.id, reaction.key);
    if (existing) {
      await trx.deleteFrom('reactions').where('id', '=', existing.id).execute();
    } else {
      await q.lockUserReactions(trx, viewer.id);
      const today = await q.countReactionsToday(trx, viewer.id);
      if (today.count >= dailyLimit) throw new DailyReactionLimitError(dailyLimit, today.secondsLeft);
      await trx
        .insertInto('reactions')
        .values({ post_id: postId, user_id: viewer.id, kind: reaction.key, weight: reaction.weight })
        .onConflict((oc) => oc.columns(['post_id', 'user_id', 'kind']).doNothing())
        .execute();
      await notifyReaction(trx, postId, viewer.id);
    }
    const counts = await q.refreshReactionCounts(trx, postId);
    await reconcilePostReputation(trx, postId);
    return { active: !existing, counts };
  });
}
