import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Trx } from '../reputation/ledger.js';

type Db = Database | Trx;

/** Locks a post for a reaction change; undefined if it does not exist. */
export function lockPostForReaction(trx: Trx, postId: number) {
  return trx.selectFrom('posts').select(['id', 'user_id', 'deleted_at', 'hidden_at']).where('id', '=', postId).forUpdate().executeTakeFirst();
}

export function findReaction(db: Db, postId: number, userId: number, kind: string) {
  return db.selectFrom('reactions').select('id').where('post_id', '=', postId).where('user_id', '=', userId).where('kind', '=', kind).executeTakeFirst();
}

/** Reactions the user gave since midnight UTC, and seconds until the next midnight (Retry-After). */
export async function countReactionsToday(db: Db, userId: number): Promise<{ count: number; secondsLeft: number }> {
  const { rows } = await sql<{ count: number; seconds_left: number }>`
    select
      (select count(*)::int from reactions
        where user_id = ${userId} and created_at >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC') as count,
      ceil(extract(epoch from date_trunc('day', now() at time zone 'UTC') + interval '1 day' - now() at time zone 'UTC'))::int as seconds_left`.execute(db);
  const row = rows[0]!;
  return { count: row.count, secondsLeft: Math.max(1, row.seconds_left) };
}

/** Namespace of the advisory locks below (the other key is the user id). */
const REACTION_LOCK_SPACE = 0x52454143;

/** Serialises one user's reaction inserts (across instances) so the daily limit is exact; released at commit. */
export async function lockUserReactions(trx: Trx, userId: number): Promise<void> {
  await sql`select pg_advisory_xact_lock(${REACTION_LOCK_SPACE}::int, ${userId}::int)`.execute(trx);
}

/** Recounts the post's reactions into posts.reaction_counts (call with the post row locked); returns the counts. */
export async function refreshReactionCounts(trx: Trx, postId: number): Promise<Record<string, number>> {
  const { rows } = await sql<{ reaction_counts: Record<string, number> }>`
    update posts set reaction_counts = coalesce(
      (select jsonb_object_agg(kind, n) from (select kind, count(*)::int as n from reactions where post_id = ${postId} group by kind) s),
      '{}'::jsonb)
    where id = ${postId}
    returning reaction_counts`.execute(trx);
  return rows[0]?.reaction_counts ?? {};
}

/** The kinds the user gave to each of the given posts — one query for a whole page (post id → kinds). */
export async function listViewerReactions(db: Db, userId: number, postIds: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (!postIds.length) return out;
  const rows = await db.selectFrom('reactions').select(['post_id', 'kind']).where('user_id', '=', userId).where('post_id', 'in', postIds).execute();
  for (const r of rows) out.set(r.post_id, [...(out.get(r.post_id) ?? []), r.kind]);
  return out;
}

/** Who reacted to a post, oldest first (capped: the counts say how many there are in all). */
export function listReactors(db: Db, postId: number, limit = 500) {
  return db
    .selectFrom('reactions')
    .innerJoin('users', 'users.id', 'reactions.user_id')
    .select(['reactions.kind', 'reactions.created_at', 'users.username', 'users.display_name'])
    .where('reactions.post_id', '=', postId)
    .orderBy('reactions.id')
    .limit(limit)
    .execute();
}

/** Posts whose reaction_counts differ from a fresh count (for `npm run check` and tests). */
export async function reactionCountDrift(db: Database): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    with fresh as (
      select post_id, jsonb_object_agg(kind, n) as counts
      from (select post_id, kind, count(*)::int as n from reactions group by post_id, kind) s
      group by post_id)
    select p.id from posts p left join fresh f on f.post_id = p.id
    where p.reaction_counts <> coalesce(f.counts, '{}'::jsonb)
    order by p.id`.execute(db);
  return rows.map((r) => r.id);
}
