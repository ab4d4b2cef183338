import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  // A pin is pinned_at (since 0001); a global pin also shows on the home page and every category; either may end
  // by itself at pinned_until.
  await db.schema
    .alterTable('topics')
    .addColumn('pinned_globally', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('pinned_until', 'timestamptz')
    .execute();
  await sql`create index topics_global_pins on topics (pinned_at desc) where pinned_globally and pinned_at is not null and deleted_at is null`.execute(db);
  // Members hide a global pin for themselves.
  await db.schema
    .createTable('pin_dismissals')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('topic_id', 'integer', (c) => c.notNull().references('topics.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('pin_dismissals_pk', ['user_id', 'topic_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('pin_dismissals').execute();
  await sql`drop index topics_global_pins`.execute(db);
  await db.schema.alterTable('topics').dropColumn('pinned_globally').dropColumn('pinned_until').execute();
}
