import { sql } from 'kysely';
import type { Database } from '../../db/index.js';

/**
 * Rebuilds every post's search vector, in batches by id (one short transaction each, so the forum keeps working
 * meanwhile). Touching body_md fires the trigger that computes the vector (migrations/0009_search.ts), so the
 * rebuild uses exactly the same formula as every write: title at weight A on first posts, the body below it.
 * Returns the number of posts reindexed.
 */
export async function reindexPosts(db: Database, opts: { batch?: number; onBatch?: (count: number) => void } = {}): Promise<number> {
  const batch = opts.batch ?? 2000;
  let after = 0;
  let done = 0;
  for (;;) {
    const { rows } = await sql<{ id: number }>`
      update posts set body_md = body_md
       where id in (select id from posts where id > ${after} order by id limit ${batch})
      returning id`.execute(db);
    if (!rows.length) return done;
    after = Math.max(...rows.map((r) => r.id));
    done += rows.length;
    opts.onBatch?.(rows.length);
  }
}
