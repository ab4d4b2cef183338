import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  // Flaggers' track record: the share of their handled flags that moderators agreed with adds weight to new ones.
  await db.schema
    .alterTable('users')
    .addColumn('flags_agreed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('flags_disagreed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('silenced_reason', 'text')
    .execute();

  await db.schema
    .alterTable('topics')
    .addColumn('closed_at', 'timestamptz')
    // Per-topic slow mode: one post per user per this many seconds (0: off).
    .addColumn('slow_mode_seconds', 'integer', (c) => c.notNull().defaultTo(0).check(sql`slow_mode_seconds between 0 and 604800`))
    // A topic merged into another keeps its row so its old URL can redirect.
    .addColumn('merged_into_id', 'integer', (c) => c.references('topics.id'))
    .execute();

  await db.schema.alterTable('posts').addColumn('hidden_by_id', 'integer', (c) => c.references('users.id')).execute();

  // Categories may hold back posts by members below a trust level for approval (0: nobody is held back).
  await db.schema
    .alterTable('categories')
    .addColumn('approval_below_tl', 'smallint', (c) => c.notNull().defaultTo(0).check(sql`approval_below_tl between 0 and 5`))
    .execute();

  // One row per flag. A user has at most one open flag per post.
  await db.schema
    .createTable('flags')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`reason in ('spam','abuse','off_topic','staff','other')`))
    .addColumn('note', 'text', (c) => c.notNull().defaultTo('').check(sql`char_length(note) <= 500`))
    .addColumn('weight', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status in ('open','agreed','disagreed')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('handled_at', 'timestamptz')
    .addColumn('handled_by_id', 'integer', (c) => c.references('users.id'))
    .execute();
  await sql`create unique index flags_open_per_user on flags (post_id, user_id) where status = 'open'`.execute(db);
  await db.schema.createIndex('flags_user_created').on('flags').columns(['user_id', 'created_at']).execute();

  // The review queue: one item per flagged post while it is pending (flags from many users collapse into it).
  await db.schema
    .createTable('review_items')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id'))
    .addColumn('score', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending','agreed','disagreed')`))
    // Deferred items sink below the others until a new flag arrives.
    .addColumn('deferred_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('handled_at', 'timestamptz')
    .addColumn('handled_by_id', 'integer', (c) => c.references('users.id'))
    .addColumn('outcome_reason', 'text')
    .execute();
  await sql`create unique index review_items_pending on review_items (post_id) where status = 'pending'`.execute(db);
  await sql`create index review_items_queue on review_items ((deferred_at is not null), score desc, id) where status = 'pending'`.execute(db);
  await db.schema.alterTable('flags').addColumn('review_item_id', 'integer', (c) => c.references('review_items.id')).execute();

  // Posts held for approval (pre-moderation, word and link rules). The post (or topic) is created only on approval,
  // with the original time, so numbering stays gapless; a rejected one stays here for its author with the reason.
  await db.schema
    .createTable('queued_posts')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    // A reply names its topic; a new topic names its category and title.
    .addColumn('topic_id', 'integer', (c) => c.references('topics.id'))
    .addColumn('category_id', 'integer', (c) => c.references('categories.id'))
    .addColumn('title', 'text')
    .addColumn('body_md', 'text', (c) => c.notNull())
    .addColumn('reply_to_post_id', 'integer', (c) => c.references('posts.id'))
    // Which rule held it (e.g. `new_user`, `category`, `word:…`, `links`), for the moderator.
    .addColumn('held_reason', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending','approved','rejected')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('handled_at', 'timestamptz')
    .addColumn('handled_by_id', 'integer', (c) => c.references('users.id'))
    .addColumn('rejected_reason', 'text')
    .addColumn('post_id', 'integer', (c) => c.references('posts.id'))
    .addCheckConstraint('queued_posts_target', sql`(topic_id is not null) <> (category_id is not null and title is not null)`)
    .execute();
  await sql`create index queued_posts_pending on queued_posts (created_at, id) where status = 'pending'`.execute(db);
  await db.schema.createIndex('queued_posts_user').on('queued_posts').columns(['user_id', 'created_at']).execute();

  // Silence and suspension history (the current state is cached on users.silenced_until / suspended_until).
  await db.schema
    .createTable('sanctions')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('silence','suspend')`))
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`char_length(reason) between 1 and 500`))
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor_id', 'integer', (c) => c.references('users.id'))
    .addColumn('lifted_at', 'timestamptz')
    .addColumn('lifted_by_id', 'integer', (c) => c.references('users.id'))
    .execute();
  await db.schema.createIndex('sanctions_user').on('sanctions').columns(['user_id', 'starts_at']).execute();

  // The audit log: append-only. Rows are written in the same transaction as the action they record.
  await db.schema
    .createTable('moderation_actions')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('actor_id', 'integer', (c) => c.references('users.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('topic_id', 'integer', (c) => c.references('topics.id'))
    .addColumn('post_id', 'integer', (c) => c.references('posts.id'))
    .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index moderation_actions_created on moderation_actions (created_at desc, id desc)`.execute(db);
  await sql`create index moderation_actions_actor on moderation_actions (actor_id, created_at desc, id desc)`.execute(db);
  await sql`create index moderation_actions_action on moderation_actions (action, created_at desc, id desc)`.execute(db);
  await sql`create index moderation_actions_target on moderation_actions (target_user_id, created_at desc, id desc)`.execute(db);
  await sql`
    create function moderation_actions_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'the audit log is append-only';
    end $$`.execute(db);
  await sql`
    create trigger moderation_actions_append_only before update or delete on moderation_actions
    for each statement execute function moderation_actions_append_only()`.execute(db);
  await sql`
    create trigger moderation_actions_no_truncate before truncate on moderation_actions
    for each statement execute function moderation_actions_append_only()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('moderation_actions').execute();
  await sql`drop function moderation_actions_append_only()`.execute(db);
  for (const t of ['sanctions', 'queued_posts', 'flags', 'review_items']) await db.schema.dropTable(t).execute();
  await db.schema.alterTable('posts').dropColumn('hidden_by_id').execute();
  await db.schema.alterTable('categories').dropColumn('approval_below_tl').execute();
  await db.schema.alterTable('topics').dropColumn('closed_at').dropColumn('slow_mode_seconds').dropColumn('merged_into_id').execute();
  await db.schema.alterTable('users').dropColumn('flags_agreed').dropColumn('flags_disagreed').dropColumn('silenced_reason').execute();
}
