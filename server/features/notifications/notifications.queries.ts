import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { readAccessFor, type Viewer } from '../../policy/index.js';

export const NOTIFICATIONS_PER_PAGE = 30;

/**
 * A page of the viewer's notifications, newest first, keyed by id, with the actor's and topic's names. A topic's
 * title shows only while the viewer may read its category (a topic moved into a staff-only category since the
 * notification was made does not leak through it; opening it answers "not found" like any unreadable post).
 */
export function listNotifications(db: Database, viewer: Viewer, beforeId: number | null, limit = NOTIFICATIONS_PER_PAGE) {
  const userId = viewer.id;
  let q = db
    .selectFrom('notifications')
    .leftJoin('users as actor', 'actor.id', 'notifications.actor_id')
    .leftJoin('topics', 'topics.id', 'notifications.topic_id')
    .leftJoin('categories', 'categories.id', 'topics.category_id')
    // Badge notifications name their badge by id; its name is rendered in the reader's language.
    .leftJoin('badges', (j) => j.on(sql<boolean>`badges.id = (notifications.data->>'badge_id')::int`))
    .select([
      'badges.key as badge_key', 'badges.name_en as badge_name_en', 'badges.name_ru as badge_name_ru',
      'notifications.id', 'notifications.kind', 'notifications.data', 'notifications.read_at', 'notifications.created_at',
      'notifications.topic_id', 'notifications.post_id', 'actor.username as actor_username', 'actor.display_name as actor_display_name',
      sql<string | null>`case when categories.read_access in (${sql.join(readAccessFor(viewer))}) and topics.deleted_at is null then topics.title end`.as('topic_title'),
    ])
    .where('notifications.user_id', '=', userId);
  if (beforeId) q = q.where('notifications.id', '<', beforeId);
  return q.orderBy('notifications.id', 'desc').limit(limit).execute();
}

export type NotificationRow = Awaited<ReturnType<typeof listNotifications>>[number];
