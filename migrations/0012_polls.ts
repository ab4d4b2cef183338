import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  // One poll per topic, attached by the topic's starter. Counts are kept in the rows (voter_count here,
  // vote_count per option) and moved in the voting transaction with the poll row locked, so they stay exact.
  await db.schema
    .createTable('polls')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('topic_id', 'integer', (c) => c.notNull().unique().references('topics.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('question', 'text', (c) => c.notNull().check(sql`char_length(question) between 1 and 300`))
    .addColumn('multiple', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('max_choices', 'integer', (c) => c.notNull().defaultTo(1).check(sql`max_choices between 1 and 20`))
    .addColumn('results_visibility', 'text', (c) => c.notNull().defaultTo('always').check(sql`results_visibility in ('always', 'voted', 'closed')`))
    .addColumn('closes_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('closed_by_id', 'integer', (c) => c.references('users.id'))
    .addColumn('voter_count', 'integer', (c) => c.notNull().defaultTo(0).check(sql`voter_count >= 0`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('poll_options')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('poll_id', 'integer', (c) => c.notNull().references('polls.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull().check(sql`position between 1 and 20`))
    .addColumn('label', 'text', (c) => c.notNull().check(sql`char_length(label) between 1 and 200`))
    .addColumn('vote_count', 'integer', (c) => c.notNull().defaultTo(0).check(sql`vote_count >= 0`))
    .addUniqueConstraint('poll_options_position', ['poll_id', 'position'])
    .execute();

  // A ballot is the set of a member's rows for one poll; changing a vote replaces the set.
  await db.schema
    .createTable('poll_votes')
    .addColumn('poll_id', 'integer', (c) => c.notNull().references('polls.id').onDelete('cascade'))
    .addColumn('option_id', 'integer', (c) => c.notNull().references('poll_options.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('poll_votes_pkey', ['option_id', 'user_id'])
    .execute();
  await sql`create index poll_votes_ballot on poll_votes (poll_id, user_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('poll_votes').execute();
  await db.schema.dropTable('poll_options').execute();
  await db.schema.dropTable('polls').execute();
}
