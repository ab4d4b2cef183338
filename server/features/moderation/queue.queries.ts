import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { readAccessFor, type Viewer } from '../../policy/index.js';
import type { Trx } from '../reputation/ledger.js';

export const QUEUE_PAGE = 20;

/** Position in the queue order (deferred last, score desc, id): "<0|1>_<score>_<id>". */
export interface QueueCursor {
  deferred: boolean;
  score: number;
  id: number;
}

export function encodeQueueCursor(c: QueueCursor): string {
  return `${c.deferred ? 1 : 0}_${c.score}_${c.id}`;
}

export function decodeQueueCursor(raw: string | undefined): QueueCursor | null {
  const m = raw ? /^([01])_(-?\d{1,9})_([1-9]\d{0,9})$/.exec(raw) : null;
  return m ? { deferred: m[1] === '1', score: Number(m[2]), id: Number(m[3]) } : null;
}

/**
 * The items one viewer handles, in queue order (index review_items_queue): pending, in categories the viewer
 * reads, and never items on the viewer's own posts (those are for other moderators and staff).
 * With the post, its topic and its author's record (flags upheld against them, sanctions).
 */
function queueQuery(db: Database, viewer: Viewer) {
  return db
    .selectFrom('review_items as ri')
    .innerJoin('posts', 'posts.id', 'ri.post_id')
    .innerJoin('topics', 'topics.id', 'posts.topic_id')
    .innerJoin('categories', 'categories.id', 'topics.category_id')
    .innerJoin('users as author', 'author.id', 'posts.user_id')
    .select([
      'ri.id', 'ri.score', 'ri.deferred_at', 'ri.created_at', 'ri.updated_at',
      'posts.id as post_id', 'posts.post_number', 'posts.body_html', 'posts.hidden_at', 'posts.hidden_reason', 'posts.hidden_by_id',
      'posts.deleted_at', 'posts.created_at as post_created_at', 'posts.edited_at',
      'topics.id as topic_id', 'topics.title as topic_title', 'topics.slug as topic_slug',
      'author.id as author_id', 'author.username as author_username', 'author.display_name as author_display_name', 'author.role as author_role',
      'author.trust_level as author_trust_level', 'author.created_at as author_created_at',
      'author.silenced_until as author_silenced_until', 'author.suspended_until as author_suspended_until',
      sql<number>`(select count(*) from flags f join posts fp on fp.id = f.post_id where fp.user_id = author.id and f.status = 'agreed')::int`.as('author_agreed'),
    ])
    .where('ri.status', '=', 'pending')
    .where('posts.user_id', '!=', viewer.id)
    .where('categories.read_access', 'in', readAccessFor(viewer));
}

export function listQueue(db: Database, viewer: Viewer, after: QueueCursor | null) {
  let q = queueQuery(db, viewer);
  if (after) {
    const d = sql<boolean>`(ri.deferred_at is not null)`;
    q = q.where(sql<boolean>`(${d} > ${after.deferred} or (${d} = ${after.deferred} and (ri.score < ${after.score} or (ri.score = ${after.score} and ri.id > ${after.id}))))`);
  }
  return q.orderBy(sql`(ri.deferred_at is not null)`).orderBy('ri.score', 'desc').orderBy('ri.id').limit(QUEUE_PAGE).execute();
}

/** One pending item as the viewer would see it in their queue (undefined: not theirs to handle, or gone). */
export function findQueueItem(db: Database, viewer: Viewer, itemId: number) {
  return queueQuery(db, viewer).where('ri.id', '=', itemId).executeTakeFirst();
}

export type QueueItem = Awaited<ReturnType<typeof listQueue>>[number];

/** Every flag of the given items (all statuses: a reopened item shows its history too), oldest first. */
export function listFlagsForItems(db: Database, itemIds: number[]) {
  if (!itemIds.length) return Promise.resolve([]);
  return db
    .selectFrom('flags')
    .innerJoin('users', 'users.id', 'flags.user_id')
    .select(['flags.id', 'flags.review_item_id', 'flags.reason', 'flags.note', 'flags.weight', 'flags.status', 'flags.created_at', 'users.username', 'users.display_name', 'users.trust_level', 'users.role'])
    .where('flags.review_item_id', 'in', itemIds)
    .orderBy('flags.created_at')
    .orderBy('flags.id')
    .execute();
}

/** The sanction history of the given users (for counts and the suggested duration). */
export function listSanctionHistory(db: Database, userIds: number[]) {
  if (!userIds.length) return Promise.resolve([]);
  return db.selectFrom('sanctions').select(['user_id', 'kind', 'starts_at', 'ends_at', 'lifted_at']).where('user_id', 'in', userIds).orderBy('starts_at', 'desc').execute();
}

/** The post an item is about (read before locking: the post row is locked first, as flagging does). */
export function findItemPostId(db: Database, itemId: number) {
  return db.selectFrom('review_items').select(['post_id']).where('id', '=', itemId).executeTakeFirst();
}

export function lockPost(trx: Trx, postId: number) {
  return trx.selectFrom('posts').select(['id', 'topic_id', 'user_id', 'post_number', 'hidden_at', 'deleted_at']).where('id', '=', postId).forUpdate().executeTakeFirstOrThrow();
}

export function lockItem(trx: Trx, itemId: number) {
  return trx.selectFrom('review_items').selectAll().where('id', '=', itemId).forUpdate().executeTakeFirstOrThrow();
}

export function listOpenFlags(trx: Trx, itemId: number) {
  return trx.selectFrom('flags').select(['id', 'user_id', 'reason', 'weight']).where('review_item_id', '=', itemId).where('status', '=', 'open').execute();
}
