import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Viewer } from '../../policy/index.js';
import type { Trx } from '../reputation/ledger.js';
import { TOPICS_PER_PAGE, topicRows } from '../topics/topics.list.js';
import type { IdeaStatus } from './ideas.types.js';
import './ideas.types.js';

/** An idea topic with what the rules need, its row locked (FOR NO KEY UPDATE: new posts may still reference it). */
export async function lockIdeaTopic(trx: Trx, topicId: number) {
  const row = await trx
    .selectFrom('topics')
    .innerJoin('categories', 'categories.id', 'topics.category_id')
    .select([
      'topics.id', 'topics.slug', 'topics.title', 'topics.user_id', 'topics.idea_status', 'topics.vote_count', 'topics.closed_at', 'topics.locked_at',
      'topics.deleted_at', 'topics.reply_count', 'topics.idea_merged_into_id', 'categories.kind as category_kind', 'categories.read_access', 'categories.post_access',
    ])
    .where('topics.id', '=', topicId)
    .forNoKeyUpdate('topics')
    .executeTakeFirst();
  if (!row) return undefined;
  const { read_access, post_access, ...rest } = row;
  return { ...rest, category: { read_access, post_access } };
}

export type LockedIdea = NonNullable<Awaited<ReturnType<typeof lockIdeaTopic>>>;

/** Adds a vote; false when the member had already voted. */
export async function insertVote(trx: Trx, topicId: number, userId: number): Promise<boolean> {
  const row = await trx
    .insertInto('idea_votes')
    .values({ topic_id: topicId, user_id: userId })
    .onConflict((oc) => oc.columns(['topic_id', 'user_id']).doNothing())
    .returning('user_id')
    .executeTakeFirst();
  return !!row;
}

/** Removes a vote; false when there was none. */
export async function deleteVote(trx: Trx, topicId: number, userId: number): Promise<boolean> {
  const row = await trx.deleteFrom('idea_votes').where('topic_id', '=', topicId).where('user_id', '=', userId).returning('user_id').executeTakeFirst();
  return !!row;
}

/** Sets the row's count from the votes themselves (under the topic lock), and returns it. */
export async function refreshVoteCount(trx: Trx, topicId: number): Promise<number> {
  const row = await trx
    .updateTable('topics')
    .set({ vote_count: sql<number>`(select count(*)::int from idea_votes v where v.topic_id = ${topicId})` })
    .where('id', '=', topicId)
    .returning('vote_count')
    .executeTakeFirstOrThrow();
  return row.vote_count;
}

/**
 * Who is told about an idea's new status: its voters, its author and whoever watches the topic (topic_watches at
 * `watching`, 0014_watching), once each — except members who muted the topic, and, in a staff-only category,
 * anyone who is no longer staff (a notification names the topic).
 */
export async function listStatusAudience(trx: Trx, topic: { id: number; user_id: number; category: { read_access: string } }): Promise<number[]> {
  const { rows } = await sql<{ user_id: number }>`
    select a.user_id from (
      select v.user_id from idea_votes v where v.topic_id = ${topic.id}
      union select ${topic.user_id}::int
      union select tw.user_id from topic_watches tw where tw.topic_id = ${topic.id} and tw.level = 'watching'
    ) a
    join users u on u.id = a.user_id
    where not exists (select 1 from topic_watches m where m.user_id = a.user_id and m.topic_id = ${topic.id} and m.level = 'muted')
      and (${topic.category.read_access}::text <> 'staff' or u.role in ('moderator', 'staff', 'admin'))
    order by a.user_id`.execute(trx);
  return rows.map((r) => r.user_id);
}

/** How many members voted for an idea. */
export async function countVotes(trx: Trx, topicId: number): Promise<number> {
  const row = await trx.selectFrom('idea_votes').select(sql<number>`count(*)::int`.as('n')).where('topic_id', '=', topicId).executeTakeFirstOrThrow();
  return row.n;
}

/** Moves a duplicate's votes to the surviving idea (a member who voted for both keeps one vote); returns how many moved. */
export async function moveVotes(trx: Trx, fromId: number, toId: number): Promise<number> {
  const moved = await sql<{ user_id: number }>`
    insert into idea_votes (topic_id, user_id, created_at)
    select ${toId}, v.user_id, v.created_at from idea_votes v where v.topic_id = ${fromId}
    on conflict (topic_id, user_id) do nothing
    returning user_id`.execute(trx);
  await trx.deleteFrom('idea_votes').where('topic_id', '=', fromId).execute();
  return moved.rows.length;
}

export async function insertStatusChange(trx: Trx, change: { topicId: number; actorId: number; from: IdeaStatus; to: IdeaStatus; comment: string }): Promise<void> {
  await trx
    .insertInto('idea_status_changes')
    .values({ topic_id: change.topicId, actor_id: change.actorId, from_status: change.from, to_status: change.to, comment: change.comment })
    .execute();
}

export interface StatusChangeRow {
  id: number;
  from_status: IdeaStatus;
  to_status: IdeaStatus;
  comment: string;
  created_at: Date;
  username: string | null;
  display_name: string | null;
}

/**
 * What the topic page adds for an idea, in ONE query (the topic page's budget): whether the viewer voted, the
 * status history (oldest first) and, for a merged duplicate, the surviving idea if the viewer may read it.
 */
export async function loadIdeaPanel(db: Database, topicId: number, viewerId: number | null, mergedIntoId: number | null, readAccess: string[]) {
  const { rows } = await sql<{ voted: boolean; history: (Omit<StatusChangeRow, 'created_at'> & { created_at: string })[]; merged_into: { id: number; slug: string; title: string } | null }>`
    select
      exists(select 1 from idea_votes v where v.topic_id = ${topicId} and v.user_id = ${viewerId ?? 0}) as voted,
      coalesce((
        select json_agg(json_build_object('id', h.id, 'from_status', h.from_status, 'to_status', h.to_status, 'comment', h.comment,
                                          'created_at', h.created_at, 'username', u.username, 'display_name', u.display_name) order by h.id)
        from idea_status_changes h left join users u on u.id = h.actor_id where h.topic_id = ${topicId}
      ), '[]'::json) as history,
      (select json_build_object('id', t.id, 'slug', t.slug, 'title', t.title) from topics t join categories c on c.id = t.category_id
        where t.id = ${mergedIntoId ?? 0} and t.deleted_at is null and c.read_access in (${sql.join(readAccess)})) as merged_into`.execute(db);
  const row = rows[0]!;
  return { voted: row.voted, history: row.history.map((h) => ({ ...h, created_at: new Date(h.created_at) })), mergedInto: row.merged_into };
}

export type IdeaSort = 'votes' | 'newest' | 'activity';

/** Keyset cursor for the votes order: "<votes>_<id>". */
export function encodeVotesCursor(row: { vote_count: number; id: number }): string {
  return `${row.vote_count}_${row.id}`;
}

export function decodeVotesCursor(raw: string): { votes: number; id: number } | null {
  const m = /^(\d{1,9})_([1-9]\d{0,9})$/.exec(raw);
  if (!m) return null;
  const id = Number(m[2]);
  return id > 2147483647 ? null : { votes: Number(m[1]), id };
}

export interface IdeaListOptions {
  sort: IdeaSort;
  status: IdeaStatus | null;
  /** A decoded cursor for the chosen order (votes: {votes,id}; newest and activity: {at,id}). */
  after: { votes: number; id: number } | { at: Date; id: number } | null;
}

/**
 * Ideas of one category by votes, by creation or by latest activity, optionally of one status, paged by key.
 * Without a status filter pinned ideas are left out (shown above the list); with one they are listed in place.
 */
export function listIdeaTopics(db: Database, viewer: Viewer | null, categoryId: number, opts: IdeaListOptions, limit = TOPICS_PER_PAGE) {
  // What the row's vote button needs: the state the vote rules read, and the viewer's own vote (a primary-key probe).
  let q = topicRows(db, viewer)
    .select(['topics.closed_at', 'topics.deleted_at', 'categories.read_access', 'categories.post_access'])
    .select(sql<boolean>`exists(select 1 from idea_votes v where v.topic_id = topics.id and v.user_id = ${viewer?.id ?? 0})`.as('my_vote'))
    .where('topics.category_id', '=', categoryId);
  q = opts.status ? q.where('topics.idea_status', '=', opts.status) : q.where('topics.pinned_at', 'is', null);
  const after = opts.after;
  if (opts.sort === 'votes') {
    if (after && 'votes' in after) q = q.where(sql<boolean>`(topics.vote_count, topics.id) < (${after.votes}, ${after.id})`);
    return q.orderBy('topics.vote_count', 'desc').orderBy('topics.id', 'desc').limit(limit).execute();
  }
  const column = opts.sort === 'newest' ? sql.ref('topics.created_at') : sql.ref('topics.last_posted_at');
  if (after && 'at' in after) q = q.where(sql<boolean>`(${column}, topics.id) < (${after.at}, ${after.id})`);
  return q.orderBy(opts.sort === 'newest' ? 'topics.created_at' : 'topics.last_posted_at', 'desc').orderBy('topics.id', 'desc').limit(limit).execute();
}
