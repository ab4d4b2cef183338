import { sql } from 'kysely';
import { reconcilePostReputation, type Trx } from '../reputation/ledger.js';
import { recordAction } from './audit.js';
import { notify } from '../notifications/notifications.service.js';
import { refreshCategoryLatest } from './topic-tools.service.js';

/**
 * Hiding and restoring posts. Both take the caller's transaction: the flag queue hides a post in the same
 * transaction as the flag that tipped it over, a moderator's action records itself in the audit log with it.
 * Hidden posts keep their place and counts; their body is shown only to staff and to the author (with the reason),
 * and they carry no reputation while hidden (the ledger is reconciled in the same transaction).
 */

export interface HideInput {
  postId: number;
  /** null: hidden automatically (flag score, a trusted member's spam flag). */
  actorId: number | null;
  /** Shown to the author; for automatic hiding, a key of the flag reason (e.g. `spam`). */
  reason: string;
  /** The audit action to record (post_hide by a moderator, post_auto_hide by the flag rules). */
  action?: 'post_hide' | 'post_auto_hide' | 'flag_agree';
  details?: Record<string, unknown>;
}

/**
 * A topic whose opening post is hidden is unlisted (its title may be the spam or the insult): out of every list,
 * search and digest for all but staff, and no longer its category's latest topic; its address still opens.
 */
async function setTopicListed(trx: Trx, topicId: number, listed: boolean): Promise<void> {
  const topic = await trx
    .updateTable('topics')
    .set({ unlisted_at: listed ? null : sql`now()` })
    .where('id', '=', topicId)
    .returning('category_id')
    .executeTakeFirst();
  if (topic) await refreshCategoryLatest(trx, topic.category_id);
}

/** Hides a live post; returns false (and records nothing) when it is already hidden or deleted. */
export async function hidePost(trx: Trx, input: HideInput): Promise<boolean> {
  const post = await trx.selectFrom('posts').select(['id', 'topic_id', 'user_id', 'post_number', 'hidden_at', 'deleted_at']).where('id', '=', input.postId).forUpdate().executeTakeFirst();
  if (!post || post.hidden_at || post.deleted_at) return false;
  await trx
    .updateTable('posts')
    .set({ hidden_at: sql`now()`, hidden_reason: input.reason.slice(0, 500), hidden_by_id: input.actorId })
    .where('id', '=', post.id)
    .execute();
  if (post.post_number === 1) await setTopicListed(trx, post.topic_id, false);
  await reconcilePostReputation(trx, post.id);
  await notify(trx, { userId: post.user_id, kind: 'post_hidden', actorId: input.actorId, topicId: post.topic_id, postId: post.id, data: { reason: input.reason.slice(0, 500) } });
  if (input.action !== 'flag_agree') {
    await recordAction(trx, {
      actorId: input.actorId,
      action: input.action ?? (input.actorId ? 'post_hide' : 'post_auto_hide'),
      targetUserId: post.user_id,
      topicId: post.topic_id,
      postId: post.id,
      reason: input.reason,
      details: input.details,
    });
  }
  return true;
}

/** Shows a hidden post again; returns false when it is not hidden. */
export async function unhidePost(trx: Trx, input: { postId: number; actorId: number; reason?: string; record?: boolean }): Promise<boolean> {
  const post = await trx.selectFrom('posts').select(['id', 'topic_id', 'user_id', 'post_number', 'hidden_at', 'hidden_reason']).where('id', '=', input.postId).forUpdate().executeTakeFirst();
  if (!post || !post.hidden_at) return false;
  await trx.updateTable('posts').set({ hidden_at: null, hidden_reason: null, hidden_by_id: null }).where('id', '=', post.id).execute();
  if (post.post_number === 1) await setTopicListed(trx, post.topic_id, true);
  await reconcilePostReputation(trx, post.id);
  await notify(trx, { userId: post.user_id, kind: 'post_restored', actorId: input.actorId, topicId: post.topic_id, postId: post.id });
  if (input.record !== false) {
    await recordAction(trx, {
      actorId: input.actorId,
      action: 'post_unhide',
      targetUserId: post.user_id,
      topicId: post.topic_id,
      postId: post.id,
      reason: input.reason ?? '',
      details: { hidden_reason: post.hidden_reason },
    });
  }
  return true;
}
