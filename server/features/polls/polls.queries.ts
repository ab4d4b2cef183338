import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import './polls.types.js';

export interface PollOptionRow {
  id: number;
  position: number;
  label: string;
  vote_count: number;
}

/**
 * A topic's poll with its options (in order) and the viewer's ballot (option ids), in one query: the topic page's
 * loader may make only one.
 */
export async function findPollForTopic(db: Database, topicId: number, viewerId: number | null) {
  const row = await db
    .selectFrom('polls')
    .selectAll('polls')
    .select([
      sql<PollOptionRow[]>`(select coalesce(json_agg(json_build_object('id', o.id, 'position', o.position, 'label', o.label, 'vote_count', o.vote_count) order by o.position), '[]'::json)
        from poll_options o where o.poll_id = polls.id)`.as('options'),
      sql<number[]>`coalesce((select array_agg(v.option_id order by v.option_id) from poll_votes v where v.poll_id = polls.id and v.user_id = ${viewerId ?? 0}), '{}')`.as('mine'),
    ])
    .where('polls.topic_id', '=', topicId)
    .executeTakeFirst();
  return row && { ...row, mine: (row.mine ?? []).map(Number) };
}

export type PollRow = NonNullable<Awaited<ReturnType<typeof findPollForTopic>>>;

/** The poll row, locked for this transaction: every ballot change of one poll queues behind it. */
export function lockPollForVote(trx: Database, pollId: number) {
  return trx.selectFrom('polls').selectAll().where('id', '=', pollId).forUpdate().executeTakeFirst();
}

/** The poll of a topic, locked (closing, creating: one at a time). */
export function lockTopicForPoll(trx: Database, topicId: number) {
  return trx.selectFrom('topics').select(['id', 'user_id', 'deleted_at', 'closed_at', 'locked_at']).where('id', '=', topicId).forUpdate().executeTakeFirst();
}

/** The option ids a user chose in a poll (their ballot; empty if none). */
export async function listBallot(trx: Database, pollId: number, userId: number): Promise<number[]> {
  const rows = await trx.selectFrom('poll_votes').select('option_id').where('poll_id', '=', pollId).where('user_id', '=', userId).execute();
  return rows.map((r) => r.option_id);
}

/** Fresh counts from the ballots next to the ones kept in the rows, for the consistency check and tests. */
export async function countPollDrift(db: Database, pollId: number) {
  const options = await sql<{ id: number; kept: number; fresh: number }>`
    select o.id, o.vote_count as kept, (select count(*)::int from poll_votes v where v.option_id = o.id) as fresh
    from poll_options o where o.poll_id = ${pollId} order by o.position`.execute(db);
  const poll = await sql<{ kept: number; fresh: number }>`
    select p.voter_count as kept, (select count(distinct v.user_id)::int from poll_votes v where v.poll_id = p.id) as fresh
    from polls p where p.id = ${pollId}`.execute(db);
  return { options: options.rows, voters: poll.rows[0] };
}
