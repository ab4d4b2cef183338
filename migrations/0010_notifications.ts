import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  // One row per thing a member is told about. Texts are not stored: the page renders each kind in the reader's
  // language from `kind` and `data`, so a notification reads right after a language switch too.
  await db.schema
    .createTable('notifications')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind ~ '^[a-z_]{1,40}$'`))
    .addColumn('actor_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('topic_id', 'integer', (c) => c.references('topics.id'))
    .addColumn('post_id', 'integer', (c) => c.references('posts.id'))
    .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('read_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index notifications_user on notifications (user_id, id desc)`.execute(db);
  await sql`create index notifications_unread on notifications (user_id) where read_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notifications').execute();
}
