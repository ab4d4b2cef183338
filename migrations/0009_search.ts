import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
//
// Full-text search in Russian and English with one configuration: PostgreSQL's `russian` configuration stems
// Cyrillic words with the Russian Snowball stemmer and Latin words with the English one, so "роутеры" finds
// "роутера" and "configured" finds "configuring" in the same index.
//
// One vector per post. A topic's first post also carries the topic title (weight A, above the body's D), so a
// query like «роутер квартира» finds a topic whose title says one word and whose first post says the other.
// Triggers keep the vector exact on every insert, edit, renumbering (merge/split) and title change.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table posts add column search_vector tsvector`.execute(db);
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
  // Existing posts: touching body_md fires the trigger.
  await sql`update posts set body_md = body_md`.execute(db);
  await sql`create index posts_search on posts using gin (search_vector)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger topics_search_title on topics`.execute(db);
  await sql`drop function topics_search_title()`.execute(db);
  await sql`drop trigger posts_search_vector on posts`.execute(db);
  await sql`drop function posts_search_vector()`.execute(db);
  await sql`drop index posts_search`.execute(db);
  await sql`alter table posts drop column search_vector`.execute(db);
}
