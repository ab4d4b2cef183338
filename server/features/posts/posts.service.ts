import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { COOK_VERSION, cook } from '../../content/cook.js';
import type { Viewer } from '../../policy/index.js';
import { recordAction } from '../moderation/audit.js';
import { requeueAfterAuthorEdit } from '../moderation/flags.service.js';
import { reconcilePostReputation, type Trx } from '../reputation/ledger.js';
import { checkBody } from '../topics/topics.service.js';
import { cookForSave, evaluateContent } from '../moderation/posting-rules.js';
import { FormError } from '../../web/forms.js';
import { getSettings } from '../settings/settings.js';
import { notify } from '../notifications/notifications.service.js';

/**
 * Replaces a post's body. The version being replaced is kept as a revision (with who wrote it and when),
 * so the full history can be shown. Returns false when nothing changed. Staff editing someone else's post is
 * recorded in the audit log; an author's edit of their hidden post sends it back to the review queue.
 */
export async function editPost(db: Database, viewer: Viewer, postId: number, rawBody: string): Promise<boolean> {
  const body = checkBody(rawBody);
  // An edit meets the same word and link rules as a new post (blocked words and domains are refused; censored
  // words are masked in the cooked HTML). A "require approval" match does not pull a published post back.
  const rules = (await getSettings(db)).moderation;
  const verdict = evaluateContent(rules, viewer, { body, html: cook(body) });
  if ('refuse' in verdict) throw new FormError({ [verdict.refuse.field]: { key: verdict.refuse.key, params: verdict.refuse.params } });
  const html = cookForSave(rules, body);
  return db.transaction().execute(async (trx) => {
    const post = await trx.selectFrom('posts').selectAll().where('id', '=', postId).forUpdate().executeTakeFirstOrThrow();
    if (post.body_md === body) return false;
    await trx
      .insertInto('post_revisions')
      .values({
        post_id: postId,
        revision: post.revision_count + 1,
        body_md: post.body_md,
        body_html: post.body_html,
        editor_id: post.last_editor_id ?? post.user_id,
        created_at: post.edited_at ?? post.created_at,
      })
      .execute();
    await trx
      .updateTable('posts')
      .set({ body_md: body, body_html: html, cook_version: COOK_VERSION, revision_count: post.revision_count + 1, edited_at: sql`now()`, last_editor_id: viewer.id })
      .where('id', '=', postId)
      .execute();
    if (viewer.id !== post.user_id) {
      await recordAction(trx, {
        actorId: viewer.id,
        action: 'post_edit',
        targetUserId: post.user_id,
        topicId: post.topic_id,
        postId,
        details: { revision: post.revision_count + 1 },
      });
    } else if (post.hidden_at) {
      await requeueAfterAuthorEdit(trx, postId);
    }
    return true;
  });
}

/** Moves the counters of a topic, its category and the post's author by `sign` for one post (or a whole topic). */
async function adjustCounters(trx: Trx, post: { topic_id: number; post_number: number; user_id: number }, sign: 1 | -1): Promise<void> {
  const topic = await trx.selectFrom('topics').select(['id', 'category_id', 'reply_count', 'deleted_at', 'solved_post_id']).where('id', '=', post.topic_id).forUpdate().executeTakeFirstOrThrow();
  if (post.post_number === 1) {
    // The first post stands for the whole topic: deleting it takes the topic (and its live replies) out of the counts.
    const posts = topic.reply_count + 1;
    await trx.updateTable('topics').set({ deleted_at: sign < 0 ? sql`now()` : null }).where('id', '=', topic.id).execute();
    await trx
      .updateTable('categories')
      .set({ topic_count: sql`topic_count + ${sign}`, post_count: sql`post_count + ${sign * posts}` })
      .where('id', '=', topic.category_id)
      .execute();
    await trx.updateTable('users').set({ topic_count: sql`topic_count + ${sign}`, post_count: sql`post_count + ${sign}` }).where('id', '=', post.user_id).execute();
    // An answer is worth nothing without its question: deleting the question takes back the accepted answer's
    // credits (and restoring it gives them back); see answers.credits.ts.
    if (topic.solved_post_id) await reconcilePostReputation(trx, topic.solved_post_id);
    return;
  }
  await trx.updateTable('topics').set({ reply_count: sql`reply_count + ${sign}` }).where('id', '=', topic.id).execute();
  // A deleted topic's posts are already out of the category's count.
  if (!topic.deleted_at) await trx.updateTable('categories').set({ post_count: sql`post_count + ${sign}` }).where('id', '=', topic.category_id).execute();
  await trx.updateTable('users').set({ post_count: sql`post_count + ${sign}` }).where('id', '=', post.user_id).execute();
}

/** Soft-deletes a post (the first post deletes its topic); counters move in the same transaction. Idempotent. */
export async function deletePost(db: Database, viewer: Viewer, postId: number, reason = ''): Promise<void> {
  await db.transaction().execute((trx) => deletePostInTransaction(trx, viewer, postId, reason));
}

/**
 * The delete itself, inside the caller's transaction (the review queue deletes as part of "agree").
 * Deleting someone else's post is recorded in the audit log. Returns false when it was already deleted.
 */
export async function deletePostInTransaction(trx: Trx, actor: Pick<Viewer, 'id'>, postId: number, reason = ''): Promise<boolean> {
  const post = await trx.selectFrom('posts').select(['id', 'topic_id', 'post_number', 'user_id', 'deleted_at']).where('id', '=', postId).forUpdate().executeTakeFirstOrThrow();
  if (post.deleted_at) return false;
  await trx.updateTable('posts').set({ deleted_at: sql`now()`, deleted_by_id: actor.id }).where('id', '=', postId).execute();
  await adjustCounters(trx, post, -1);
  // A deleted post takes back the reputation it earned (reactions, and whatever else the ledger credits it with).
  await reconcilePostReputation(trx, postId);
  if (actor.id !== post.user_id) {
    await recordAction(trx, { actorId: actor.id, action: 'post_delete', targetUserId: post.user_id, topicId: post.topic_id, postId, reason, details: { post_number: post.post_number } });
    await notify(trx, { userId: post.user_id, kind: 'post_deleted', actorId: actor.id, topicId: post.topic_id, data: { reason } });
  }
  return true;
}

/** Restores a soft-deleted post (and its topic, for a first post); recorded when it was not the actor's own. Idempotent. */
export async function restorePost(db: Database, viewer: Pick<Viewer, 'id'>, postId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const post = await trx.selectFrom('posts').select(['id', 'topic_id', 'post_number', 'user_id', 'deleted_at']).where('id', '=', postId).forUpdate().executeTakeFirstOrThrow();
    if (!post.deleted_at) return;
    await trx.updateTable('posts').set({ deleted_at: null, deleted_by_id: null }).where('id', '=', postId).execute();
    await adjustCounters(trx, post, 1);
    await reconcilePostReputation(trx, postId);
    if (viewer.id !== post.user_id) {
      await recordAction(trx, { actorId: viewer.id, action: 'post_restore', targetUserId: post.user_id, topicId: post.topic_id, postId, details: { post_number: post.post_number } });
    }
  });
}
