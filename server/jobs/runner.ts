import { sql } from 'kysely';
import type { Database } from '../db/index.js';

/**
 * A small periodic job runner. Features register jobs (registerJob); main.ts starts them (startJobs) and stops
 * them on shutdown. Tests call a job's run(db) directly, or runJobOnce for the locking and bookkeeping.
 *
 * Every instance runs the same timers, and the database decides who works:
 * - on PostgreSQL a run first takes a session advisory lock on a dedicated connection (pg_try_advisory_lock), so
 *   one instance at a time runs a given job; the others skip that tick;
 * - the job_runs table remembers when each job last started, so N instances still run a job about once per
 *   interval rather than N times;
 * - on PGlite there is one process and one connection: holding db.connection() while the job uses db would
 *   deadlock, so no lock is taken there (there is no other instance to exclude).
 * Jobs must be idempotent: a crash mid-run simply means the next tick does the work again.
 */
export interface Job {
  /** Unique; also names the advisory lock and the job_runs row. */
  name: string;
  intervalMs: number;
  run(db: Database): Promise<void>;
}

export type Engine = 'postgres' | 'pglite';

export interface JobLogger {
  warn(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

const registry = new Map<string, Job>();

/** Registers (or replaces, by name) a periodic job; call before startJobs. */
export function registerJob(job: Job): void {
  if (!job.name || job.intervalMs < 1000) throw new Error(`job ${job.name}: a name and an interval of at least 1 s are required`);
  registry.set(job.name, job);
}

/** The registered jobs, in registration order. */
export function listJobs(): Job[] {
  return [...registry.values()];
}

/**
 * Runs a job once if no other instance is running it and it has not run within its interval (unless `force`).
 * Returns whether it ran. Errors are recorded in job_runs and rethrown.
 */
export async function runJobOnce(db: Database, engine: Engine, job: Job, opts: { force?: boolean } = {}): Promise<boolean> {
  if (engine === 'pglite') return runClaimed(db, job, opts.force ?? false);
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(hashtext('veche.jobs'), hashtext(${job.name})) as locked`.execute(conn);
    if (!rows[0]?.locked) return false;
    try {
      // The job uses the pool, not this connection: the connection only holds the lock for the run's duration.
      return await runClaimed(db, job, opts.force ?? false);
    } finally {
      await sql`select pg_advisory_unlock(hashtext('veche.jobs'), hashtext(${job.name}))`.execute(conn);
    }
  });
}

/** Under the lock: skip if another instance ran it recently, else record the start, run, record the end. */
async function runClaimed(db: Database, job: Job, force: boolean): Promise<boolean> {
  const last = await db.selectFrom('job_runs').select(['started_at']).where('name', '=', job.name).executeTakeFirst();
  // A little slack so instances whose timers drift do not each skip the other's tick.
  if (!force && last && Date.now() - last.started_at.getTime() < job.intervalMs * 0.9) return false;
  await db
    .insertInto('job_runs')
    .values({ name: job.name, started_at: new Date(), finished_at: null, error: null })
    .onConflict((oc) => oc.column('name').doUpdateSet({ started_at: new Date(), finished_at: null, error: null }))
    .execute();
  try {
    await job.run(db);
    await db.updateTable('job_runs').set({ finished_at: new Date() }).where('name', '=', job.name).execute();
    return true;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await db.updateTable('job_runs').set({ finished_at: new Date(), error: message.slice(0, 2000) }).where('name', '=', job.name).execute().catch(() => {});
    throw err;
  }
}

export interface JobRunner {
  /** Clears the timers and waits for runs in progress. */
  stop(): Promise<void>;
}

/** Starts a timer per registered job (first run after a short random delay, so instances do not start in step). */
export function startJobs(opts: { db: Database; engine: Engine; log: JobLogger; jobs?: Job[] }): JobRunner {
  const { db, engine, log } = opts;
  const timers: NodeJS.Timeout[] = [];
  const running = new Map<string, Promise<void>>();
  let stopped = false;
  const tick = (job: Job) => {
    if (stopped || running.has(job.name)) return;
    const p = runJobOnce(db, engine, job)
      .then(() => undefined)
      .catch((err: unknown) => log.warn({ err, job: job.name }, 'job failed'))
      .finally(() => running.delete(job.name));
    running.set(job.name, p);
  };
  for (const job of opts.jobs ?? listJobs()) {
    const first = setTimeout(() => {
      tick(job);
      const every = setInterval(() => tick(job), job.intervalMs);
      every.unref();
      timers.push(every);
    }, Math.min(job.intervalMs, 5_000 + Math.random() * 10_000));
    first.unref();
    timers.push(first);
  }
  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await Promise.all(running.values());
    },
  };
}
