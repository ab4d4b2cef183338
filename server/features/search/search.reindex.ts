import { sql } from 'kysely';
import type { Database } from '../../db/index.js';

/**
 * Rebuilds every post's row in the search table, in batches by id (one short statement each, so the forum keeps
 * working meanwhile). Each batch calls `post_search_refresh` (migrations/0028_post_search.ts), the same function
 * the triggers use, so the rebuild uses exactly the formula of every write: title at weight A on first posts,
 * the body below it, and the post's and topic's current state. Returns the number of posts reindexed.
 */
export async function reindexPosts(db: Database, opts: { batch?: number; onBatch?: (count: number) => void } = {}): Promise<number> {
  const batch = opts.batch ?? 2000;
  let after = 0;
  let done = 0;
  for (;;) {
    const { rows } = await sql<{ last: number | null; n: number }>`
      with b as (select id from posts where id > ${after} order by id limit ${batch})
      select post_search_refresh(min(id), max(id)) as n, max(id) as last from b`.execute(db);
    const { last, n } = rows[0]!;
    if (last === null) return done;
    after = last;
    done += n;
    opts.onBatch?.(n);
  }
}

/**
 * Posts whose search row is missing or says something other than the post and its topic (npm run check): the
 * triggers keep these exact, so any id here means data loaded with triggers off — `npm run reindex` repairs it.
 * Reads every post once (a maintenance command, not a request).
 */
export async function searchDrift(db: Database, limit = 1000): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    select p.id from posts p
      join topics t on t.id = p.topic_id
      left join post_search s on s.post_id = p.id
     where s.post_id is null or s.topic_id <> p.topic_id or s.category_id <> t.category_id or s.user_id <> p.user_id
        or s.post_number <> p.post_number or s.created_at <> p.created_at
        or s.visible <> (p.deleted_at is null and p.hidden_at is null and t.deleted_at is null)
        or s.unlisted <> (t.unlisted_at is not null)
        or s.vector <> post_search_vector(t.title, p.body_md, p.post_number)
     order by p.id limit ${limit}`.execute(db);
  return rows.map((r) => r.id);
}
