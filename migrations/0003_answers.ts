import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  // The accepted answer of a question, who accepted it, and the weights in force then (a later settings change never rewrites history).
  await db.schema
    .alterTable('topics')
    .addColumn('solved_post_id', 'integer', (c) => c.references('posts.id'))
    .addColumn('solved_by_id', 'integer', (c) => c.references('users.id'))
    .addColumn('solved_at', 'timestamptz')
    .addColumn('solved_credit', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('solved_own_credit', 'smallint', (c) => c.notNull().defaultTo(0))
    .execute();
  // The brand's official answer: a staff member's own reply, at most one per topic.
  await db.schema
    .alterTable('posts')
    .addColumn('official_at', 'timestamptz')
    .addColumn('official_by_id', 'integer', (c) => c.references('users.id'))
    .execute();
  await sql`create unique index posts_topic_official on posts (topic_id) where official_at is not null`.execute(db);

  // "Unsolved" lists page by key over topics without an accepted answer, forum-wide and per category.
  await sql`create index topics_unsolved on topics (last_posted_at desc, id desc) where deleted_at is null and solved_post_id is null`.execute(db);
  await sql`create index topics_category_unsolved on topics (category_id, last_posted_at desc, id desc) where deleted_at is null and solved_post_id is null`.execute(db);
  // "Unanswered" asks, per listed topic, whether a live reply by someone other than its author exists: one probe of this index.
  await sql`create index posts_topic_live_replies on posts (topic_id, user_id) where post_number > 1 and deleted_at is null and hidden_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists posts_topic_live_replies`.execute(db);
  await sql`drop index if exists topics_category_unsolved`.execute(db);
  await sql`drop index if exists topics_unsolved`.execute(db);
  await sql`drop index if exists posts_topic_official`.execute(db);
  await db.schema.alterTable('posts').dropColumn('official_by_id').dropColumn('official_at').execute();
  await db.schema
    .alterTable('topics')
    .dropColumn('solved_own_credit')
    .dropColumn('solved_credit')
    .dropColumn('solved_at')
    .dropColumn('solved_by_id')
    .dropColumn('solved_post_id')
    .execute();
}
