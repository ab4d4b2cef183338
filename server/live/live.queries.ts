import { type ColumnType, type Generated, sql } from 'kysely';
import type { Database } from '../db/index.js';
import type { ReadAccess, PostAccess, Role } from '../db/types.js';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** One open live stream (0021_live): counted per user across every instance. */
export interface StreamLeasesTable {
  id: Generated<number>;
  user_id: number;
  instance: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

declare module '../db/types.js' {
  interface DB {
    stream_leases: StreamLeasesTable;
  }
}

/** Second key of the per-user advisory lock taken while counting a user's leases (first key: this namespace). */
const LEASE_LOCK_SPACE = 0x4c495645;

/** At most this many ids per statement (far below PostgreSQL's parameter limit). */
const CHUNK = 1000;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * Takes a stream lease for the user unless they already hold `limit` live ones (on any instance). The count and
 * the insert run under a per-user advisory lock, so parallel opens through different instances cannot overshoot;
 * the user's expired leases (left by a crashed instance) are cleared first. Returns the lease id, or null.
 */
export async function acquireLease(db: Database, userId: number, instance: string, limit: number, ttlMs: number): Promise<number | null> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${LEASE_LOCK_SPACE}::int, ${userId}::int)`.execute(trx);
    await trx.deleteFrom('stream_leases').where('user_id', '=', userId).where('expires_at', '<=', sql<Date>`now()`).execute();
    const { n } = await trx.selectFrom('stream_leases').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
    if (Number(n) >= limit) return null;
    const row = await trx
      .insertInto('stream_leases')
      .values({ user_id: userId, instance, expires_at: sql<Date>`now() + make_interval(secs => ${ttlMs / 1000})` })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

/** Extends the given leases; returns the ids that still existed (a missing one was expired and cleared meanwhile). */
export async function renewLeases(db: Database, ids: number[], ttlMs: number): Promise<Set<number>> {
  const alive = new Set<number>();
  for (const part of chunks(ids)) {
    const rows = await db
      .updateTable('stream_leases')
      .set({ expires_at: sql<Date>`now() + make_interval(secs => ${ttlMs / 1000})` })
      .where('id', 'in', part)
      .returning('id')
      .execute();
    for (const r of rows) alive.add(r.id);
  }
  return alive;
}

export async function releaseLease(db: Database, id: number): Promise<void> {
  await db.deleteFrom('stream_leases').where('id', '=', id).execute();
}

/** Every lease of one instance (its graceful shutdown), and every expired lease of any instance. */
export async function releaseInstance(db: Database, instance: string): Promise<void> {
  await db.deleteFrom('stream_leases').where((eb) => eb.or([eb('instance', '=', instance), eb('expires_at', '<=', sql<Date>`now()`)])).execute();
}

export async function pruneExpiredLeases(db: Database): Promise<void> {
  await db.deleteFrom('stream_leases').where('expires_at', '<=', sql<Date>`now()`).execute();
}

/** What a stream's permission checks need of its user, as of now. */
export interface SessionState {
  role: Role;
  trust_level: number;
  silenced_until: Date | null;
  suspended_until: Date | null;
}

/**
 * The sessions among `hashes` that are still valid (not deleted, not expired, user not suspended), with their
 * user's current role and sanctions: one query for all open streams of an instance.
 */
export async function validSessions(db: Database, hashes: string[]): Promise<Map<string, SessionState>> {
  const out = new Map<string, SessionState>();
  for (const part of chunks(hashes)) {
    const rows = await db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.token_hash', 'users.role', 'users.trust_level', 'users.silenced_until', 'users.suspended_until'])
      .where('sessions.token_hash', 'in', part)
      .where('sessions.expires_at', '>', sql<Date>`now()`)
      .where((eb) => eb.or([eb('users.suspended_until', 'is', null), eb('users.suspended_until', '<=', sql<Date>`now()`)]))
      .execute();
    for (const { token_hash, ...state } of rows) out.set(token_hash, state);
  }
  return out;
}

/** A topic as the read rule needs it (category access, deleted state); undefined if it is gone. */
export function findTopicAccess(db: Database, topicId: number) {
  return db
    .selectFrom('topics')
    .innerJoin('categories', 'categories.id', 'topics.category_id')
    .select(['topics.deleted_at', 'topics.locked_at', 'topics.reply_count', 'categories.read_access', 'categories.post_access'])
    .where('topics.id', '=', topicId)
    .executeTakeFirst()
    .then((t) => t && { ...t, category: { read_access: t.read_access as ReadAccess, post_access: t.post_access as PostAccess } });
}

/**
 * Posts of a topic after a number that someone else wrote (ids and numbers only), for a topic stream opened by a
 * page that may have missed some while it was reconnecting.
 */
export function listPostsAfter(db: Database, topicId: number, after: number, notBy: number, limit = 50) {
  return db
    .selectFrom('posts')
    .select(['id', 'post_number'])
    .where('topic_id', '=', topicId)
    .where('post_number', '>', after)
    .where('user_id', '<>', notBy)
    .orderBy('post_number')
    .limit(limit)
    .execute();
}
