import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.

/** The built-in badges as they were when this migration was written (their texts live in the i18n catalogues). */
const BUILTIN = [
  ['first_post', '✍️', 10],
  ['first_reaction', '👋', 20],
  ['first_accepted', '✅', 30],
  ['helpful', '🤝', 40],
  ['expert', '🎓', 50],
  ['welcoming', '🌱', 60],
  ['popular_post', '🔥', 70],
  ['anniversary', '🎂', 80],
  ['trusted', '🛡️', 90],
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  // Built-in badges have a key (their rule and texts are in code); custom ones, made by staff, carry their own texts.
  await db.schema
    .createTable('badges')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('key', 'text', (c) => c.unique().check(sql`key ~ '^[a-z0-9_]{1,40}$'`))
    .addColumn('icon', 'text', (c) => c.notNull().check(sql`char_length(icon) between 1 and 16`))
    .addColumn('name_en', 'text', (c) => c.notNull().defaultTo('').check(sql`char_length(name_en) <= 60`))
    .addColumn('name_ru', 'text', (c) => c.notNull().defaultTo('').check(sql`char_length(name_ru) <= 60`))
    .addColumn('description_en', 'text', (c) => c.notNull().defaultTo('').check(sql`char_length(description_en) <= 300`))
    .addColumn('description_ru', 'text', (c) => c.notNull().defaultTo('').check(sql`char_length(description_ru) <= 300`))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(1000))
    .addColumn('created_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // A custom badge needs a name in at least one language; a built-in one takes its texts from the catalogues.
    .addCheckConstraint('badges_named', sql`key is not null or name_en <> '' or name_ru <> ''`)
    .execute();
  await db
    .insertInto('badges')
    .values(BUILTIN.map(([key, icon, position]) => ({ key, icon, position })))
    .execute();

  // One row per badge a user holds: every badge is one-time, so awarding twice is a conflict that does nothing.
  await db.schema
    .createTable('user_badges')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('badge_id', 'integer', (c) => c.notNull().references('badges.id').onDelete('cascade'))
    .addColumn('granted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('granted_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('reason', 'text', (c) => c.check(sql`char_length(reason) <= 500`))
    .addColumn('post_id', 'integer', (c) => c.references('posts.id').onDelete('set null'))
    .addUniqueConstraint('user_badges_user_badge', ['user_id', 'badge_id'])
    .execute();
  // Holders of a badge, paged by key (id), and the count per badge.
  await db.schema.createIndex('user_badges_badge').on('user_badges').columns(['badge_id', 'id']).execute();

  // Staff grants and revocations of custom badges, with the reason (revoking deletes the holding, not this record).
  await db.schema
    .createTable('badge_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('badge_id', 'integer', (c) => c.notNull().references('badges.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('grant','revoke')`))
    .addColumn('actor_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('reason', 'text', (c) => c.notNull().defaultTo('').check(sql`char_length(reason) <= 500`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('badge_events_user').on('badge_events').columns(['user_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('badge_events').execute();
  await db.schema.dropTable('user_badges').execute();
  await db.schema.dropTable('badges').execute();
}
