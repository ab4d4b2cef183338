import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  // "Gained this week / month": a range scan over the period's events only, answered from the index alone
  // (user and delta are in it), then a small aggregate per user.
  await sql`create index reputation_events_created_user on reputation_events (created_at, user_id) include (delta)`.execute(db);
  // "All time": users.reputation (always equal to the ledger sum) read in order, stopping after the top.
  await sql`create index users_reputation on users (reputation desc, id) where reputation > 0`.execute(db);
  // "Top answerers" of a period reads the answers accepted in it, and only those (the partial index holds solved topics alone).
  await sql`create index topics_solved_at on topics (solved_at) include (solved_post_id, user_id, category_id) where solved_post_id is not null and deleted_at is null`.execute(db);
  // A profile counts a user's accepted answers by probing this with each of their posts.
  await sql`create index topics_solved_post on topics (solved_post_id) where solved_post_id is not null and deleted_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists topics_solved_post`.execute(db);
  await sql`drop index if exists topics_solved_at`.execute(db);
  await sql`drop index if exists users_reputation`.execute(db);
  await sql`drop index if exists reputation_events_created_user`.execute(db);
}
