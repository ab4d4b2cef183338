import { type RawBuilder, sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { usernameKey } from '../../lib/identity.js';
import { isStaff, readAccessFor, type Viewer } from '../../policy/index.js';
import type { WatchLevel } from './watching.types.js';
import './watching.types.js';

export const BOOKMARKS_PER_PAGE = 30;

/** What the topic page shows this viewer about a topic: levels, bookmarks on the page, read mark. One query. */
export interface TopicWatchState {
  /** The level chosen for the topic (or set automatically); null when there is no row. */
  topicLevel: WatchLevel | null;
  categoryLevel: WatchLevel | null;
  /** The level in force: the topic's own, else the category's, else normal. */
  level: WatchLevel;
  /** Ids of the viewer's bookmarked posts among post numbers from..to. */
  bookmarks: number[];
  /** Highest post number read (topic_reads), null before the first visit was recorded. */
  lastRead: number | null;
  /** The first post after the read mark (for "jump to first unread"), when there is one. */
  firstUnread: { id: number; post_number: number } | null;
}

/**
 * The viewer's watch state of a topic as one JSON value, given SQL for the topic's id and category: literals for a
 * query of its own, or columns of `topics` when the topic page selects it with the topic (topic-extras fields).
 */
export function watchStateJson(userId: number, topicId: RawBuilder<unknown>, categoryId: RawBuilder<unknown>, from: number, to: number): RawBuilder<unknown> {
  return sql`(select json_build_object(
      'topic_level', (select level from topic_watches where user_id = ${userId} and topic_id = ${topicId}),
      'category_level', (select level from category_watches where user_id = ${userId} and category_id = ${categoryId}),
      'bookmarks', coalesce((select array_agg(b.post_id order by b.post_id) from bookmarks b join posts bp on bp.id = b.post_id
                             where b.user_id = ${userId} and bp.topic_id = ${topicId} and bp.post_number between ${from} and ${to}), '{}'),
      'last_read', r.n, 'unread_id', up.id, 'unread_number', up.post_number)
    from (select (select last_read_post_number from topic_reads where user_id = ${userId} and topic_id = ${topicId}) as n) r
    left join posts up on up.topic_id = ${topicId} and up.post_number = r.n + 1)`;
}

interface RawWatchState {
  topic_level: WatchLevel | null;
  category_level: WatchLevel | null;
  bookmarks: number[];
  last_read: number | null;
  unread_id: number | null;
  unread_number: number | null;
}

/** The JSON value of watchStateJson, as the page uses it. */
export function parseWatchState(raw: unknown): TopicWatchState {
  const row = (typeof raw === 'string' ? JSON.parse(raw) : raw) as RawWatchState;
  return {
    topicLevel: row.topic_level,
    categoryLevel: row.category_level,
    level: row.topic_level ?? row.category_level ?? 'normal',
    bookmarks: (row.bookmarks ?? []).map(Number),
    lastRead: row.last_read,
    firstUnread: row.unread_id ? { id: row.unread_id, post_number: row.unread_number! } : null,
  };
}

export async function findTopicWatchState(db: Database, userId: number, topic: { id: number; category_id: number }, from: number, to: number): Promise<TopicWatchState> {
  const { rows } = await sql<{ state: unknown }>`select ${watchStateJson(userId, sql`${topic.id}::int`, sql`${topic.category_id}::int`, from, to)} as state`.execute(db);
  return parseWatchState(rows[0]!.state);
}

/** The viewer's level for a category, if one was chosen. */
export async function findCategoryLevel(db: Database, userId: number, categoryId: number): Promise<WatchLevel | null> {
  const row = await db.selectFrom('category_watches').select('level').where('user_id', '=', userId).where('category_id', '=', categoryId).executeTakeFirst();
  return row?.level ?? null;
}

/** Whether userId muted mutedId. */
export async function isMuted(db: Database, userId: number, mutedId: number): Promise<boolean> {
  const row = await db.selectFrom('user_mutes').select('user_id').where('user_id', '=', userId).where('muted_user_id', '=', mutedId).executeTakeFirst();
  return !!row;
}

export async function isBookmarked(db: Database, userId: number, postId: number): Promise<boolean> {
  const row = await db.selectFrom('bookmarks').select('id').where('user_id', '=', userId).where('post_id', '=', postId).executeTakeFirst();
  return !!row;
}

/**
 * A page of the viewer's bookmarks, newest first, keyed by bookmark id. Only what the viewer may still read: a
 * topic moved into a category they cannot read, or a deleted topic or post, drops out (the row stays, so it comes
 * back if the post does); a hidden post shows to its author and staff only.
 */
export function listBookmarks(db: Database, viewer: Viewer, beforeId: number | null, limit = BOOKMARKS_PER_PAGE) {
  let q = db
    .selectFrom('bookmarks')
    .innerJoin('posts', 'posts.id', 'bookmarks.post_id')
    .innerJoin('topics', 'topics.id', 'posts.topic_id')
    .innerJoin('categories', 'categories.id', 'topics.category_id')
    .innerJoin('users', 'users.id', 'posts.user_id')
    .select([
      'bookmarks.id', 'bookmarks.created_at as bookmarked_at', 'posts.id as post_id', 'posts.post_number', 'posts.body_html', 'posts.created_at',
      'topics.id as topic_id', 'topics.title', 'topics.slug', 'categories.name as category_name', 'categories.slug as category_slug', 'categories.color as category_color',
      'users.username', 'users.display_name',
    ])
    .where('bookmarks.user_id', '=', viewer.id)
    .where('categories.read_access', 'in', readAccessFor(viewer))
    .where('posts.deleted_at', 'is', null)
    .where('topics.deleted_at', 'is', null);
  if (!isStaff(viewer)) q = q.where((eb) => eb.or([eb('posts.hidden_at', 'is', null), eb('posts.user_id', '=', viewer.id)]));
  if (beforeId) q = q.where('bookmarks.id', '<', beforeId);
  return q.orderBy('bookmarks.id', 'desc').limit(limit).execute();
}

export type BookmarkRow = Awaited<ReturnType<typeof listBookmarks>>[number];

/** A member by username with what the mute control needs. */
export function findMuteTarget(db: Database, username: string) {
  return db.selectFrom('users').select(['id', 'username', 'display_name', 'role']).where('username_key', '=', usernameKey(username)).executeTakeFirst();
}
