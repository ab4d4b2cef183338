import { sql } from 'kysely';
import type { Database } from '../../db/index.js';

/** Users whose cached reputation differs from the sum of their ledger (for `npm run check` and tests). */
export async function reputationDrift(db: Database): Promise<{ id: number; reputation: number; ledger: number }[]> {
  const { rows } = await sql<{ id: number; reputation: number; ledger: number }>`
    select u.id, u.reputation, coalesce(l.total, 0)::int as ledger
    from users u
    left join (select user_id, sum(delta) as total from reputation_events group by user_id) l on l.user_id = u.id
    where u.reputation <> coalesce(l.total, 0)
    order by u.id`.execute(db);
  return rows;
}

/** A user's events, newest first (the history behind a reputation number). */
export function listReputationEvents(db: Database, userId: number, limit = 50) {
  return db
    .selectFrom('reputation_events')
    .select(['id', 'delta', 'reason', 'source', 'post_id', 'actor_id', 'created_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
