import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Trx } from '../reputation/ledger.js';
import './contests.types.js';
import type { VotingMode } from './contests.types.js';

/**
 * An entry: a live reply to the contest topic, posted before the deadline, by anyone but the organiser (the
 * topic's author, whose replies are announcements). `p` is the post, `c` the contest, `t` the topic.
 */
const ENTRY = sql`p.topic_id = c.topic_id and p.post_number > 1 and p.created_at < c.entry_deadline
  and p.deleted_at is null and p.hidden_at is null and p.user_id <> t.user_id`;

/** Reactions mode: each member who reacted to an entry gives it one vote, whatever the number of kinds they used. */
const VOTES = sql`(select count(distinct r.user_id) from reactions r where r.post_id = p.id)::int`;

export interface WinnerRow {
  post_id: number;
  post_number: number;
  user_id: number;
  username: string;
  display_name: string | null;
  place: number | null;
}

export interface EntryRow {
  post_id: number;
  post_number: number;
  user_id: number;
  username: string;
  display_name: string | null;
  votes: number;
  excerpt: string;
}

export interface ContestPanelRow {
  topic_id: number;
  entry_deadline: Date;
  voting_mode: VotingMode;
  finished_at: Date | null;
  entry_count: number;
  winners: WinnerRow[];
  /** Reactions mode: the ten entries with the most reactions (empty in staff mode). */
  ranking: EntryRow[];
}

const entryJson = sql`json_build_object('post_id', p.id, 'post_number', p.post_number, 'user_id', p.user_id, 'username', u.username,
  'display_name', u.display_name, 'votes', ${VOTES}, 'excerpt', left(p.body_md, 160))`;

/** The topic page's contest panel in ONE query (the page's budget): settings, entry count, winners, ranking. */
export async function findContestPanel(db: Database, topicId: number): Promise<ContestPanelRow | undefined> {
  const { rows } = await sql<Omit<ContestPanelRow, 'entry_deadline' | 'finished_at'> & { entry_deadline: Date | string; finished_at: Date | string | null }>`
    select c.topic_id, c.entry_deadline, c.voting_mode, c.finished_at,
      (select count(*) from posts p where ${ENTRY})::int as entry_count,
      coalesce((select json_agg(json_build_object('post_id', w.post_id, 'post_number', p.post_number, 'user_id', w.user_id, 'username', u.username,
                                                  'display_name', u.display_name, 'place', w.place) order by w.place nulls last, w.id)
                from contest_winners w join posts p on p.id = w.post_id join users u on u.id = w.user_id where w.topic_id = c.topic_id), '[]'::json) as winners,
      case when c.voting_mode = 'reactions' then coalesce((select json_agg(ranked.e order by ranked.votes desc, ranked.n) from (
        select ${entryJson} as e, ${VOTES} as votes, p.post_number as n from posts p join users u on u.id = p.user_id where ${ENTRY}
        order by 2 desc, 3 limit 10) ranked), '[]'::json) else '[]'::json end as ranking
    from contests c join topics t on t.id = c.topic_id
    where c.topic_id = ${topicId}`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  return { ...row, entry_deadline: new Date(row.entry_deadline), finished_at: row.finished_at ? new Date(row.finished_at) : null };
}

/** Entries for the winners form: by reactions (reactions mode) or in posting order, at most `limit`. */
export async function listEntries(db: Database | Trx, topicId: number, byVotes: boolean, limit = 200): Promise<EntryRow[]> {
  const order = byVotes ? sql`${VOTES} desc, p.post_number` : sql`p.post_number`;
  const { rows } = await sql<{ e: EntryRow }>`
    select ${entryJson} as e
    from contests c join topics t on t.id = c.topic_id join posts p on p.topic_id = c.topic_id join users u on u.id = p.user_id
    where c.topic_id = ${topicId} and ${ENTRY}
    order by ${order} limit ${limit}`.execute(db);
  return rows.map((r) => r.e);
}

/** The given posts that are entries of the contest (post id → author), read inside the finishing transaction. */
export async function findEntries(trx: Trx, topicId: number, postIds: number[]): Promise<Map<number, number>> {
  if (!postIds.length) return new Map();
  const { rows } = await sql<{ id: number; user_id: number }>`
    select p.id, p.user_id from contests c join topics t on t.id = c.topic_id join posts p on p.topic_id = c.topic_id
    where c.topic_id = ${topicId} and p.id in (${sql.join(postIds)}) and ${ENTRY}`.execute(trx);
  return new Map(rows.map((r) => [r.id, r.user_id]));
}

/** The contest row, locked: finishing queues behind it, so winners are recorded (and rewarded) once. */
export function lockContest(trx: Trx, topicId: number) {
  return trx.selectFrom('contests').selectAll().where('topic_id', '=', topicId).forUpdate().executeTakeFirst();
}

/** The topic row, locked while contest settings are attached (one contest per topic, no reply slips in between). */
export function lockTopicForContest(trx: Trx, topicId: number) {
  return trx.selectFrom('topics').select(['id', 'user_id', 'deleted_at', 'closed_at', 'reply_count']).where('id', '=', topicId).forUpdate().executeTakeFirst();
}

/** The contest's settings (no lock), or undefined. */
export function findContest(db: Database, topicId: number) {
  return db.selectFrom('contests').selectAll().where('topic_id', '=', topicId).executeTakeFirst();
}
