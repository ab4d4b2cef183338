import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Trx } from '../reputation/ledger.js';

/**
 * Notifications: what a member is told about. Callers create them with `notify` INSIDE the transaction of the
 * thing that happened, so a rolled-back action tells nobody. The bell's unread count is not a counter in the users
 * row: notifications are written inside many other transactions (reactions, moderation, badges), and a hot users
 * row updated from all of them deadlocked under load. The session query counts unread rows instead, capped at 100,
 * through a partial index (see web/session.ts): always exact, no extra round trip.
 */

/** Every kind the notifications page can render (`notifications.kind.<kind>` in the catalogues). */
export const NOTIFICATION_KINDS = [
  'post_hidden', 'post_restored', 'post_deleted', 'flag_agreed', 'flag_disagreed', 'post_approved', 'post_rejected',
  'silenced', 'answer_accepted', 'badge_granted', 'topic_moved', 'topic_closed', 'topic_locked',
  // Issue 5 and 6 features (their messages live in their own catalogues).
  'idea_status', 'poll_closed', 'reply', 'mention', 'quote', 'watched_post', 'watched_topic', 'reaction', 'contest_won',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface NewNotification {
  userId: number;
  kind: NotificationKind;
  actorId?: number | null;
  topicId?: number | null;
  postId?: number | null;
  /** What the message needs, e.g. { reason } or { badge }; rendered in the reader's language. */
  data?: Record<string, string | number | null>;
}

/** Tells one member; nobody is told about their own action. Returns whether a notification was written. */
export async function notify(trx: Trx, n: NewNotification): Promise<boolean> {
  if (n.actorId && n.actorId === n.userId) return false;
  await trx
    .insertInto('notifications')
    .values({ user_id: n.userId, kind: n.kind, actor_id: n.actorId ?? null, topic_id: n.topicId ?? null, post_id: n.postId ?? null, data: JSON.stringify(n.data ?? {}) })
    .execute();
  // Live fan-out to every app instance (live/hub.ts); PostgreSQL delivers it only if this transaction commits.
  await sql`select pg_notify('veche_events', ${JSON.stringify({ user: n.userId, kind: 'notification' })})`.execute(trx);
  return true;
}

/** Marks one of the user's notifications read (keeping the first read time). Returns the notification. */
export async function markRead(db: Database, userId: number, id: number) {
  return db
    .updateTable('notifications')
    .set({ read_at: sql`coalesce(read_at, now())` })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returning(['id', 'kind', 'topic_id', 'post_id'])
    .executeTakeFirst();
}

/** Marks every unread notification of the user read; returns how many. */
export async function markAllRead(db: Database, userId: number): Promise<number> {
  const res = await db.updateTable('notifications').set({ read_at: sql`now()` }).where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirst();
  return Number(res.numUpdatedRows);
}
