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

/** Days and users whose kept daily sum (reputation_days) differs from the ledger's events of that UTC day. */
export async function reputationDaysDrift(db: Database): Promise<{ day: string; user_id: number; kept: number; ledger: number }[]> {
  const { rows } = await sql<{ day: string; user_id: number; kept: number; ledger: number }>`
    select coalesce(d.day, l.day)::text as day, coalesce(d.user_id, l.user_id) as user_id,
           coalesce(d.delta, 0)::int as kept, coalesce(l.total, 0)::int as ledger
    from reputation_days d
    full join (select (created_at at time zone 'UTC')::date as day, user_id, sum(delta) as total
                 from reputation_events group by 1, 2) l on l.day = d.day and l.user_id = d.user_id
    where coalesce(d.delta, 0) <> coalesce(l.total, 0)
    order by 1, 2`.execute(db);
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
