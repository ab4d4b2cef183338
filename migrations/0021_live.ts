import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  // Open live streams, one row each, so a per-user limit holds across app instances (which share no memory).
  // An instance renews its rows' expiry while the streams are open; a crashed instance's rows simply expire.
  await db.schema
    .createTable('stream_leases')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('instance', 'text', (c) => c.notNull().check(sql`length(instance) <= 64`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`create index stream_leases_user on stream_leases (user_id)`.execute(db);
  await sql`create index stream_leases_expires on stream_leases (expires_at)`.execute(db);

  // Reactions to a post are told as one notification while it is unread: concurrent reactions upsert this row.
  // Who a new post's fan-out told, found by the post, so their bells can be refreshed live (live/events.ts).
  await sql`create index notifications_post_unread on notifications (post_id) where read_at is null`.execute(db);
  await sql`create unique index notifications_reaction_unread on notifications (user_id, post_id) where kind = 'reaction' and read_at is null`.execute(db);

  // Ended sessions (logout, password change, suspension, pruning — whatever deletes them) are announced on the live
  // channel, once per statement, so every instance can close the streams those sessions opened at once.
  await sql`
    create function veche_sessions_ended() returns trigger language plpgsql as $$
    declare
      ids integer[];
    begin
      select array_agg(u) into ids from (select distinct user_id as u from ended limit 101) s;
      if ids is null then
        return null;
      end if;
      if array_length(ids, 1) > 100 then
        perform pg_notify('veche_events', '{"kind":"session_ended"}');
      else
        perform pg_notify('veche_events', json_build_object('kind', 'session_ended', 'users', ids)::text);
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger sessions_ended after delete on sessions
    referencing old table as ended for each statement execute function veche_sessions_ended()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger sessions_ended on sessions`.execute(db);
  await sql`drop function veche_sessions_ended()`.execute(db);
  await sql`drop index notifications_reaction_unread`.execute(db);
  await sql`drop index notifications_post_unread`.execute(db);
  await db.schema.dropTable('stream_leases').execute();
}
