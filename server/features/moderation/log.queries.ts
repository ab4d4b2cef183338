import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Cursor } from '../../lib/cursor.js';
import { usernameKey } from '../../lib/identity.js';

export const LOG_PAGE = 50;

export interface LogFilter {
  actorId?: number;
  action?: string;
  targetUserId?: number;
  /** Inclusive lower bound. */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
}

/** A user's id by username (as typed: case and width folded), or undefined. */
export async function findUserIdByUsername(db: Database, username: string): Promise<number | undefined> {
  const row = await db.selectFrom('users').select('id').where('username_key', '=', usernameKey(username.trim())).executeTakeFirst();
  return row?.id;
}

/**
 * One page of the audit log, newest first, by key (created_at, id) — served by moderation_actions_created, or by the
 * actor/action/target indexes when that filter is set. Returns up to LOG_PAGE + 1 rows (the extra one says "more").
 */
export function listLogEntries(db: Database, filter: LogFilter, before: Cursor | null) {
  let q = db
    .selectFrom('moderation_actions as a')
    .leftJoin('users as actor', 'actor.id', 'a.actor_id')
    .leftJoin('users as target', 'target.id', 'a.target_user_id')
    .leftJoin('topics as topic', 'topic.id', 'a.topic_id')
    .leftJoin('posts as post', 'post.id', 'a.post_id')
    .select([
      'a.id', 'a.action', 'a.reason', 'a.details', 'a.created_at', 'a.actor_id', 'a.target_user_id', 'a.topic_id', 'a.post_id',
      'actor.username as actor_username', 'target.username as target_username',
      'topic.title as topic_title', 'topic.slug as topic_slug', 'post.post_number', 'post.topic_id as post_topic_id',
    ]);
  if (filter.actorId) q = q.where('a.actor_id', '=', filter.actorId);
  if (filter.action) q = q.where('a.action', '=', filter.action);
  if (filter.targetUserId) q = q.where('a.target_user_id', '=', filter.targetUserId);
  if (filter.from) q = q.where('a.created_at', '>=', filter.from);
  if (filter.to) q = q.where('a.created_at', '<', filter.to);
  if (before) q = q.where(sql<boolean>`(a.created_at, a.id) < (${before.at}, ${before.id})`);
  return q.orderBy('a.created_at', 'desc').orderBy('a.id', 'desc').limit(LOG_PAGE + 1).execute();
}

export type LogEntry = Awaited<ReturnType<typeof listLogEntries>>[number];
