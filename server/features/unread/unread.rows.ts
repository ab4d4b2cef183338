import { sql } from 'kysely';
import type { Viewer } from '../../policy/index.js';

/**
 * A member's read state as SQL fragments over the `topics` row of a list query. Kept free of imports from the topic
 * lists, which use it, so both can import each other's modules without a cycle.
 */

/** How far back a never-opened topic still counts as new (Discourse's default "new" window is similar). */
export const NEW_TOPIC_DAYS = 14;
/** Counts stop here and show as "99+": counting further costs time and tells the reader nothing more. */
export const COUNT_CAP = 99;

/** Topics created after this are "new" to the viewer if never opened: the last 14 days, or since sign-up if later. */
export function newHorizon(viewer: Viewer, now = new Date()): Date {
  const window = new Date(now.getTime() - NEW_TOPIC_DAYS * 86_400_000);
  return viewer.created_at > window ? viewer.created_at : window;
}

/** The level in force for the viewer (topic's own, else the category's) is not "muted". Two primary-key probes. */
export function notMuted(userId: number) {
  return sql<boolean>`coalesce(
    (select tw.level from topic_watches tw where tw.user_id = ${userId} and tw.topic_id = topics.id),
    (select cw.level from category_watches cw where cw.user_id = ${userId} and cw.category_id = topics.category_id),
    'normal') <> 'muted'`;
}

/**
 * Never opened (no read mark), recent, not the viewer's own, not muted. As a list condition, `not exists` lets the
 * planner anti-join against the viewer's marks; as a row column it is a per-row probe instead, because a hashed
 * `not exists` there would read every mark the viewer has ever made, on every list page.
 */
export function isNewTopic(viewer: Viewer, as: 'condition' | 'column' = 'condition') {
  const unopened = as === 'condition'
    ? sql`not exists (select 1 from topic_reads r where r.user_id = ${viewer.id} and r.topic_id = topics.id)`
    : sql`(select 1 from topic_reads r where r.user_id = ${viewer.id} and r.topic_id = topics.id) is null`;
  return sql<boolean>`(topics.created_at > ${newHorizon(viewer)} and topics.user_id <> ${viewer.id} and ${unopened} and ${notMuted(viewer.id)})`;
}

/**
 * The posts that count as unread: after the read mark, live (not deleted or hidden) and by someone else — a member's
 * own reply added in place (htmx) is not news to them.
 */
function unreadPosts(userId: number) {
  return sql`select 1 from topic_reads r
    join posts p on p.topic_id = r.topic_id and p.post_number > r.last_read_post_number
    where r.user_id = ${userId} and r.topic_id = topics.id and r.last_read_post_number < topics.last_post_number
      and p.deleted_at is null and p.hidden_at is null and p.user_id <> ${userId}`;
}

/** Opened before, with unread posts after the mark, not muted. */
export function hasUnread(userId: number) {
  return sql<boolean>`(exists (${unreadPosts(userId)}) and ${notMuted(userId)})`;
}

/**
 * The read-state columns every topic row carries. For a guest they are constants (no join, no subquery: anonymous
 * lists cost what they cost before); for a member, a few index probes per row inside the list's own query
 * (topic_reads by primary key, posts by (topic_id, post_number)) — no query per row.
 */
export function readStateColumns(viewer: Viewer | null) {
  if (!viewer) {
    return [
      sql<number | null>`null::int`.as('read_mark'),
      sql<number>`0`.as('unread_count'),
      sql<number | null>`null::int`.as('first_unread_post_id'),
      sql<boolean>`false`.as('is_new'),
    ];
  }
  const v = viewer.id;
  return [
    sql<number | null>`(select r.last_read_post_number from topic_reads r where r.user_id = ${v} and r.topic_id = topics.id)`.as('read_mark'),
    // Muted topics get no count, as they are left off the unread list.
    sql<number>`(select count(*)::int from (${unreadPosts(v)} and ${notMuted(v)} limit ${COUNT_CAP + 1}) u)`.as('unread_count'),
    // The post right after the mark, like the topic page's "jump to first unread".
    sql<number | null>`(select p.id from topic_reads r join posts p on p.topic_id = r.topic_id and p.post_number = r.last_read_post_number + 1
      where r.user_id = ${v} and r.topic_id = topics.id)`.as('first_unread_post_id'),
    sql<boolean>`${isNewTopic(viewer, 'column')}`.as('is_new'),
  ];
}
