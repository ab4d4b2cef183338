import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
//
// The search index moves out of `posts` into a narrow table of its own, one row per post, that also carries what
// the search filters on: the post's topic, category, author, number and date, whether the post is visible (post
// and topic neither deleted nor hidden) and whether its topic is unlisted. A search then reads only this table and
// the handful of category rows — not the wide post rows (bodies, cooked HTML) and not a join to every topic, which
// at a million posts was most of a search's time. Triggers keep every row exact in the writing transaction:
// - a new post (any number in one statement) gets its row, vector computed as in migration 0009: the topic title
//   at weight A on a first post, the body below it;
// - an edit, hide, delete, restore, renumbering or move of a post (merge, split) recomputes the post's row;
// - a topic's new title recomputes its first post's vector; its move, deletion, restoration or unlisting updates
//   the flags of all its posts' rows.
// The rows read the topic without locking it: a reply already holds its topic's row (it bumps the counters first),
// and a share lock taken by an edit or delete that then updates the topic's counters would deadlock two of them in
// one topic. What a stale row could do is bounded: a search checks the page's rows against the posts, topics and
// categories themselves (server/features/search/search.queries.ts), so the table decides what is found, never
// what is shown. `post_search_refresh(from, to)` recomputes the rows of a range of post ids (npm run reindex).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table post_search (
      post_id integer primary key references posts (id) on delete cascade,
      topic_id integer not null,
      category_id integer not null,
      user_id integer not null,
      post_number integer not null,
      created_at timestamptz not null,
      visible boolean not null,
      unlisted boolean not null,
      vector tsvector not null
    )`.execute(db);
  await sql`
    create function post_search_vector(title text, body text, post_number integer) returns tsvector
    language sql immutable parallel safe as $$
      select case when post_number = 1
                  then setweight(to_tsvector('russian'::regconfig, coalesce(title, '')), 'A') || to_tsvector('russian'::regconfig, left(body, 100000))
                  else to_tsvector('russian'::regconfig, left(body, 100000)) end
    $$`.execute(db);
  await sql`
    create function post_search_refresh(from_id integer, to_id integer) returns integer language plpgsql as $$
    declare
      n integer;
    begin
      insert into post_search (post_id, topic_id, category_id, user_id, post_number, created_at, visible, unlisted, vector)
      select p.id, p.topic_id, t.category_id, p.user_id, p.post_number, p.created_at,
             p.deleted_at is null and p.hidden_at is null and t.deleted_at is null, t.unlisted_at is not null,
             post_search_vector(t.title, p.body_md, p.post_number)
        from posts p join topics t on t.id = p.topic_id
       where p.id between from_id and to_id
      on conflict (post_id) do update set
        topic_id = excluded.topic_id, category_id = excluded.category_id, user_id = excluded.user_id,
        post_number = excluded.post_number, created_at = excluded.created_at, visible = excluded.visible,
        unlisted = excluded.unlisted, vector = excluded.vector;
      get diagnostics n = row_count;
      return n;
    end $$`.execute(db);

  // New posts: one statement-level trigger, so a bulk insert (an import, the seed) costs one join, not a query a row.
  await sql`
    create function post_search_insert() returns trigger language plpgsql as $$
    begin
      insert into post_search (post_id, topic_id, category_id, user_id, post_number, created_at, visible, unlisted, vector)
      select p.id, p.topic_id, t.category_id, p.user_id, p.post_number, p.created_at,
             p.deleted_at is null and p.hidden_at is null and t.deleted_at is null, t.unlisted_at is not null,
             post_search_vector(t.title, p.body_md, p.post_number)
        from changed p join topics t on t.id = p.topic_id;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger post_search_insert after insert on posts referencing new table as changed
    for each statement execute function post_search_insert()`.execute(db);
  // Changed posts: a row trigger limited to the columns the row is made of (reaction counts and the like do not fire).
  await sql`
    create function post_search_update() returns trigger language plpgsql as $$
    begin
      perform post_search_refresh(new.id, new.id);
      return null;
    end $$`.execute(db);
  await sql`
    create trigger post_search_update after update of topic_id, post_number, user_id, body_md, deleted_at, hidden_at, created_at on posts
    for each row execute function post_search_update()`.execute(db);
  await sql`
    create function post_search_topic() returns trigger language plpgsql as $$
    begin
      if new.title is distinct from old.title then
        update post_search s set vector = post_search_vector(new.title, p.body_md, p.post_number)
          from posts p where s.topic_id = new.id and s.post_number = 1 and p.id = s.post_id;
      end if;
      if new.category_id is distinct from old.category_id or new.deleted_at is distinct from old.deleted_at
         or new.unlisted_at is distinct from old.unlisted_at then
        update post_search s set category_id = new.category_id, unlisted = new.unlisted_at is not null,
               visible = p.deleted_at is null and p.hidden_at is null and new.deleted_at is null
          from posts p where s.topic_id = new.id and p.id = s.post_id;
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger post_search_topic after update of title, category_id, deleted_at, unlisted_at on topics
    for each row execute function post_search_topic()`.execute(db);

  // The old index, kept in posts by migration 0009, goes.
  await sql`drop trigger topics_search_title on topics`.execute(db);
  await sql`drop function topics_search_title()`.execute(db);
  await sql`drop trigger posts_search_vector on posts`.execute(db);
  await sql`drop function posts_search_vector()`.execute(db);
  await sql`drop index posts_search`.execute(db);
  await sql`alter table posts drop column search_vector`.execute(db);

  // Existing posts, then the indexes (built once over the filled table, faster than kept up row by row).
  await sql`select post_search_refresh(0, 2147483647)`.execute(db);
  await sql`create index post_search_vector on post_search using gin (vector)`.execute(db);
  await sql`create index post_search_topic on post_search (topic_id)`.execute(db);
  await sql`analyze post_search`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger post_search_topic on topics`.execute(db);
  await sql`drop function post_search_topic()`.execute(db);
  await sql`drop trigger post_search_update on posts`.execute(db);
  await sql`drop function post_search_update()`.execute(db);
  await sql`drop trigger post_search_insert on posts`.execute(db);
  await sql`drop function post_search_insert()`.execute(db);
  await sql`drop function post_search_refresh(integer, integer)`.execute(db);
  await sql`alter table posts add column search_vector tsvector`.execute(db);
  await sql`update posts p set search_vector = s.vector from post_search s where s.post_id = p.id`.execute(db);
  await sql`drop table post_search`.execute(db);
  await sql`drop function post_search_vector(text, text, integer)`.execute(db);
  await sql`create index posts_search on posts using gin (search_vector)`.execute(db);
  await sql`
    create function posts_search_vector() returns trigger language plpgsql as $$
    begin
      new.search_vector := to_tsvector('russian'::regconfig, left(new.body_md, 100000));
      if new.post_number = 1 then
        new.search_vector := setweight(to_tsvector('russian'::regconfig, coalesce((select title from topics where id = new.topic_id), '')), 'A')
          || new.search_vector;
      end if;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger posts_search_vector before insert or update of body_md, post_number, topic_id on posts
    for each row execute function posts_search_vector()`.execute(db);
  await sql`
    create function topics_search_title() returns trigger language plpgsql as $$
    begin
      update posts set body_md = body_md where topic_id = new.id and post_number = 1;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger topics_search_title after update of title on topics
    for each row when (old.title is distinct from new.title) execute function topics_search_title()`.execute(db);
}
