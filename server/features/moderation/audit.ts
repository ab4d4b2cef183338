import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.js';

/**
 * The audit log. Every moderator and staff action writes one entry with `recordAction`, passing the SAME
 * transaction as the action itself, so an action and its record commit (or roll back) together.
 * The table is append-only: a trigger refuses UPDATE, DELETE and TRUNCATE.
 */

/** Every action the log knows; `/mod/log` filters by these and the catalogue names each (`audit.action.<name>`). */
export const AUDIT_ACTIONS = [
  'flag_agree', 'flag_disagree', 'flag_defer', 'post_auto_hide', 'post_hide', 'post_unhide', 'post_delete', 'post_restore', 'post_edit',
  'post_approve', 'post_reject', 'user_silence', 'user_suspend', 'sanction_lift', 'topic_lock', 'topic_unlock', 'topic_close', 'topic_reopen',
  'topic_move', 'topic_merge', 'topic_split', 'topic_pin', 'topic_unpin', 'topic_slow_mode', 'role_change', 'trust_level_change', 'settings_change',
  'category_create', 'category_update', 'category_delete',
  'poll_close', 'poll_edit',
  'idea_status', 'idea_merge',
  'contest_create', 'contest_edit', 'contest_finish',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  /** Who acted; null for the system (automatic hiding, expiry). */
  actorId: number | null;
  action: AuditAction;
  targetUserId?: number | null;
  topicId?: number | null;
  postId?: number | null;
  reason?: string;
  /** Before/after and anything else worth keeping, as JSON (e.g. { from: 3, to: 7 }). */
  details?: Record<string, unknown>;
}

/** Writes one audit entry inside the caller's transaction (or on the connection, for an action that is one statement). */
export async function recordAction(trx: Kysely<DB>, entry: AuditEntry): Promise<void> {
  await trx
    .insertInto('moderation_actions')
    .values({
      actor_id: entry.actorId,
      action: entry.action,
      target_user_id: entry.targetUserId ?? null,
      topic_id: entry.topicId ?? null,
      post_id: entry.postId ?? null,
      reason: (entry.reason ?? '').slice(0, 500),
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}
