import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Trx } from '../reputation/ledger.js';

type Db = Database | Trx;

export const HOLDERS_PER_PAGE = 50;

const BADGE_COLUMNS = ['badges.id', 'badges.key', 'badges.icon', 'badges.name_en', 'badges.name_ru', 'badges.description_en', 'badges.description_ru'] as const;

/** Every badge (built-in first, in their order; then custom by age) with how many people hold it. */
export function listBadgesWithCounts(db: Db) {
  return db
    .selectFrom('badges')
    .select([...BADGE_COLUMNS, (eb) => eb.selectFrom('user_badges').select((e) => e.fn.countAll<number>().as('n')).whereRef('user_badges.badge_id', '=', 'badges.id').as('holder_count')])
    .orderBy('badges.position')
    .orderBy('badges.id')
    .execute()
    .then((rows) => rows.map((r) => ({ ...r, holder_count: Number(r.holder_count ?? 0) })));
}

export function findBadge(db: Db, id: number) {
  return db.selectFrom('badges').select([...BADGE_COLUMNS, 'badges.created_at']).where('id', '=', id).executeTakeFirst();
}

/** Holders of a badge in the order they earned it, paged by key (user_badges.id); users are joined, so only existing accounts appear. */
export function listHolders(db: Db, badgeId: number, after: number | null, limit = HOLDERS_PER_PAGE) {
  let query = db
    .selectFrom('user_badges')
    .innerJoin('users', 'users.id', 'user_badges.user_id')
    .select(['user_badges.id', 'user_badges.granted_at', 'users.username', 'users.display_name'])
    .where('user_badges.badge_id', '=', badgeId);
  if (after) query = query.where('user_badges.id', '>', after);
  return query.orderBy('user_badges.id').limit(limit).execute();
}

/** A user's badges, oldest first — one query for the profile. */
export function listUserBadges(db: Db, userId: number) {
  return db
    .selectFrom('user_badges')
    .innerJoin('badges', 'badges.id', 'user_badges.badge_id')
    .select([...BADGE_COLUMNS, 'user_badges.granted_at', 'user_badges.reason'])
    .where('user_badges.user_id', '=', userId)
    .orderBy('user_badges.granted_at')
    .orderBy('user_badges.id')
    .execute();
}

export function findUserIdByUsernameKey(db: Db, key: string) {
  return db.selectFrom('users').select('id').where('username_key', '=', key).executeTakeFirst();
}

/** Which built-in badges (by key) each of these users holds already. */
export function listHeldBuiltinKeys(db: Db, userIds: number[]) {
  return db
    .selectFrom('user_badges')
    .innerJoin('badges', 'badges.id', 'user_badges.badge_id')
    .select(['user_badges.user_id', 'badges.key'])
    .where('user_badges.user_id', 'in', userIds)
    .where('badges.key', 'is not', null)
    .execute();
}

/** The highest user id (the sweep walks ids in ranges up to it). */
export async function maxUserId(db: Db): Promise<number> {
  const { rows } = await sql<{ max: number | null }>`select max(id) as max from users`.execute(db);
  return Number(rows[0]?.max ?? 0);
}
