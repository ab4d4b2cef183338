import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
//
// Every app instance keeps guests' pages for a short while (web/guest-cache.ts). These statement triggers tell
// every instance, at commit and through the live channel, which topics just changed, so their cached pages are
// dropped at once instead of when they expire:
// - rows that belong to a topic (posts, the topic itself, its poll, contest and winners): {"kind":"topics","topics":[ids]}
//   — over 100 topics in one statement (a bulk import, a recook) become {"kind":"topics"}: drop everything;
// - what every page shows (category names and access, settings, people's names and roles): {"kind":"topics"}.
// Counters and other bookkeeping (category counts, last-seen times, trust levels) do not fire: only the columns named.
const TOPIC_ROWS = ['posts', 'polls', 'contests', 'contest_winners'];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function veche_announce_topics(ids integer[]) returns void language plpgsql as $$
    begin
      if ids is null then
        return;
      end if;
      if array_length(ids, 1) > 100 then
        perform pg_notify('veche_events', '{"kind":"topics"}');
      else
        perform pg_notify('veche_events', json_build_object('kind', 'topics', 'topics', ids)::text);
      end if;
    end $$`.execute(db);
  // The transition tables are "changed" (new rows) and "previous" (old rows); an UPDATE has both, since a post
  // moved by a merge or split changes two topics.
  await sql`
    create function veche_topic_rows_changed() returns trigger language plpgsql as $$
    declare
      ids integer[];
    begin
      if TG_OP = 'INSERT' then
        select array_agg(t) into ids from (select distinct topic_id as t from changed limit 101) s;
      elsif TG_OP = 'DELETE' then
        select array_agg(t) into ids from (select distinct topic_id as t from previous limit 101) s;
      else
        select array_agg(t) into ids from (select topic_id as t from changed union select topic_id from previous limit 101) s;
      end if;
      perform veche_announce_topics(ids);
      return null;
    end $$`.execute(db);
  await sql`
    create function veche_topics_changed() returns trigger language plpgsql as $$
    declare
      ids integer[];
    begin
      if TG_OP = 'DELETE' then
        select array_agg(t) into ids from (select id as t from previous limit 101) s;
      else
        select array_agg(t) into ids from (select id as t from changed limit 101) s;
      end if;
      perform veche_announce_topics(ids);
      return null;
    end $$`.execute(db);
  await sql`
    create function veche_everything_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('veche_events', '{"kind":"topics"}');
      return null;
    end $$`.execute(db);

  for (const table of TOPIC_ROWS) {
    const t = sql.raw(table);
    await sql`create trigger ${sql.raw(`${table}_cache_insert`)} after insert on ${t}
              referencing new table as changed for each statement execute function veche_topic_rows_changed()`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_cache_update`)} after update on ${t}
              referencing old table as previous new table as changed for each statement execute function veche_topic_rows_changed()`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_cache_delete`)} after delete on ${t}
              referencing old table as previous for each statement execute function veche_topic_rows_changed()`.execute(db);
  }
  await sql`create trigger topics_cache_insert after insert on topics
            referencing new table as changed for each statement execute function veche_topics_changed()`.execute(db);
  await sql`create trigger topics_cache_update after update on topics
            referencing new table as changed for each statement execute function veche_topics_changed()`.execute(db);
  await sql`create trigger topics_cache_delete after delete on topics
            referencing old table as previous for each statement execute function veche_topics_changed()`.execute(db);

  await sql`create trigger categories_cache after insert or delete or truncate
              or update of parent_id, name, slug, description, color, kind, read_access, post_access, position, approval_below_tl
            on categories for each statement execute function veche_everything_changed()`.execute(db);
  await sql`create trigger settings_cache after insert or update or delete or truncate on settings
            for each statement execute function veche_everything_changed()`.execute(db);
  await sql`create trigger users_cache after update of username, display_name, role on users
            for each statement execute function veche_everything_changed()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger users_cache on users`.execute(db);
  await sql`drop trigger settings_cache on settings`.execute(db);
  await sql`drop trigger categories_cache on categories`.execute(db);
  for (const table of ['topics', ...TOPIC_ROWS]) {
    for (const op of ['insert', 'update', 'delete']) await sql`drop trigger ${sql.raw(`${table}_cache_${op}`)} on ${sql.raw(table)}`.execute(db);
  }
  await sql`drop function veche_everything_changed()`.execute(db);
  await sql`drop function veche_topics_changed()`.execute(db);
  await sql`drop function veche_topic_rows_changed()`.execute(db);
  await sql`drop function veche_announce_topics(integer[])`.execute(db);
}
