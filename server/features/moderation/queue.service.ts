import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { canHandleReview, canHidePost, canSanction, type TopicState, type Viewer } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { deletePostInTransaction } from '../posts/posts.service.js';
import type { Trx } from '../reputation/ledger.js';
import { recordAction } from './audit.js';
import { topOpenReason } from './flags.queries.js';
import type { FlagReason } from './flags.schemas.js';
import { hidePost, unhidePost } from './moderation.service.js';
import * as q from './queue.queries.js';
import { applySanction } from './sanctions.js';
import { notify } from '../notifications/notifications.service.js';

export type Decision = 'agree' | 'disagree' | 'defer';

export interface DecisionInput {
  decision: Decision;
  /** The moderator's reason (may be empty). */
  reason: string;
  /** Agree only: also delete the post. */
  deletePost?: boolean;
  /** Agree only: silence or suspend the author for `hours` (null: permanently). */
  sanction?: { kind: 'silence' | 'suspend'; hours: number | null } | null;
  /** Names a flag reason in the moderator's language (a sanction needs a reason the member can read). */
  reasonLabel: (key: FlagReason) => string;
}

export interface DecisionResult {
  decision: Decision;
  postNumber: number;
  /** The item was already handled by someone else (nothing changed). */
  gone?: boolean;
  deleted?: boolean;
  sanction?: { kind: 'silence' | 'suspend'; until: Date };
}

/** Marks an item's open flags with the outcome and moves each flagger's record (their accuracy weighs future flags). */
async function settleFlags(trx: Trx, itemId: number, actorId: number, status: 'agreed' | 'disagreed', post: { id: number; topic_id: number }): Promise<number> {
  const flags = await q.listOpenFlags(trx, itemId);
  if (!flags.length) return 0;
  await trx.updateTable('flags').set({ status, handled_at: sql`now()`, handled_by_id: actorId }).where('id', 'in', flags.map((f) => f.id)).execute();
  const column = status === 'agreed' ? 'flags_agreed' : 'flags_disagreed';
  for (const userId of new Set(flags.map((f) => f.user_id))) {
    const n = flags.filter((f) => f.user_id === userId).length;
    await trx.updateTable('users').set({ [column]: sql`${sql.ref(column)} + ${n}` }).where('id', '=', userId).execute();
    // Each flagger is told how their flag was handled (not who handled it).
    await notify(trx, { userId, kind: status === 'agreed' ? 'flag_agreed' : 'flag_disagreed', topicId: post.topic_id, postId: post.id });
  }
  return flags.length;
}

async function closeItem(trx: Trx, itemId: number, actorId: number, status: 'agreed' | 'disagreed', reason: string): Promise<void> {
  await trx
    .updateTable('review_items')
    .set({ status, handled_at: sql`now()`, handled_by_id: actorId, outcome_reason: reason || null, updated_at: sql`now()` })
    .where('id', '=', itemId)
    .execute();
}

/**
 * A moderator's decision on a queue item, all in one transaction with its audit entries. The post row is locked
 * before the item (the order flagging uses, so the two never deadlock). A moderator never decides on their own post.
 */
export async function decide(db: Database, viewer: Viewer, itemId: number, input: DecisionInput): Promise<DecisionResult> {
  const ref = await q.findItemPostId(db, itemId);
  if (!ref) throw new NotFoundError();
  return db.transaction().execute(async (trx) => {
    const post = await q.lockPost(trx, ref.post_id);
    if (!canHandleReview(viewer, { id: post.user_id })) throw new NotFoundError();
    const item = await q.lockItem(trx, itemId);
    const base = { decision: input.decision, postNumber: post.post_number };
    if (item.status !== 'pending') return { ...base, gone: true };
    const reason = input.reason.trim().slice(0, 500);
    const details: Record<string, unknown> = { review_item_id: item.id, score: item.score };

    if (input.decision === 'defer') {
      await trx.updateTable('review_items').set({ deferred_at: sql`now()`, updated_at: sql`now()` }).where('id', '=', item.id).execute();
      await recordAction(trx, { actorId: viewer.id, action: 'flag_defer', targetUserId: post.user_id, topicId: post.topic_id, postId: post.id, reason, details });
      return base;
    }

    if (input.decision === 'disagree') {
      if (post.hidden_at && !post.deleted_at) await unhidePost(trx, { postId: post.id, actorId: viewer.id, reason });
      details.flags = await settleFlags(trx, item.id, viewer.id, 'disagreed', post);
      await closeItem(trx, item.id, viewer.id, 'disagreed', reason);
      await recordAction(trx, { actorId: viewer.id, action: 'flag_disagree', targetUserId: post.user_id, topicId: post.topic_id, postId: post.id, reason, details });
      return base;
    }

    const topReason = await topOpenReason(trx, item.id);
    const result: DecisionResult = { ...base };
    if (!post.hidden_at && !post.deleted_at) {
      await hidePost(trx, { postId: post.id, actorId: viewer.id, action: 'post_hide', reason: reason || topReason, details: { review_item_id: item.id } });
    } else if (post.hidden_at) {
      // Hidden automatically, now upheld: the author is told a moderator decided (and why, when a reason is given).
      await trx.updateTable('posts').set({ hidden_by_id: viewer.id, ...(reason ? { hidden_reason: reason } : {}) }).where('id', '=', post.id).execute();
    }
    if (input.deletePost) result.deleted = await deletePostInTransaction(trx, viewer, post.id, reason);
    if (input.sanction) {
      const author = await trx.selectFrom('users').select(['id', 'role']).where('id', '=', post.user_id).executeTakeFirstOrThrow();
      if (!canSanction(viewer, author)) throw new ForbiddenError('queue.sanctionRefused');
      const applied = await applySanction(trx, {
        kind: input.sanction.kind,
        userId: author.id,
        actorId: viewer.id,
        hours: input.sanction.hours,
        reason: reason || input.reasonLabel(topReason),
        details: { review_item_id: item.id, post_id: post.id },
      });
      result.sanction = { kind: input.sanction.kind, until: applied.ends_at };
    }
    details.flags = await settleFlags(trx, item.id, viewer.id, 'agreed', post);
    details.deleted = !!result.deleted;
    if (result.sanction) details.sanction = { kind: result.sanction.kind, hours: input.sanction!.hours };
    await closeItem(trx, item.id, viewer.id, 'agreed', reason);
    await recordAction(trx, { actorId: viewer.id, action: 'flag_agree', targetUserId: post.user_id, topicId: post.topic_id, postId: post.id, reason, details });
    return result;
  });
}

/** A moderator hides a post directly (post_hide in the log). Returns false when it was already hidden. */
export async function hideByModerator(db: Database, viewer: Viewer, topic: TopicState, postId: number, reason: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const post = await trx.selectFrom('posts').select(['user_id', 'post_number', 'created_at', 'deleted_at', 'hidden_at']).where('id', '=', postId).forUpdate().executeTakeFirstOrThrow();
    if (!canHidePost(viewer, topic, post)) return false;
    return hidePost(trx, { postId, actorId: viewer.id, action: 'post_hide', reason: reason.trim() });
  });
}

/** A moderator shows a hidden post again (post_unhide in the log); pending flags on it stay in the queue. */
export async function unhideByModerator(db: Database, viewer: Viewer, postId: number, reason: string): Promise<boolean> {
  return db.transaction().execute((trx) => unhidePost(trx, { postId, actorId: viewer.id, reason: reason.trim() }));
}
