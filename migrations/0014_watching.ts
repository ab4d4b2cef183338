import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  // A member's chosen (or automatic) notification level for one topic. A row at 'normal' is a choice too: it stops
  // the automatic "track what you post in" from changing the level again.
  await db.schema
    .createTable('topic_watches')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('topic_id', 'integer', (c) => c.notNull().references('topics.id').onDelete('cascade'))
    .addColumn('level', 'text', (c) => c.notNull().check(sql`level in ('watching', 'tracking', 'normal', 'muted')`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('topic_watches_pkey', ['user_id', 'topic_id'])
    .execute();
  // The fan-out reads a topic's watchers.
  await sql`create index topic_watches_topic on topic_watches (topic_id, level)`.execute(db);

  await db.schema
    .createTable('category_watches')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('category_id', 'integer', (c) => c.notNull().references('categories.id').onDelete('cascade'))
    .addColumn('level', 'text', (c) => c.notNull().check(sql`level in ('watching', 'tracking', 'normal', 'muted')`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('category_watches_pkey', ['user_id', 'category_id'])
    .execute();
  await sql`create index category_watches_category on category_watches (category_id, level)`.execute(db);

  // user_id muted muted_user_id: no notifications caused by them.
  await db.schema
    .createTable('user_mutes')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('muted_user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('user_mutes_pkey', ['user_id', 'muted_user_id'])
    .addCheckConstraint('user_mutes_not_self', sql`user_id <> muted_user_id`)
    .execute();
  await sql`create index user_mutes_muted on user_mutes (muted_user_id)`.execute(db);

  // Bookmarks on posts; the bookmarks page is keyed by id (newest first).
  await db.schema
    .createTable('bookmarks')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('bookmarks_user_post', ['user_id', 'post_id'])
    .execute();
  await sql`create index bookmarks_user on bookmarks (user_id, id desc)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('bookmarks').execute();
  await db.schema.dropTable('user_mutes').execute();
  await db.schema.dropTable('category_watches').execute();
  await db.schema.dropTable('topic_watches').execute();
}
