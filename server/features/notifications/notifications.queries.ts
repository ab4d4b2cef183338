import { sql } from 'kysely';
import type { Database } from '../../db/index.js';

export const NOTIFICATIONS_PER_PAGE = 30;

/** A page of the user's notifications, newest first, keyed by id, with the actor's and topic's names. */
export function listNotifications(db: Database, userId: number, beforeId: number | null, limit = NOTIFICATIONS_PER_PAGE) {
  let q = db
    .selectFrom('notifications')
    .leftJoin('users as actor', 'actor.id', 'notifications.actor_id')
    .leftJoin('topics', 'topics.id', 'notifications.topic_id')
    // Badge notifications name their badge by id; its name is rendered in the reader's language.
    .leftJoin('badges', (j) => j.on(sql<boolean>`badges.id = (notifications.data->>'badge_id')::int`))
    .select([
      'badges.key as badge_key', 'badges.name_en as badge_name_en', 'badges.name_ru as badge_name_ru',
      'notifications.id', 'notifications.kind', 'notifications.data', 'notifications.read_at', 'notifications.created_at',
      'notifications.topic_id', 'notifications.post_id', 'actor.username as actor_username', 'actor.display_name as actor_display_name',
      'topics.title as topic_title',
    ])
    .where('notifications.user_id', '=', userId);
  if (beforeId) q = q.where('notifications.id', '<', beforeId);
  return q.orderBy('notifications.id', 'desc').limit(limit).execute();
}

export type NotificationRow = Awaited<ReturnType<typeof listNotifications>>[number];
