import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  // A contest is a topic with contest settings: its first post holds the rules, replies before the deadline are
  // entries. Whether entries are still taken is computed on read from entry_deadline (no job flips a flag).
  await db.schema
    .createTable('contests')
    .addColumn('topic_id', 'integer', (c) => c.primaryKey().references('topics.id').onDelete('cascade'))
    .addColumn('entry_deadline', 'timestamptz', (c) => c.notNull())
    .addColumn('voting_mode', 'text', (c) => c.notNull().defaultTo('staff').check(sql`voting_mode in ('staff', 'reactions')`))
    .addColumn('created_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('finished_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .execute();

  // Places 1-3, or null for a plain "winner". NULLs are distinct in a unique constraint, so several plain winners
  // may share a contest while each numbered place is given once. One place per entry and per member.
  await db.schema
    .createTable('contest_winners')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('topic_id', 'integer', (c) => c.notNull().references('contests.topic_id').onDelete('cascade'))
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('place', 'integer', (c) => c.check(sql`place between 1 and 3`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('contest_winners_place', ['topic_id', 'place'])
    .addUniqueConstraint('contest_winners_post', ['post_id'])
    .addUniqueConstraint('contest_winners_user', ['topic_id', 'user_id'])
    .execute();

  // The badge winners receive; its texts live in the catalogues like the other keyed badges.
  await db.insertInto('badges').values({ key: 'contest_winner', icon: '🏆', position: 100 }).onConflict((oc) => oc.column('key').doNothing()).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('contest_winners').execute();
  await db.schema.dropTable('contests').execute();
  await db.deleteFrom('badges').where('key', '=', 'contest_winner').execute();
}
