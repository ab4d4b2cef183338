import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  // A level set by staff and locked is never changed by the automatic rules; changed_at starts TL3's grace period.
  await db.schema
    .alterTable('users')
    .addColumn('trust_level_locked', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('trust_level_changed_at', 'timestamptz')
    .execute();

  // Per user per topic: the highest post number read (also the basis of unread tracking).
  await db.schema
    .createTable('topic_reads')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('topic_id', 'integer', (c) => c.notNull().references('topics.id').onDelete('cascade'))
    .addColumn('last_read_post_number', 'integer', (c) => c.notNull().check(sql`last_read_post_number >= 0`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('topic_reads_pkey', ['user_id', 'topic_id'])
    .execute();
  await db.schema.createIndex('topic_reads_topic_id').on('topic_reads').column('topic_id').execute();

  // One row per user per (UTC) day with at least one page view recorded.
  await db.schema
    .createTable('user_visits')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('day', 'date', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_visits_pkey', ['user_id', 'day'])
    .execute();

  // Counters kept by the activity flush (one row per user who has read anything).
  await db.schema
    .createTable('user_stats')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('topics_entered', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('posts_read', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('time_read_seconds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('days_visited', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // The periodic trust job looks at recently active users first.
  await db.schema.createIndex('user_stats_updated_at').on('user_stats').column('updated_at').execute();

  // The job runner: when each job last ran (shared, so N instances run a job once per interval, not N times).
  await db.schema
    .createTable('job_runs')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz')
    .addColumn('error', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('job_runs').execute();
  await db.schema.dropTable('user_stats').execute();
  await db.schema.dropTable('user_visits').execute();
  await db.schema.dropTable('topic_reads').execute();
  await db.schema.alterTable('users').dropColumn('trust_level_changed_at').dropColumn('trust_level_locked').execute();
}
