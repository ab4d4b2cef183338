import { sql } from 'kysely';
import type { Database } from '../db/index.js';

export interface LimitResult {
  allowed: boolean;
  /** Seconds until the window resets (for Retry-After). */
  retryAfter: number;
  hits: number;
}

/**
 * Fixed-window counter stored in PostgreSQL, so every app instance shares it.
 * One upsert per call: the row lock serialises concurrent hits on the same key.
 */
export async function hit(db: Database, key: string, limit: number, windowSeconds: number): Promise<LimitResult> {
  const { rows } = await sql<{ hits: number; window_started_at: Date }>`
    insert into rate_limits (key, window_started_at, hits) values (${key}, now(), 1)
    on conflict (key) do update set
      hits = case when rate_limits.window_started_at <= now() - make_interval(secs => ${windowSeconds}) then 1 else rate_limits.hits + 1 end,
      window_started_at = case when rate_limits.window_started_at <= now() - make_interval(secs => ${windowSeconds}) then now() else rate_limits.window_started_at end
    returning hits, window_started_at`.execute(db);
  const row = rows[0]!;
  const elapsed = (Date.now() - new Date(row.window_started_at).getTime()) / 1000;
  return { allowed: row.hits <= limit, hits: row.hits, retryAfter: Math.max(1, Math.ceil(windowSeconds - elapsed)) };
}

/** Forgets a key (e.g. the per-account login counter after a successful login). */
export async function reset(db: Database, key: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('key', '=', key).execute();
}

/** Removes windows that ended long ago; called by the periodic housekeeping. */
export async function prune(db: Database, olderThanSeconds = 86400): Promise<void> {
  await db.deleteFrom('rate_limits').where('window_started_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`).execute();
}
