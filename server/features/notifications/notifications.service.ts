import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Trx } from '../reputation/ledger.js';

/**
 * Notifications: what a member is told about. Callers create them with `notify` INSIDE the transaction of the
 * thing that happened, so a rolled-back action tells nobody. The unread count lives in users.unread_notifications
 * (the header's bell reads it with the session, no extra query) and moves in the same transaction.
 */

/** Every kind the notifications page can render (`notifications.kind.<kind>` in the catalogues). */
export const NOTIFICATION_KINDS = [
  'post_hidden', 'post_restored', 'post_deleted', 'flag_agreed', 'flag_disagreed', 'post_approved', 'post_rejected',
  'silenced', 'answer_accepted', 'badge_granted', 'topic_moved', 'topic_closed', 'topic_locked',
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
  await trx.updateTable('users').set({ unread_notifications: sql`unread_notifications + 1` }).where('id', '=', n.userId).execute();
  return true;
}

/** Marks one of the user's notifications read; the count moves only if it was unread. Returns the notification. */
export async function markRead(db: Database, userId: number, id: number) {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('notifications').select(['id', 'kind', 'topic_id', 'post_id', 'read_at']).where('id', '=', id).where('user_id', '=', userId).forUpdate().executeTakeFirst();
    if (!row) return undefined;
    if (!row.read_at) {
      await trx.updateTable('notifications').set({ read_at: sql`now()` }).where('id', '=', id).execute();
      await trx.updateTable('users').set({ unread_notifications: sql`greatest(unread_notifications - 1, 0)` }).where('id', '=', userId).execute();
    }
    return row;
  });
}

/** Marks every notification of the user read; the count becomes exactly what is left unread (none). */
export async function markAllRead(db: Database, userId: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    // Lock the user row first, so a notification written meanwhile is counted after this, never lost.
    await trx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().executeTakeFirst();
    const res = await trx.updateTable('notifications').set({ read_at: sql`now()` }).where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirst();
    await trx.updateTable('users').set({ unread_notifications: 0 }).where('id', '=', userId).execute();
    return Number(res.numUpdatedRows);
  });
}
