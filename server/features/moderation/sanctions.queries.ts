import type { Database } from '../../db/index.js';

/** What a moderator sees of a member on /mod/users/:id. */
export function findMemberForModeration(db: Database, id: number) {
  return db
    .selectFrom('users')
    .select([
      'id', 'username', 'display_name', 'role', 'trust_level', 'trust_level_locked', 'created_at', 'post_count', 'topic_count', 'flags_agreed', 'flags_disagreed',
      'silenced_until', 'silenced_reason', 'suspended_until', 'suspended_reason',
    ])
    .where('id', '=', id)
    .executeTakeFirst();
}

export type MemberForModeration = NonNullable<Awaited<ReturnType<typeof findMemberForModeration>>>;

/** A sanction with the role of the member it concerns (to decide who may lift it). */
export function findSanction(db: Database, id: number) {
  return db
    .selectFrom('sanctions')
    .innerJoin('users', 'users.id', 'sanctions.user_id')
    .select(['sanctions.id', 'sanctions.user_id', 'sanctions.kind', 'sanctions.ends_at', 'sanctions.lifted_at', 'users.role'])
    .where('sanctions.id', '=', id)
    .executeTakeFirst();
}
