import { type RawBuilder, sql } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/index.js';
import type { Job } from '../../jobs/runner.js';
import { usernameKey } from '../../lib/identity.js';
import type { Viewer } from '../../policy/index.js';
import { FormError } from '../../web/forms.js';
import { NotFoundError } from '../../web/errors.js';
import { BUILTIN_BADGES, type BuiltinBadge, type Scope } from './badges.rules.js';
import * as q from './badges.queries.js';
import { notify } from '../notifications/notifications.service.js';

export interface Grant {
  user_id: number;
  badge_id: number;
}

/**
 * Evaluates the built-in rules and inserts what users have earned, in ONE statement: rules are set-based, so the
 * cost does not grow with a query per user. `scopeFor(badge)` narrows each rule to its users (null: skip the rule).
 * Run it after the triggering transaction has committed (it reads committed data only, so rolled-back work earns
 * nothing). Idempotent and safe to run concurrently from any number of instances: UNIQUE (user_id, badge_id) with
 * ON CONFLICT DO NOTHING grants once, and rows go in a fixed (user, badge) order so two overlapping runs cannot
 * deadlock. Returns the new grants.
 */
async function award(db: Database, scopeFor: (badge: BuiltinBadge) => Scope | null): Promise<Grant[]> {
  const parts = BUILTIN_BADGES.flatMap((b) => {
    const scope = scopeFor(b);
    return scope ? [sql`select ${b.key}::text as key, e.user_id, e.post_id from (${b.rule(scope)}) e`] : [];
  });
  if (!parts.length) return [];
  // The same statement tells each new holder (a notification per grant).
  const { rows } = await sql<Grant>`
    with granted as (
      insert into user_badges (user_id, badge_id, post_id)
      select c.user_id, b.id, c.post_id
      from (${sql.join(parts, sql` union all `)}) c join badges b on b.key = c.key
      where not exists (select 1 from user_badges ub where ub.user_id = c.user_id and ub.badge_id = b.id)
      order by c.user_id, b.id
      on conflict (user_id, badge_id) do nothing
      returning user_id, badge_id
    ), told as (
      insert into notifications (user_id, kind, data)
      select user_id, 'badge_granted', jsonb_build_object('badge_id', badge_id) from granted
    )
    -- Each new holder's open pages learn of it live (delivered on commit, like notify()).
    select user_id, badge_id, pg_notify('veche_events', json_build_object('user', user_id, 'kind', 'notification')::text) from granted`.execute(db);
  return rows.map(({ user_id, badge_id }) => ({ user_id, badge_id }));
}

/**
 * Awards the built-in badges the given users have earned (call after commit; see award()). Two statements whatever
 * the number of users: which built-in badges they already hold, then one insert whose rules run only for the users
 * still missing each badge — so the common case (a regular who holds the easy badges) skips most rules. `only`
 * limits the rules to the badges the triggering action can earn (a reaction cannot make anyone Welcoming).
 */
export async function awardBadgesFor(db: Database, userIds: readonly number[], only?: readonly string[]): Promise<Grant[]> {
  const ids = [...new Set(userIds.filter((id) => Number.isInteger(id) && id > 0))].sort((a, b) => a - b);
  if (!ids.length) return [];
  const held = await q.listHeldBuiltinKeys(db, ids);
  const has = new Set(held.map((h) => `${h.user_id}:${h.key}`));
  return award(db, (badge) => {
    if (only && !only.includes(badge.key)) return null;
    const missing = ids.filter((id) => !has.has(`${id}:${badge.key}`));
    return missing.length ? (column) => sql`${sql.ref(column)} in (${sql.join(missing)})` : null;
  });
}

/** Users per statement in the periodic sweep (keeps each statement short on a large forum). */
const SWEEP_RANGE = 5000;

/** The periodic sweep: awards every badge anyone has earned (time-based ones such as Anniversary need it), by id ranges. */
export async function awardAllBadges(db: Database): Promise<Grant[]> {
  const max = await q.maxUserId(db);
  const out: Grant[] = [];
  for (let lo = 1; lo <= max; lo += SWEEP_RANGE) {
    const hi = lo + SWEEP_RANGE - 1;
    const range = (column: string): RawBuilder<unknown> => sql`${sql.ref(column)} between ${sql.lit(lo)} and ${sql.lit(hi)}`;
    // A background pass over a large forum may take longer than an interactive request is allowed to.
    const grants = await db.transaction().execute(async (trx) => {
      await sql`set local statement_timeout = '300s'`.execute(trx);
      return award(trx, () => range);
    });
    out.push(...grants);
  }
  return out;
}

/**
 * awardBadgesFor for route handlers, after their service call has returned: the work is committed, so a failure
 * here must not turn the user's successful action into an error page — it is logged, and the sweep catches up
 * (which also awards whatever `only` left out).
 */
export async function awardAfterCommit(db: Database, userIds: readonly number[], log: FastifyBaseLogger, only?: readonly string[]): Promise<void> {
  try {
    await awardBadgesFor(db, userIds, only);
  } catch (err) {
    log.warn({ err }, 'awarding badges failed; the periodic sweep will catch up');
  }
}

export interface CustomBadgeInput {
  icon: string;
  name_en?: string;
  name_ru?: string;
  description_en?: string;
  description_ru?: string;
}

/** Pure: trims the texts; a name or description given in one language only is used for both. */
export function normalizeCustomBadge(input: CustomBadgeInput) {
  const clean = (s: string | undefined) => (s ?? '').normalize('NFC').trim();
  const name_en = clean(input.name_en);
  const name_ru = clean(input.name_ru);
  const description_en = clean(input.description_en);
  const description_ru = clean(input.description_ru);
  const icon = clean(input.icon);
  const errors: ConstructorParameters<typeof FormError>[0] = {};
  if (!icon) errors.icon = { key: 'errors.required' };
  if (!name_en && !name_ru) errors.name_en = { key: 'badges.admin.nameRequired' };
  if (Object.keys(errors).length) throw new FormError(errors);
  return {
    icon,
    name_en: name_en || name_ru,
    name_ru: name_ru || name_en,
    description_en: description_en || description_ru,
    description_ru: description_ru || description_en,
  };
}

/** Creates a staff-granted (custom) badge; returns its id. */
export async function createCustomBadge(db: Database, actor: Viewer, input: CustomBadgeInput): Promise<number> {
  const values = normalizeCustomBadge(input);
  const row = await db.insertInto('badges').values({ ...values, created_by: actor.id }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

async function loadCustom(db: Database, badgeId: number) {
  const badge = await q.findBadge(db, badgeId);
  if (!badge) throw new NotFoundError();
  // Built-in badges follow their rules: a manual grant would be arbitrary and a revoke undone by the next sweep.
  if (badge.key) throw new FormError({ username: { key: 'badges.admin.builtinManual' } });
  return badge;
}

async function findUser(db: Database, username: string): Promise<number> {
  const user = await q.findUserIdByUsernameKey(db, usernameKey(username.trim()));
  if (!user) throw new FormError({ username: { key: 'badges.admin.noSuchUser' } });
  return user.id;
}

/** Staff grant a custom badge to a user, with a reason (recorded in badge_events); granting it twice is refused. */
export async function grantCustomBadge(db: Database, actor: Viewer, badgeId: number, username: string, reason: string): Promise<void> {
  const badge = await loadCustom(db, badgeId);
  const userId = await findUser(db, username);
  const why = reason.trim();
  await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('user_badges')
      .values({ user_id: userId, badge_id: badge.id, granted_by: actor.id, reason: why || null })
      .onConflict((oc) => oc.columns(['user_id', 'badge_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) throw new FormError({ username: { key: 'badges.admin.alreadyHeld' } });
    await trx.insertInto('badge_events').values({ badge_id: badge.id, user_id: userId, action: 'grant', actor_id: actor.id, reason: why }).execute();
    await notify(trx, { userId, kind: 'badge_granted', actorId: actor.id, data: { badge_id: badge.id } });
  });
}

/** Staff take a custom badge back, with a reason (the holding goes; the record of why stays in badge_events). */
export async function revokeCustomBadge(db: Database, actor: Viewer, badgeId: number, username: string, reason: string): Promise<void> {
  const badge = await loadCustom(db, badgeId);
  const userId = await findUser(db, username);
  await db.transaction().execute(async (trx) => {
    const removed = await trx.deleteFrom('user_badges').where('user_id', '=', userId).where('badge_id', '=', badge.id).returning('id').executeTakeFirst();
    if (!removed) throw new FormError({ username: { key: 'badges.admin.notHeld' } });
    await trx.insertInto('badge_events').values({ badge_id: badge.id, user_id: userId, action: 'revoke', actor_id: actor.id, reason: reason.trim() }).execute();
  });
}

/** The periodic sweep as a job (registered in main.ts): time-based badges, trust promotions, anything a trigger missed. */
export const badgesSweepJob: Job = {
  name: 'badges.sweep',
  intervalMs: 15 * 60 * 1000,
  run: async (db) => {
    await awardAllBadges(db);
  },
};
