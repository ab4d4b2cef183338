import { type Kysely, sql } from 'kysely';
import type { DB, Role } from '../../db/types.js';
import { recipientReadAccess } from '../../policy/watching.js';
import { LIVE_CHANNEL } from '../../live/events.js';

const ROLES: readonly Role[] = ['member', 'moderator', 'staff', 'admin'];

/** Distinct reactors remembered per notification; beyond this a repeat reactor may be counted twice. */
const ACTORS_KEPT = 100;

/**
 * Tells a post's author that someone reacted, grouped per post: while the author has not read it, further reactions
 * update the same row (last actor, count of distinct reactors) instead of adding rows — "Anna and 4 others reacted".
 * One upsert on the unique partial index notifications_reaction_unread (0021_live), inside the reaction's transaction,
 * so concurrent reactions through any instance end up as exactly one unread row with the exact count. Nobody is told
 * of their own reaction, while suspended, about a post they can no longer read, in a topic or category they muted,
 * or about a member they muted. Returns whether the author was told.
 */
export async function notifyReaction(trx: Kysely<DB>, postId: number, actorId: number): Promise<boolean> {
  const access = sql.join(ROLES.map((r) => sql`(u.role = ${r} and c.read_access in (${sql.join(recipientReadAccess(r))}))`), sql` or `);
  const actor = sql`jsonb_build_array(${actorId}::int)`;
  const { rows } = await sql<{ user_id: number }>`
    insert into notifications (user_id, kind, actor_id, topic_id, post_id, data)
    select p.user_id, 'reaction', ${actorId}::int, p.topic_id, p.id, jsonb_build_object('count', 1, 'actors', ${actor})
    from posts p
    join topics t on t.id = p.topic_id
    join categories c on c.id = t.category_id
    join users u on u.id = p.user_id
    where p.id = ${postId} and p.user_id <> ${actorId} and t.deleted_at is null
      and (u.suspended_until is null or u.suspended_until <= now()) and (${access})
      and coalesce((select tw.level from topic_watches tw where tw.user_id = p.user_id and tw.topic_id = t.id),
                   (select cw.level from category_watches cw where cw.user_id = p.user_id and cw.category_id = t.category_id), 'normal') <> 'muted'
      and not exists (select 1 from user_mutes m where m.user_id = p.user_id and m.muted_user_id = ${actorId})
    on conflict (user_id, post_id) where kind = 'reaction' and read_at is null do update set
      actor_id = excluded.actor_id,
      created_at = now(),
      data = case when notifications.data->'actors' @> ${actor} then notifications.data
             else jsonb_build_object(
               'count', coalesce((notifications.data->>'count')::int, 1) + 1,
               'actors', case when jsonb_array_length(coalesce(notifications.data->'actors', '[]'::jsonb)) < ${ACTORS_KEPT}
                              then coalesce(notifications.data->'actors', '[]'::jsonb) || ${actor}
                              else notifications.data->'actors' end) end
    returning user_id`.execute(trx);
  const userId = rows[0]?.user_id;
  if (!userId) return false;
  await sql`select pg_notify(${LIVE_CHANNEL}, ${JSON.stringify({ user: userId, kind: 'notification' })})`.execute(trx);
  return true;
}
