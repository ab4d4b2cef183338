import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { readAccessFor, type Viewer } from '../../policy/index.js';

/**
 * The leaderboard, read from the ledger and its indexes (0007_leaderboard):
 *  - a week or a month: the net gain per user over the period — its whole UTC days from the kept daily summary
 *    (reputation_days, 0029_reputation_days), plus the part of its first day from the ledger itself (a range
 *    scan of (created_at, user_id) include (delta), answered from the index). So a reaction given and withdrawn
 *    inside the period counts 0, and one given before it and withdrawn inside it counts −1;
 *  - all time: users.reputation (kept equal to the ledger sum) read in index order, stopping after the top;
 *  - top answerers: the answers accepted now (topics.solved_post_id), see acceptedAnswerFilter.
 * Every list leaves out members who are suspended right now (they come back when the suspension ends), lists
 * only positive totals, and breaks ties by the older account (lower id), so the order is stable.
 */

export const PERIODS = ['week', 'month', 'all'] as const;
export type Period = (typeof PERIODS)[number];
export const LEADERBOARD_SIZE = 50;

const PERIOD_DAYS: Record<Exclude<Period, 'all'>, number> = { week: 7, month: 30 };

/** One row of a list: only public profile data (never e-mail, trust internals or suspension reasons). */
export interface LeaderRow {
  rank: number;
  username: string;
  display_name: string | null;
  points: number;
}

/** Where a period starts (a rolling window ending now), or null for all time. */
export function periodStart(period: Period, now = Date.now()): Date | null {
  return period === 'all' ? null : new Date(now - PERIOD_DAYS[period] * 86_400_000);
}

/** Competition ranking ("1, 2, 2, 4"): equal points share a rank. Rows come sorted by points, descending. */
function ranked(rows: { username: string; display_name: string | null; points: number }[]): LeaderRow[] {
  let rank = 0;
  return rows.map((r, i) => {
    if (i === 0 || r.points !== rows[i - 1]!.points) rank = i + 1;
    return { rank, username: r.username, display_name: r.display_name, points: r.points };
  });
}

const notSuspended = sql`(u.suspended_until is null or u.suspended_until <= now())`;

/** Top members by reputation gained in the period (net of the period's events), or by reputation for all time. */
export async function topByReputation(db: Database, period: Period, limit = LEADERBOARD_SIZE): Promise<LeaderRow[]> {
  const since = periodStart(period);
  if (!since) {
    const { rows } = await sql<{ username: string; display_name: string | null; points: number }>`
      select u.username, u.display_name, u.reputation as points
      from users u
      where u.reputation > 0 and ${notSuspended}
      order by u.reputation desc, u.id
      limit ${limit}`.execute(db);
    return ranked(rows);
  }
  // The period starts inside its first UTC day: the days after it come whole from the summary, that day's part
  // from the ledger (every event from the start to the next midnight).
  const firstDay = since.toISOString().slice(0, 10);
  const nextMidnight = new Date(`${firstDay}T00:00:00.000Z`).getTime() + 86_400_000;
  const { rows } = await sql<{ username: string; display_name: string | null; points: number }>`
    select u.username, u.display_name, g.points
    from (select user_id, sum(delta)::int as points
          from (select d.user_id, d.delta from reputation_days d where d.day > ${firstDay}::date
                union all
                select e.user_id, e.delta from reputation_events e
                 where e.created_at >= ${since} and e.created_at < ${new Date(nextMidnight)}) gained
          group by user_id having sum(delta) > 0
          order by points desc, user_id) g
    -- Ordered first, then each user looked up until the list is full: 50 lookups, not one per active member.
    cross join lateral (select u.username, u.display_name from users u where u.id = g.user_id and ${notSuspended}) u
    order by g.points desc, g.user_id
    limit ${limit}`.execute(db);
  return ranked(rows);
}

/**
 * Which accepted answers count (the leaderboard and the profile agree): the topic's current accepted answer
 * (so an unaccepted or changed answer stops counting at once, whatever the reputation weights are), on a live
 * topic, the post neither deleted nor hidden, not the asker answering their own question (that earns nothing in
 * the ledger either), in a category the viewer may read (a private category's answers are not disclosed).
 */
function acceptedAnswerFilter(viewer: Viewer | null) {
  return sql`t.solved_post_id is not null and t.deleted_at is null
    and p.deleted_at is null and p.hidden_at is null and p.user_id <> t.user_id
    and c.read_access = any(${readAccessFor(viewer)}::text[])`;
}

/** Top answerers: accepted answers per author, accepted within the period (by the time of the current acceptance). */
export async function topAnswerers(db: Database, viewer: Viewer | null, period: Period, limit = LEADERBOARD_SIZE): Promise<LeaderRow[]> {
  const since = periodStart(period);
  const { rows } = await sql<{ username: string; display_name: string | null; points: number }>`
    select u.username, u.display_name, a.points
    from (select p.user_id, count(*)::int as points
          from topics t
          join posts p on p.id = t.solved_post_id
          join categories c on c.id = t.category_id
          where ${acceptedAnswerFilter(viewer)} ${since ? sql`and t.solved_at >= ${since}` : sql``}
          group by p.user_id) a
    join users u on u.id = a.user_id
    where ${notSuspended}
    order by a.points desc, u.id
    limit ${limit}`.execute(db);
  return ranked(rows);
}

/** How many accepted answers a user has written that this viewer may see (the profile's count). */
export async function countAcceptedAnswers(db: Database, viewer: Viewer | null, userId: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n
    from posts p
    join topics t on t.solved_post_id = p.id
    join categories c on c.id = t.category_id
    where p.user_id = ${userId} and ${acceptedAnswerFilter(viewer)}`.execute(db);
  return rows[0]?.n ?? 0;
}
