import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../../db/index.js';
import type { DB, QueuedPostsTable } from '../../db/types.js';

export type QueuedPost = Selectable<QueuedPostsTable>;

export async function insertQueuedPost(db: Kysely<DB>, row: Insertable<QueuedPostsTable>): Promise<QueuedPost> {
  return db.insertInto('queued_posts').values(row).returningAll().executeTakeFirstOrThrow();
}

export const QUEUE_PAGE = 50;

/** The approval queue (oldest first) with author, topic and category, without the viewer's own posts. */
export function listPendingForModerator(db: Database, viewerId: number) {
  return db
    .selectFrom('queued_posts as q')
    .innerJoin('users as u', 'u.id', 'q.user_id')
    .leftJoin('topics as t', 't.id', 'q.topic_id')
    .leftJoin('categories as c', (j) => j.on((eb) => eb('c.id', '=', eb.fn.coalesce('q.category_id', 't.category_id'))))
    .select([
      'q.id', 'q.user_id', 'q.topic_id', 'q.category_id', 'q.title', 'q.body_md', 'q.held_reason', 'q.created_at',
      'u.username', 'u.trust_level', 'u.created_at as user_created_at', 'u.post_count',
      't.title as topic_title', 't.slug as topic_slug', 't.locked_at as topic_locked_at', 't.closed_at as topic_closed_at', 't.deleted_at as topic_deleted_at',
      'c.name as category_name',
    ])
    .where('q.status', '=', 'pending')
    .where('q.user_id', '<>', viewerId)
    .orderBy('q.created_at')
    .orderBy('q.id')
    .limit(QUEUE_PAGE)
    .execute();
}

export type PendingItem = Awaited<ReturnType<typeof listPendingForModerator>>[number];

export async function countPending(db: Database, viewerId: number): Promise<number> {
  const row = await db.selectFrom('queued_posts').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'pending').where('user_id', '<>', viewerId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A member's own held, approved and rejected posts, newest first, with where they went. */
export function listForAuthor(db: Database, userId: number, limit = 100) {
  return db
    .selectFrom('queued_posts as q')
    .leftJoin('topics as t', 't.id', 'q.topic_id')
    .leftJoin('posts as p', 'p.id', 'q.post_id')
    .leftJoin('topics as pt', 'pt.id', 'p.topic_id')
    .leftJoin('categories as c', (j) => j.on((eb) => eb('c.id', '=', eb.fn.coalesce('q.category_id', 't.category_id'))))
    .select([
      'q.id', 'q.topic_id', 'q.title', 'q.body_md', 'q.status', 'q.created_at', 'q.handled_at', 'q.rejected_reason', 'q.post_id',
      't.title as topic_title', 't.slug as topic_slug', 'c.name as category_name',
      'pt.id as post_topic_id', 'pt.slug as post_topic_slug', 'p.post_number',
    ])
    .where('q.user_id', '=', userId)
    .orderBy('q.created_at', 'desc')
    .orderBy('q.id', 'desc')
    .limit(limit)
    .execute();
}

export type AuthorItem = Awaited<ReturnType<typeof listForAuthor>>[number];
