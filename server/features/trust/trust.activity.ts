import { sql } from 'kysely';
import type { Database } from '../../db/index.js';

/**
 * Reading activity, recorded in memory and written in batches — never a database write per page view.
 *
 * Why a short-lived in-process buffer is acceptable here (the house rule is "nothing lives only in one process"):
 * - it holds only read marks and counters, flushed every few seconds and on graceful shutdown, so a crash loses at
 *   most a few seconds of them — the reader simply looks as if they had not read those posts yet;
 * - nothing is served from it: every instance flushes its own buffer into the shared tables with upserts that only
 *   ever move forward (GREATEST, ON CONFLICT DO NOTHING), so instances stay interchangeable and any of them reads
 *   the same state from the database.
 *
 * Counters are exact under concurrent flushes: a flush first locks the user_stats rows of its users (in id order,
 * so two instances cannot deadlock), so the "before" read marks it compares with cannot change under it.
 */

/** Reading time credited per page view: the gap since the same user's previous view, at most this. */
export const MAX_READ_GAP_SECONDS = 120;
/** Rows per statement, well under PostgreSQL's 65535 bind parameters. */
const CHUNK = 2000;

interface UserActivity {
  /** topic id → highest post number seen on a page. */
  topics: Map<number, number>;
  /** UTC days ('YYYY-MM-DD') with a view. */
  days: Set<string>;
  seconds: number;
}

export interface ActivityBufferOptions {
  /** Called with the users whose activity was just written (e.g. to check promotions). */
  afterFlush?: (userIds: number[]) => Promise<unknown>;
  log?: { warn(obj: object, msg: string): void };
}

export class ActivityBuffer {
  private pending = new Map<number, UserActivity>();
  /** Last view per user in this process, for reading time (pruned as it goes stale). */
  private lastView = new Map<number, number>();
  private flushing: Promise<number[]> = Promise.resolve([]);
  private timer: NodeJS.Timeout | null = null;

  constructor(private db: Database, private opts: ActivityBufferOptions = {}) {}

  /** A signed-in user saw a topic page whose last post is `lastPostNumber`. In memory only. */
  recordTopicView(userId: number, topicId: number, lastPostNumber: number, at = new Date()): void {
    let a = this.pending.get(userId);
    if (!a) this.pending.set(userId, (a = { topics: new Map(), days: new Set(), seconds: 0 }));
    a.topics.set(topicId, Math.max(a.topics.get(topicId) ?? 0, lastPostNumber));
    a.days.add(at.toISOString().slice(0, 10));
    const prev = this.lastView.get(userId);
    if (prev !== undefined && at.getTime() > prev) a.seconds += Math.min(MAX_READ_GAP_SECONDS, Math.floor((at.getTime() - prev) / 1000));
    this.lastView.set(userId, Math.max(prev ?? 0, at.getTime()));
  }

  /** Whether anything waits to be written. */
  get size(): number {
    return this.pending.size;
  }

  /** Writes everything recorded so far (one statement per table); resolves with the users written. Flushes never overlap. */
  flush(): Promise<number[]> {
    const next = this.flushing.catch(() => []).then(() => this.flushNow());
    this.flushing = next;
    return next;
  }

  /** Flushes every `intervalMs` until stop(). */
  start(intervalMs = 5_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.flush().catch((err: unknown) => this.opts.log?.warn({ err }, 'activity flush failed'));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is left (graceful shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async flushNow(): Promise<number[]> {
    const batch = this.pending;
    this.pending = new Map();
    this.pruneLastView();
    if (!batch.size) return [];
    try {
      const ids = [...batch.keys()].sort((a, b) => a - b);
      for (let i = 0; i < ids.length; i += CHUNK) await this.write(ids.slice(i, i + CHUNK), batch);
    } catch (err) {
      this.restore(batch);
      throw err;
    }
    const users = [...batch.keys()];
    if (this.opts.afterFlush) {
      await this.opts.afterFlush(users).catch((err: unknown) => this.opts.log?.warn({ err }, 'trust check after flush failed'));
    }
    return users;
  }

  private async write(ids: number[], batch: Map<number, UserActivity>): Promise<void> {
    const reads: [number, number, number][] = [];
    const visits: [number, string][] = [];
    for (const id of ids) {
      const a = batch.get(id)!;
      for (const [topic, n] of a.topics) reads.push([id, topic, n]);
      for (const day of a.days) visits.push([id, day]);
    }
    await this.db.transaction().execute(async (trx) => {
      // 1. user_stats: create missing rows and lock all of them, in id order.
      await trx
        .insertInto('user_stats')
        .values(ids.map((user_id) => ({ user_id, updated_at: new Date() })))
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ updated_at: sql`now()` }))
        .execute();
      // 2. topic_reads: move each read mark forward; report per user how many topics are new and how many posts.
      const delta = new Map<number, { entered: number; posts: number; days: number }>();
      for (let i = 0; i < reads.length; i += CHUNK) {
        const values = sql.join(reads.slice(i, i + CHUNK).map(([u, t, n]) => sql`(${u}::int, ${t}::int, ${n}::int)`));
        const { rows } = await sql<{ user_id: number; entered: number; posts: number }>`
          with input (user_id, topic_id, n) as (values ${values}),
          old as (
            select r.user_id, r.topic_id, r.last_read_post_number as n
            from topic_reads r join input i on i.user_id = r.user_id and i.topic_id = r.topic_id
          ),
          up as (
            insert into topic_reads (user_id, topic_id, last_read_post_number, updated_at)
            select user_id, topic_id, n, now() from input
            on conflict (user_id, topic_id) do update
              set last_read_post_number = greatest(topic_reads.last_read_post_number, excluded.last_read_post_number), updated_at = now()
            returning user_id, topic_id, last_read_post_number
          )
          select up.user_id, (count(*) filter (where old.n is null))::int as entered,
                 coalesce(sum(up.last_read_post_number - coalesce(old.n, 0)), 0)::int as posts
          from up left join old on old.user_id = up.user_id and old.topic_id = up.topic_id
          group by up.user_id`.execute(trx);
        for (const r of rows) {
          const d = delta.get(r.user_id) ?? { entered: 0, posts: 0, days: 0 };
          d.entered += Number(r.entered);
          d.posts += Number(r.posts);
          delta.set(r.user_id, d);
        }
      }
      // 3. user_visits: the days not recorded before count as new days visited.
      for (let i = 0; i < visits.length; i += CHUNK) {
        const added = await trx
          .insertInto('user_visits')
          .values(visits.slice(i, i + CHUNK).map(([user_id, day]) => ({ user_id, day })))
          .onConflict((oc) => oc.columns(['user_id', 'day']).doNothing())
          .returning('user_id')
          .execute();
        for (const { user_id } of added) {
          const d = delta.get(user_id) ?? { entered: 0, posts: 0, days: 0 };
          d.days += 1;
          delta.set(user_id, d);
        }
      }
      // 4. user_stats: add the deltas in one statement.
      const rows = ids.map((id) => {
        const d = delta.get(id) ?? { entered: 0, posts: 0, days: 0 };
        return sql`(${id}::int, ${d.entered}::int, ${d.posts}::int, ${batch.get(id)!.seconds}::int, ${d.days}::int)`;
      });
      await sql`
        update user_stats s set
          topics_entered = s.topics_entered + d.entered, posts_read = s.posts_read + d.posts,
          time_read_seconds = s.time_read_seconds + d.seconds, days_visited = s.days_visited + d.days, updated_at = now()
        from (values ${sql.join(rows)}) as d (user_id, entered, posts, seconds, days)
        where s.user_id = d.user_id`.execute(trx);
    });
  }

  /** A failed flush puts its activity back, so a passing database hiccup loses nothing. */
  private restore(batch: Map<number, UserActivity>): void {
    for (const [id, a] of batch) {
      const cur = this.pending.get(id);
      if (!cur) {
        this.pending.set(id, a);
        continue;
      }
      for (const [t, n] of a.topics) cur.topics.set(t, Math.max(cur.topics.get(t) ?? 0, n));
      for (const d of a.days) cur.days.add(d);
      cur.seconds += a.seconds;
    }
  }

  private pruneLastView(): void {
    const stale = Date.now() - MAX_READ_GAP_SECONDS * 1000;
    for (const [id, at] of this.lastView) if (at < stale) this.lastView.delete(id);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This instance's buffer of reading activity (tests flush() it on demand). */
    activity: ActivityBuffer;
  }
}
