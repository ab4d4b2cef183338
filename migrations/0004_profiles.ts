import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  // The profile's "about me": markdown as typed, and the HTML cooked from it once on save (like posts).
  await db.schema
    .alterTable('users')
    .addColumn('bio_md', 'text', (c) => c.notNull().defaultTo('').check(sql`char_length(bio_md) <= 3000`))
    .addColumn('bio_html', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('bio_cook_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Limits the settings form enforces, kept by the database too (no existing value can break them: the column was unused).
  await sql`alter table users add constraint users_display_name_length check (char_length(display_name) <= 60)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table users drop constraint users_display_name_length`.execute(db);
  await db.schema.alterTable('users').dropColumn('bio_cook_version').dropColumn('bio_html').dropColumn('bio_md').execute();
}
