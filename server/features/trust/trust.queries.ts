import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { TrustLevelSettings } from '../settings/settings.js';
import type { TrustActivity, TrustState } from './trust.rules.js';

/** Like Discourse, the "share of recent topics/posts read" is out of at most this many, so a busy forum stays reachable. */
export const RECENT_TOPICS_CAP = 500;
export const RECENT_POSTS_CAP = 20_000;

export interface TrustInput {
  id: number;
  state: TrustState;
  activity: TrustActivity;
}

const byUser = <T extends { user_id: number }>(rows: T[]) => new Map(rows.map((r) => [r.user_id, r]));

/** Which of these users have a level the rules may change: not locked, below TL4 (see evaluateTrustLevel). */
export async function listAutomaticLevelUsers(db: Database, ids: number[]): Promise<number[]> {
  if (!ids.length) return [];
  const rows = await db.selectFrom('users').select('id').where('id', 'in', ids).where('trust_level_locked', '=', false).where('trust_level', '<', 4).execute();
  return rows.map((r) => r.id);
}

/** Everything the rules need for a batch of users (a handful of grouped, indexed queries, whatever the batch size). */
export async function listTrustInputs(db: Database, ids: number[], t: TrustLevelSettings, now = new Date()): Promise<TrustInput[]> {
  if (!ids.length) return [];
  const since = new Date(now.getTime() - t.tl3.period_days * 86400_000);
  const sinceDay = since.toISOString().slice(0, 10);
  const [users, given, received, posts, visits, reads, totals] = await Promise.all([
    db
      .selectFrom('users')
      .leftJoin('user_stats', 'user_stats.user_id', 'users.id')
      .select([
        'users.id', 'users.trust_level', 'users.trust_level_locked', 'users.trust_level_changed_at',
        'user_stats.topics_entered', 'user_stats.posts_read', 'user_stats.time_read_seconds', 'user_stats.days_visited',
      ])
      .where('users.id', 'in', ids)
      .execute(),
    db
      .selectFrom('reactions')
      .select((eb) => ['user_id', eb.fn.countAll<number>().as('total'), sql<number>`count(*) filter (where created_at >= ${since})`.as('recent')])
      .where('user_id', 'in', ids)
      .groupBy('user_id')
      .execute(),
    db
      .selectFrom('reactions')
      .innerJoin('posts', 'posts.id', 'reactions.post_id')
      .select((eb) => ['posts.user_id', eb.fn.countAll<number>().as('total'), sql<number>`count(*) filter (where reactions.created_at >= ${since})`.as('recent')])
      .where('posts.user_id', 'in', ids)
      .whereRef('reactions.user_id', '!=', 'posts.user_id')
      .where('posts.deleted_at', 'is', null)
      .groupBy('posts.user_id')
      .execute(),
    db
      .selectFrom('posts')
      .select([
        'user_id',
        sql<number>`count(distinct topic_id) filter (where post_number > 1 and deleted_at is null)`.as('replied'),
        sql<number>`count(distinct topic_id) filter (where post_number > 1 and deleted_at is null and created_at >= ${since})`.as('recent_replied'),
        sql<number>`count(*) filter (where hidden_at >= ${since})`.as('recent_hidden'),
      ])
      .where('user_id', 'in', ids)
      .groupBy('user_id')
      .execute(),
    db
      .selectFrom('user_visits')
      .select((eb) => ['user_id', eb.fn.countAll<number>().as('days')])
      .where('user_id', 'in', ids)
      .where('day', '>=', sql<Date>`${sinceDay}::date`)
      .groupBy('user_id')
      .execute(),
    recentTopics(db, since)
      .innerJoin('topic_reads', 'topic_reads.topic_id', 'topics.id')
      .select([
        'topic_reads.user_id',
        sql<number>`count(*)`.as('topics'),
        sql<number>`coalesce(sum(least(topic_reads.last_read_post_number, topics.last_post_number)), 0)`.as('posts'),
      ])
      .where('topic_reads.user_id', 'in', ids)
      .groupBy('topic_reads.user_id')
      .execute(),
    recentTopics(db, since)
      .select([sql<number>`count(*)`.as('topics'), sql<number>`coalesce(sum(topics.last_post_number), 0)`.as('posts')])
      .executeTakeFirstOrThrow(),
  ]);
  const g = byUser(given);
  const r = byUser(received);
  const p = byUser(posts);
  const v = byUser(visits);
  const rd = byUser(reads);
  const n = (x: unknown) => Number(x ?? 0);
  return users.map((u) => ({
    id: u.id,
    state: { trust_level: u.trust_level, trust_level_locked: u.trust_level_locked, trust_level_changed_at: u.trust_level_changed_at },
    activity: {
      topics_entered: n(u.topics_entered),
      posts_read: n(u.posts_read),
      time_read_seconds: n(u.time_read_seconds),
      days_visited: n(u.days_visited),
      reactions_given: n(g.get(u.id)?.total),
      reactions_received: n(r.get(u.id)?.total),
      replied_topics: n(p.get(u.id)?.replied),
      recent: {
        days_visited: n(v.get(u.id)?.days),
        replied_topics: n(p.get(u.id)?.recent_replied),
        topics_read: Math.min(n(rd.get(u.id)?.topics), RECENT_TOPICS_CAP),
        topics_total: Math.min(n(totals.topics), RECENT_TOPICS_CAP),
        posts_read: Math.min(n(rd.get(u.id)?.posts), RECENT_POSTS_CAP),
        posts_total: Math.min(n(totals.posts), RECENT_POSTS_CAP),
        reactions_given: n(g.get(u.id)?.recent),
        reactions_received: n(r.get(u.id)?.recent),
        posts_hidden: n(p.get(u.id)?.recent_hidden),
      },
    },
  }));
}

/** Live topics created since `since` in categories every member can read (what "recent topics" means for TL3). */
function recentTopics(db: Database, since: Date) {
  return db
    .selectFrom('topics')
    .innerJoin('categories', 'categories.id', 'topics.category_id')
    .where('topics.created_at', '>=', since)
    .where('topics.deleted_at', 'is', null)
    .where('categories.read_access', 'in', ['everyone', 'members']);
}

/** Changes a level only if it is still what the rules saw and nobody locked it meanwhile; true when it changed. */
export async function updateAutomaticTrustLevel(db: Database, id: number, from: number, to: number): Promise<boolean> {
  const res = await db
    .updateTable('users')
    .set({ trust_level: to, trust_level_changed_at: new Date() })
    .where('id', '=', id)
    .where('trust_level', '=', from)
    .where('trust_level_locked', '=', false)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Users the periodic job should look at, by id after `afterId`: active in the last two days, or TL3 (who may lapse). */
export async function listTrustCandidates(db: Database, afterId: number, limit: number, now = new Date()): Promise<number[]> {
  const activeSince = new Date(now.getTime() - 2 * 86400_000);
  const rows = await db
    .selectFrom('users')
    .select('users.id')
    .where('users.id', '>', afterId)
    .where('users.trust_level', '<', 4)
    .where('users.trust_level_locked', '=', false)
    .where((eb) =>
      eb.or([
        eb('users.trust_level', '=', 3),
        eb.exists(eb.selectFrom('user_stats').select('user_stats.user_id').whereRef('user_stats.user_id', '=', 'users.id').where('user_stats.updated_at', '>=', activeSince)),
      ]),
    )
    .orderBy('users.id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}
