import { type Kysely } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  // The site banner itself is a setting (cached like the others); a member's dismissal is the id of the banner they
  // closed, read with the session — a new banner has a new id, so it shows again.
  await db.schema.alterTable('users').addColumn('dismissed_banner_id', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('dismissed_banner_id').execute();
}
