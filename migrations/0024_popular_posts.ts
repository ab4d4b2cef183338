import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
//
// The Popular post badge (10 distinct people reacted) was checked by reading every post of the author and its
// reactions: for a prolific member of a million-post forum, a quarter of a second after every reaction they got.
// A post with 10 distinct reactors has at least 10 reactions in its kept counts (reaction_counts, per kind), so a
// partial index over just those posts lets the rule look at a handful of rows. The 10 matches THRESHOLDS.popularPost
// in server/features/badges/badges.rules.ts; a new threshold needs a new index.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function reaction_total(counts jsonb) returns integer language sql immutable parallel safe
    as $$ select coalesce(sum(value::int), 0)::int from jsonb_each_text(counts) $$`.execute(db);
  await sql`create index posts_popular on posts (user_id) where reaction_total(reaction_counts) >= 10`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index posts_popular`.execute(db);
  await sql`drop function reaction_total(jsonb)`.execute(db);
}
