import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
//
// A topic whose opening post is hidden (flagged as spam or abuse, or hidden by a moderator) is unlisted: its title
// leaves every list, search and digest for everyone but staff, while its address still opens (showing the hidden
// post's notice), as on Discourse. Set and cleared with the opening post's hidden state, in the same transaction.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table topics add column unlisted_at timestamptz`.execute(db);
  await sql`
    update topics t set unlisted_at = p.hidden_at
      from posts p
     where p.topic_id = t.id and p.post_number = 1 and p.hidden_at is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table topics drop column unlisted_at`.execute(db);
}
