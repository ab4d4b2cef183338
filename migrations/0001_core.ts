import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('username_key', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_key', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('member').check(sql`role in ('member','moderator','staff','admin')`))
    .addColumn('trust_level', 'smallint', (c) => c.notNull().defaultTo(0).check(sql`trust_level between 0 and 4`))
    .addColumn('reputation', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('display_name', 'text')
    .addColumn('locale', 'text', (c) => c.check(sql`locale in ('ru','en')`))
    .addColumn('topic_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('post_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('silenced_until', 'timestamptz')
    .addColumn('suspended_until', 'timestamptz')
    .addColumn('suspended_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();
  await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('categories')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('parent_id', 'integer', (c) => c.references('categories.id').onDelete('restrict'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('color', 'text', (c) => c.notNull().defaultTo('#3b82f6').check(sql`color ~ '^#[0-9a-f]{6}$'`))
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('discussion').check(sql`kind in ('discussion','questions','ideas','announcements')`))
    .addColumn('read_access', 'text', (c) => c.notNull().defaultTo('everyone').check(sql`read_access in ('everyone','members','staff')`))
    .addColumn('post_access', 'text', (c) => c.notNull().defaultTo('members').check(sql`post_access in ('members','staff')`))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('topic_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('post_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_posted_at', 'timestamptz')
    .addColumn('last_topic_id', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('topics')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('category_id', 'integer', (c) => c.notNull().references('categories.id'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('pinned_at', 'timestamptz')
    .addColumn('locked_at', 'timestamptz')
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('last_post_number', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('reply_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('view_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_posted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_post_user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Category pages page by key (last_posted_at, id); the few pinned topics come from their own small index.
  await sql`create index topics_category_latest on topics (category_id, last_posted_at desc, id desc) where deleted_at is null`.execute(db);
  await sql`create index topics_category_pinned on topics (category_id, pinned_at desc) where deleted_at is null and pinned_at is not null`.execute(db);
  await sql`create index topics_latest on topics (last_posted_at desc, id desc) where deleted_at is null`.execute(db);
  await db.schema.createIndex('topics_user_id').on('topics').columns(['user_id', 'created_at']).execute();

  await db.schema
    .createTable('posts')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('topic_id', 'integer', (c) => c.notNull().references('topics.id'))
    .addColumn('post_number', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('reply_to_post_id', 'integer', (c) => c.references('posts.id'))
    .addColumn('body_md', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text', (c) => c.notNull())
    .addColumn('cook_version', 'integer', (c) => c.notNull())
    .addColumn('revision_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('edited_at', 'timestamptz')
    .addColumn('last_editor_id', 'integer', (c) => c.references('users.id'))
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('deleted_by_id', 'integer', (c) => c.references('users.id'))
    .addColumn('hidden_at', 'timestamptz')
    .addColumn('hidden_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('posts_topic_number', ['topic_id', 'post_number'])
    .execute();
  await db.schema.createIndex('posts_user_id').on('posts').columns(['user_id', 'created_at']).execute();
  await db.schema.createIndex('posts_cook_version').on('posts').column('cook_version').execute();

  await db.schema
    .createTable('post_revisions')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id'))
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('body_md', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text', (c) => c.notNull())
    .addColumn('editor_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('post_revisions_post_revision', ['post_id', 'revision'])
    .execute();

  // Fixed-window counters shared by every app instance (login throttling, posting limits).
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('window_started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .execute();

  // A brand-new forum starts with one category so the first people can post at once.
  await db
    .insertInto('categories')
    .values({ name: 'Общее', slug: 'general', description: 'Обо всём, что не нашло места в других разделах.', color: '#2563eb' })
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['rate_limits', 'post_revisions', 'posts', 'topics', 'categories', 'sessions', 'users']) {
    await db.schema.dropTable(t).execute();
  }
}
