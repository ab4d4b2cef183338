import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  // Admin settings: one row per top-level key; typed defaults live in code, so an empty table is a valid configuration.
  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('reactions')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind ~ '^[a-z0-9_]{1,32}$'`))
    // The weight in force when the reaction was given: a later settings change never rewrites history.
    .addColumn('weight', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('reactions_post_user_kind', ['post_id', 'user_id', 'kind'])
    .execute();
  // The daily limit counts a user's reactions since midnight.
  await db.schema.createIndex('reactions_user_created').on('reactions').columns(['user_id', 'created_at']).execute();

  // Counts kept in the post row (kind → count), changed with the post row locked.
  await db.schema.alterTable('posts').addColumn('reaction_counts', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`)).execute();

  // The reputation ledger: users.reputation is always the sum of a user's deltas.
  await db.schema
    .createTable('reputation_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('delta', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('post_id', 'integer', (c) => c.references('posts.id'))
    .addColumn('actor_id', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('reputation_events_user_created').on('reputation_events').columns(['user_id', 'created_at']).execute();
  await db.schema.createIndex('reputation_events_source').on('reputation_events').column('source').execute();
  await db.schema.createIndex('reputation_events_created').on('reputation_events').column('created_at').execute();
  // Reconciliation reads the net of every source a post carries.
  await sql`create index reputation_events_post on reputation_events (post_id) where post_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('reputation_events').execute();
  await db.schema.alterTable('posts').dropColumn('reaction_counts').execute();
  await db.schema.dropTable('reactions').execute();
  await db.schema.dropTable('settings').execute();
}
