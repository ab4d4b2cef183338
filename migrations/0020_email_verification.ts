import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  // When the account's current address was confirmed. The default marks every existing account (an upgrade
  // must not lock anyone out) and every account made outside the sign-up form (CLI, scripts) as confirmed;
  // the sign-up form stores null when the forum asks for confirmation.
  await db.schema.alterTable('users').addColumn('email_verified_at', 'timestamptz', (c) => c.defaultTo(sql`now()`)).execute();

  // Confirmation links: only the hash of the random token is kept; single use, with an expiry, and tied to the
  // address they were sent to (a link for an address the account no longer has confirms nothing).
  await db.schema
    .createTable('email_verifications')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('email_key', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('email_verifications_user').on('email_verifications').column('user_id').execute();

  // Half-written replies and topics, one per member and place: 'new_topic' or 'topic:<id>'. Sizes match the
  // posting forms' limits.
  await db.schema
    .createTable('drafts')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull().check(sql`key = 'new_topic' or key ~ '^topic:[1-9][0-9]{0,11}$'`))
    .addColumn('title', 'text', (c) => c.notNull().defaultTo('').check(sql`char_length(title) <= 300`))
    .addColumn('body', 'text', (c) => c.notNull().defaultTo('').check(sql`char_length(body) <= 50000`))
    .addColumn('category_id', 'integer', (c) => c.references('categories.id').onDelete('set null'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('drafts_pk', ['user_id', 'key'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('drafts').execute();
  await db.schema.dropTable('email_verifications').execute();
  await db.schema.alterTable('users').dropColumn('email_verified_at').execute();
}
