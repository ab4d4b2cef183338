import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  // A notification is mailed at most once: emailed_at is set in the transaction that enqueues its mail.
  await db.schema.alterTable('notifications').addColumn('emailed_at', 'timestamptz').execute();
  // What the mail job scans: unread, not yet mailed, recent.
  await sql`create index notifications_mail_due on notifications (created_at) where read_at is null and emailed_at is null`.execute(db);

  // Per-user mail choices. No row, a group missing from `kinds` or a null digest mean the defaults (kept in code);
  // a row is made on the first save, unsubscribe, digest or notification mail. `kinds` maps a notification group
  // to 'always' | 'away' | 'never'.
  await db.schema
    .createTable('email_prefs')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('kinds', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('digest', 'text', (c) => c.check(sql`digest in ('none','daily','weekly')`))
    .addColumn('last_digest_at', 'timestamptz')
    .addColumn('last_notice_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Extra headers of a queued mail (List-Unsubscribe and friends), sent as they are.
  await db.schema.alterTable('outbox').addColumn('headers', 'jsonb').execute();

  // A signing key for links that must work without a session (one-click unsubscribe), used when SECRET_KEY is
  // not configured: random per installation, shared by every instance, never shown anywhere.
  await db.schema
    .createTable('app_secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // gen_random_uuid() draws from the server's strong random source (core since PostgreSQL 13): 2 × 122 random bits.
  await sql`insert into app_secrets (name, value) values ('signing', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('app_secrets').execute();
  await db.schema.alterTable('outbox').dropColumn('headers').execute();
  await db.schema.dropTable('email_prefs').execute();
  await sql`drop index notifications_mail_due`.execute(db);
  await db.schema.alterTable('notifications').dropColumn('emailed_at').execute();
}
