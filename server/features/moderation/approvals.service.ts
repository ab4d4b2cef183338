import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Post } from '../../db/types.js';
import { canHandleReview, type Viewer } from '../../policy/index.js';
import { NotFoundError } from '../../web/errors.js';
import { FormError } from '../../web/forms.js';
import { insertReply, insertTopic } from '../topics/topics.service.js';
import { recordAction } from './audit.js';
import { notify } from '../notifications/notifications.service.js';

/** The held reply's topic was deleted or merged away since: it can only be rejected. */
export class TopicGoneError extends Error {
  statusCode = 409;
  constructor() {
    super('the topic of this held reply is gone');
  }
}

export const REJECT_REASON_MAX = 500;

/** Locks a pending item the viewer may handle; anything else (handled, unknown, their own) is not found. */
async function lockPending(trx: Parameters<Parameters<ReturnType<Database['transaction']>['execute']>[0]>[0], viewer: Viewer, id: number) {
  const item = await trx.selectFrom('queued_posts').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!item || item.status !== 'pending' || !canHandleReview(viewer, { id: item.user_id })) throw new NotFoundError();
  return item;
}

/**
 * Publishes a held post through the same code path as a normal post, with the time it was written; records
 * `post_approve`. A reply whose topic was since deleted or merged cannot be published (TopicGoneError); a reply
 * to a topic locked or closed since is published: it was written while replies were open, and a moderator
 * decides. The author learns of it on their pending page, which links to the post.
 */
export async function approveQueuedPost(db: Database, viewer: Viewer, id: number): Promise<{ post: Post; topic: { id: number; slug: string } }> {
  return db.transaction().execute(async (trx) => {
    const item = await lockPending(trx, viewer, id);
    let post: Post;
    let topic: { id: number; slug: string };
    if (item.topic_id !== null) {
      const t = await trx.selectFrom('topics').select(['id', 'slug', 'category_id', 'deleted_at', 'merged_into_id']).where('id', '=', item.topic_id).forUpdate().executeTakeFirstOrThrow();
      if (t.deleted_at || t.merged_into_id) throw new TopicGoneError();
      post = await insertReply(trx, item.user_id, t, { body: item.body_md, replyTo: item.reply_to_post_id, createdAt: item.created_at });
      topic = t;
    } else {
      const created = await insertTopic(trx, item.user_id, { categoryId: item.category_id!, title: item.title!, body: item.body_md, createdAt: item.created_at });
      post = created.post;
      topic = created.topic;
    }
    await trx
      .updateTable('queued_posts')
      .set({ status: 'approved', post_id: post.id, handled_at: sql`now()`, handled_by_id: viewer.id })
      .where('id', '=', id)
      .execute();
    await recordAction(trx, {
      actorId: viewer.id,
      action: 'post_approve',
      targetUserId: item.user_id,
      topicId: topic.id,
      postId: post.id,
      details: { queued_post_id: item.id, held_reason: item.held_reason, written_at: item.created_at.toISOString() },
    });
    await notify(trx, { userId: item.user_id, kind: 'post_approved', actorId: viewer.id, topicId: topic.id, postId: post.id });
    return { post, topic };
  });
}

/** Rejects a held post with a reason the author sees; the text stays with them. Records `post_reject`. */
export async function rejectQueuedPost(db: Database, viewer: Viewer, id: number, rawReason: string): Promise<void> {
  const reason = rawReason.trim();
  if (!reason) throw new FormError({ reason: { key: 'approvals.reasonRequired' } });
  if (reason.length > REJECT_REASON_MAX) throw new FormError({ reason: { key: 'errors.tooLong', params: { limit: REJECT_REASON_MAX } } });
  await db.transaction().execute(async (trx) => {
    const item = await lockPending(trx, viewer, id);
    await trx
      .updateTable('queued_posts')
      .set({ status: 'rejected', rejected_reason: reason, handled_at: sql`now()`, handled_by_id: viewer.id })
      .where('id', '=', id)
      .execute();
    await recordAction(trx, {
      actorId: viewer.id,
      action: 'post_reject',
      targetUserId: item.user_id,
      topicId: item.topic_id,
      reason,
      details: { queued_post_id: item.id, held_reason: item.held_reason },
    });
    await notify(trx, { userId: item.user_id, kind: 'post_rejected', actorId: viewer.id, data: { reason } });
  });
}
