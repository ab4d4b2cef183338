import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Cursor } from '../../lib/cursor.js';
import { readAccessFor, type Viewer } from '../../policy/index.js';
import { TOPICS_PER_PAGE, topicRows } from '../topics/topics.list.js';
import { COUNT_CAP, hasUnread, isNewTopic } from './unread.rows.js';

export type UnreadList = 'new' | 'unread';

/** The condition that puts a topic on a list, over the `topics` row. */
function onList(viewer: Viewer, list: UnreadList) {
  return list === 'new' ? isNewTopic(viewer) : hasUnread(viewer.id);
}

/**
 * A page of the viewer's new (never opened, recent) or unread (posts after the read mark) topics, by latest
 * activity, paged by key. Only topics the viewer may read (the shared topic-row query), muted ones left out.
 */
export function listReadStateTopics(db: Database, viewer: Viewer, list: UnreadList, before: Cursor | null, limit = TOPICS_PER_PAGE) {
  let q = topicRows(db, viewer).where(onList(viewer, list));
  if (before) q = q.where(sql<boolean>`(topics.last_posted_at, topics.id) < (${before.at}, ${before.id})`);
  return q.orderBy('topics.last_posted_at', 'desc').orderBy('topics.id', 'desc').limit(limit).execute();
}

/** How many topics are on each list, counted up to COUNT_CAP + 1 (shown as "99+"). One query for both. */
export async function countReadStateTopics(db: Database, viewer: Viewer): Promise<Record<UnreadList, number>> {
  const capped = (list: UnreadList) => sql<number>`(select count(*)::int from (
      select 1 from topics join categories on categories.id = topics.category_id
      where topics.deleted_at is null and categories.read_access in (${sql.join(readAccessFor(viewer))}) and ${onList(viewer, list)}
      limit ${COUNT_CAP + 1}) x)`;
  const { rows } = await sql<Record<UnreadList, number>>`select ${capped('new')} as "new", ${capped('unread')} as "unread"`.execute(db);
  return { new: Number(rows[0]!.new), unread: Number(rows[0]!.unread) };
}

/** The number of a post of a topic the viewer may read, or undefined (the read beacon's check). */
export async function findReadablePostNumber(db: Database, viewer: Viewer, topicId: number, postId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('posts')
    .innerJoin('topics', 'topics.id', 'posts.topic_id')
    .innerJoin('categories', 'categories.id', 'topics.category_id')
    .select('posts.post_number')
    .where('posts.id', '=', postId)
    .where('posts.topic_id', '=', topicId)
    .where('topics.deleted_at', 'is', null)
    .where('categories.read_access', 'in', readAccessFor(viewer))
    .executeTakeFirst();
  return row?.post_number;
}
