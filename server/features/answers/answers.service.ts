import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { canAcceptAnswer, canMarkOfficial, canUnacceptAnswer, canUnmarkOfficial, type Viewer } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { notify } from '../notifications/notifications.service.js';
import { reconcilePostReputation, type Trx } from '../reputation/ledger.js';
import { getSettings } from '../settings/settings.js';
import './answers.credits.js';
import * as q from './answers.queries.js';

const DEADLOCK = '40P01';

/** The state read before taking the locks changed before they were all held: start again on fresh data. */
class StaleRead extends Error {}

/**
 * Runs `work` in a transaction, again (on fresh data) when its unlocked pre-read went stale, or when PostgreSQL
 * broke a deadlock by aborting it (a last resort: the lock order below matches the rest of the code).
 */
async function inTransaction<T>(db: Database, work: (trx: Trx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (err) {
      const retry = err instanceof StaleRead || (err as { code?: string }).code === DEADLOCK;
      if (!retry || attempt >= 25) throw err;
    }
  }
}

/**
 * Locks the posts concerned (by id), then their topic — the house order: deleting or restoring a post locks the
 * post, then its topic, so the opposite order here would deadlock against it. Which other post is concerned (the
 * current accepted or official answer) is read before the locks and read again once the topic is locked; every
 * change to it holds the topic lock, so if it moved in between, the transaction starts again.
 */
async function lockAll(trx: Trx, postId: number, other: (topicId: number) => Promise<number | null | undefined>) {
  const topicId = await q.findPostTopicId(trx, postId);
  if (!topicId) throw new NotFoundError();
  const expected = (await other(topicId)) ?? null;
  const posts = await q.lockPostsForAnswer(trx, expected ? [postId, expected] : [postId]);
  const topic = await q.lockTopicForAnswer(trx, topicId);
  const post = posts.find((p) => p.id === postId);
  if (!topic || !post || post.topic_id !== topic.id) throw new NotFoundError();
  if (((await other(topicId)) ?? null) !== expected) throw new StaleRead();
  return { topic, post, ids: posts.map((p) => p.id) };
}

const noOther = async () => null;

/**
 * Marks a reply as its question's accepted answer, replacing any other (idempotent). The ledger is reconciled for
 * the old and the new answer in the same transaction, so reputation moves exactly (see answers.credits.ts).
 */
export async function acceptAnswer(db: Database, viewer: Viewer, postId: number): Promise<void> {
  await inTransaction(db, async (trx) => {
    const { topic, post, ids } = await lockAll(trx, postId, (topicId) => q.findSolvedPostId(trx, topicId));
    if (!canAcceptAnswer(viewer, topic, post)) throw new ForbiddenError('answers.cannotAccept');
    if (topic.solved_post_id === post.id) return;
    const { reputation } = await getSettings(trx);
    await trx
      .updateTable('topics')
      .set({ solved_post_id: post.id, solved_by_id: viewer.id, solved_at: sql`now()`, solved_credit: reputation.accepted_answer, solved_own_credit: reputation.accept_own })
      .where('id', '=', topic.id)
      .execute();
    for (const id of ids) await reconcilePostReputation(trx, id);
    await notify(trx, { userId: post.user_id, kind: 'answer_accepted', actorId: viewer.id, topicId: topic.id, postId: post.id });
  });
}

/** Unmarks the accepted answer (when `postId` is it; otherwise nothing to do) and takes its reputation back. */
export async function unacceptAnswer(db: Database, viewer: Viewer, postId: number): Promise<void> {
  await inTransaction(db, async (trx) => {
    const { topic, post } = await lockAll(trx, postId, noOther);
    if (!canUnacceptAnswer(viewer, topic)) throw new ForbiddenError('answers.cannotAccept');
    if (topic.solved_post_id !== post.id) return;
    await trx
      .updateTable('topics')
      .set({ solved_post_id: null, solved_by_id: null, solved_at: null, solved_credit: 0, solved_own_credit: 0 })
      .where('id', '=', topic.id)
      .execute();
    await reconcilePostReputation(trx, post.id);
  });
}

/** Marks a staff member's own reply as the topic's official answer, replacing any other (one per topic). */
export async function markOfficial(db: Database, viewer: Viewer, postId: number): Promise<void> {
  await inTransaction(db, async (trx) => {
    const { topic, post } = await lockAll(trx, postId, (topicId) => q.findOfficialPostId(trx, topicId));
    if (!canMarkOfficial(viewer, topic, post)) throw new ForbiddenError('answers.cannotOfficial');
    if (post.official_at) return;
    await trx.updateTable('posts').set({ official_at: null, official_by_id: null }).where('topic_id', '=', topic.id).where('official_at', 'is not', null).execute();
    await trx.updateTable('posts').set({ official_at: sql`now()`, official_by_id: viewer.id }).where('id', '=', post.id).execute();
  });
}

/** Withdraws the official mark of a post (idempotent). */
export async function unmarkOfficial(db: Database, viewer: Viewer, postId: number): Promise<void> {
  await inTransaction(db, async (trx) => {
    const { topic, post } = await lockAll(trx, postId, noOther);
    if (!post.official_at) return;
    if (!canUnmarkOfficial(viewer, topic, post)) throw new ForbiddenError('answers.cannotOfficial');
    await trx.updateTable('posts').set({ official_at: null, official_by_id: null }).where('id', '=', post.id).execute();
  });
}
