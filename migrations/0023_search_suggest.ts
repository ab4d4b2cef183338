import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite (which loads pg_trgm as a bundled extension).
//
// Search as you type and typo-tolerant title suggestions:
// - a GIN index on each topic title's own vector answers prefix queries («роут:*») over titles alone, which the
//   per-post vectors (title and body mixed) cannot;
// - pg_trgm trigrams on titles find "роутр" or "firmwre" where no stem matches. pg_trgm is a trusted extension
//   (PostgreSQL 13+): the database owner may create it without superuser rights.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`create index topics_title_search on topics using gin (to_tsvector('russian'::regconfig, title))`.execute(db);
  await sql`create index topics_title_trgm on topics using gin (title gin_trgm_ops)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index topics_title_trgm`.execute(db);
  await sql`drop index topics_title_search`.execute(db);
}
