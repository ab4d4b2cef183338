import { type Kysely, sql } from 'kysely';

// Frozen in time: takes Kysely<any>, imports no application code.
// Runs unchanged on PostgreSQL 15+ and on PGlite.
//
// The leaderboard's week and month read a kept summary of the reputation ledger instead of every event of the
// period: one row per UTC day and user holding the day's net delta. Statement triggers keep it exact for every
// insert, update (a backdated or corrected event moves between days) and delete of ledger rows, in the writing
// transaction; rows are upserted in (day, user) order, so concurrent writers lock them in one order and never
// deadlock. (No foreign key: a user deleted with their ledger rows leaves rows netting to zero, harmlessly.)
// A period's sum is then its whole days from the summary plus the part of its first day from the ledger
// itself (server/features/reputation/leaderboard.queries.ts), which is exactly the ledger's sum since the start.
//
// "Top answerers" probe each accepted answer's post for its author and state: this index answers that from the
// index alone, instead of one read of a wide post row per accepted answer.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table reputation_days (
      day date not null,
      user_id integer not null,
      delta integer not null,
      primary key (day, user_id) include (delta)
    )`.execute(db);
  await sql`
    create function reputation_days_apply() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into reputation_days (day, user_id, delta)
        select (created_at at time zone 'UTC')::date, user_id, sum(delta) from changed group by 1, 2 order by 1, 2
        on conflict (day, user_id) do update set delta = reputation_days.delta + excluded.delta;
      elsif tg_op = 'UPDATE' then
        insert into reputation_days (day, user_id, delta)
        select day, user_id, sum(delta) from (
          select (created_at at time zone 'UTC')::date as day, user_id, delta from changed
          union all
          select (created_at at time zone 'UTC')::date, user_id, -delta from previous
        ) moved group by 1, 2 order by 1, 2
        on conflict (day, user_id) do update set delta = reputation_days.delta + excluded.delta;
      else
        insert into reputation_days (day, user_id, delta)
        select (created_at at time zone 'UTC')::date, user_id, -sum(delta) from previous group by 1, 2 order by 1, 2
        on conflict (day, user_id) do update set delta = reputation_days.delta + excluded.delta;
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger reputation_days_insert after insert on reputation_events referencing new table as changed
    for each statement execute function reputation_days_apply()`.execute(db);
  await sql`
    create trigger reputation_days_update after update on reputation_events referencing old table as previous new table as changed
    for each statement execute function reputation_days_apply()`.execute(db);
  await sql`
    create trigger reputation_days_delete after delete on reputation_events referencing old table as previous
    for each statement execute function reputation_days_apply()`.execute(db);
  await sql`
    insert into reputation_days (day, user_id, delta)
    select (created_at at time zone 'UTC')::date, user_id, sum(delta) from reputation_events group by 1, 2`.execute(db);
  await sql`analyze reputation_days`.execute(db);
  await sql`create index posts_live_author on posts (id) include (user_id) where deleted_at is null and hidden_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index posts_live_author`.execute(db);
  await sql`drop trigger reputation_days_delete on reputation_events`.execute(db);
  await sql`drop trigger reputation_days_update on reputation_events`.execute(db);
  await sql`drop trigger reputation_days_insert on reputation_events`.execute(db);
  await sql`drop function reputation_days_apply()`.execute(db);
  await sql`drop table reputation_days`.execute(db);
}
