import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  // Every topic carries an idea status and a vote count; they mean something (and are shown) only in categories
  // of kind `ideas`, so a topic moved into one starts as "new". `merged` is set only by merging a duplicate.
  await db.schema
    .alterTable('topics')
    .addColumn('idea_status', 'text', (c) =>
      c.notNull().defaultTo('new').check(sql`idea_status in ('new','under_review','planned','in_progress','done','declined','merged')`),
    )
    // Kept exact by the ideas service (the topic row locked): always the number of idea_votes rows.
    .addColumn('vote_count', 'integer', (c) => c.notNull().defaultTo(0).check(sql`vote_count >= 0`))
    // The surviving idea of a merged duplicate (unlike merged_into_id, the duplicate keeps its posts and its URL).
    .addColumn('idea_merged_into_id', 'integer', (c) => c.references('topics.id'))
    .execute();

  // One vote per member per idea.
  await db.schema
    .createTable('idea_votes')
    .addColumn('topic_id', 'integer', (c) => c.notNull().references('topics.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('idea_votes_pkey', ['topic_id', 'user_id'])
    .execute();
  await db.schema.createIndex('idea_votes_user').on('idea_votes').columns(['user_id']).execute();

  // The public history of an idea's status: who changed it, when, from what to what, and why.
  await db.schema
    .createTable('idea_status_changes')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('topic_id', 'integer', (c) => c.notNull().references('topics.id').onDelete('cascade'))
    .addColumn('actor_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('from_status', 'text', (c) => c.notNull())
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull().defaultTo('').check(sql`char_length(comment) <= 1000`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('idea_status_changes_topic').on('idea_status_changes').columns(['topic_id', 'id']).execute();

  // The idea lists of a category: by votes, by creation, and by status then votes (all keyset-paged).
  await sql`create index topics_category_votes on topics (category_id, vote_count desc, id desc) where deleted_at is null`.execute(db);
  await sql`create index topics_category_created on topics (category_id, created_at desc, id desc) where deleted_at is null`.execute(db);
  await sql`create index topics_category_idea_status on topics (category_id, idea_status, vote_count desc, id desc) where deleted_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists topics_category_idea_status`.execute(db);
  await sql`drop index if exists topics_category_created`.execute(db);
  await sql`drop index if exists topics_category_votes`.execute(db);
  await db.schema.dropTable('idea_status_changes').execute();
  await db.schema.dropTable('idea_votes').execute();
  await db.schema.alterTable('topics').dropColumn('idea_merged_into_id').dropColumn('vote_count').dropColumn('idea_status').execute();
}
