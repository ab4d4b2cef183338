import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { DB, Role } from '../../db/types.js';
import { recipientReadAccess } from '../../policy/index.js';
import { extractRefs, MAX_MENTIONS } from './watching.mentions.js';
import type { WatchLevel } from './watching.types.js';
import './watching.types.js';

const ROLES: readonly Role[] = ['member', 'moderator', 'staff', 'admin'];

/** Strength of each reason: one notification per recipient per post, the strongest reason wins. */
const STRENGTH = { mention: 5, quote: 4, reply: 3, watched_topic: 1, watched_post: 1 } as const;

export interface NewPostEvent {
  post: { id: number; post_number: number; user_id: number; reply_to_post_id: number | null; body_md: string };
  topic: { id: number; category_id: number };
}

/**
 * Who may be told about a post by this author, as SQL over a candidate user id: not the author, not suspended,
 * able to read the category (recipientReadAccess for the recipient's role — the same rule as canBeNotified), not
 * muting the topic or category (the topic's own level wins over the category's), not muting the author.
 * Its own aliases (ru, rc, rtw, rcw, rm) differ from every caller's, so `uid` always means the caller's column.
 */
function eligible(uid: RawBuilder<unknown>, authorId: number, topicId: number, categoryId: number) {
  const access = sql.join(ROLES.map((r) => sql`(ru.role = ${r} and rc.read_access in (${sql.join(recipientReadAccess(r))}))`), sql` or `);
  return sql`${uid} <> ${authorId}
    and exists (select 1 from users ru, categories rc where ru.id = ${uid} and rc.id = ${categoryId}
                and (ru.suspended_until is null or ru.suspended_until <= now()) and (${access}))
    and coalesce((select rtw.level from topic_watches rtw where rtw.user_id = ${uid} and rtw.topic_id = ${topicId}),
                 (select rcw.level from category_watches rcw where rcw.user_id = ${uid} and rcw.category_id = ${categoryId}), 'normal') <> 'muted'
    and not exists (select 1 from user_mutes rm where rm.user_id = ${uid} and rm.muted_user_id = ${authorId})`;
}

/**
 * The fan-out of a new post, inside the posting transaction (so a rolled-back post tells nobody), in one
 * INSERT … SELECT: reply (to the topic's author, and to the author of the post replied to), @mention (the first
 * MAX_MENTIONS eligible members named), quote, and watched activity — watched_topic for a new topic to whoever
 * watches its category, watched_post for a reply to whoever watches the topic (a category watcher watches its
 * topics unless they chose another level for one). Then the author tracks the topic, unless they already chose a
 * level (or watch the category: tracking would quieten it). Returns how many were told.
 */
export async function notifyForNewPost(trx: Kysely<DB>, { post, topic }: NewPostEvent): Promise<number> {
  const authorId = post.user_id;
  const ok = (uid: RawBuilder<unknown>) => eligible(uid, authorId, topic.id, topic.category_id);
  const refs = extractRefs(post.body_md);
  const isReply = post.post_number > 1;
  const watched = isReply ? 'watched_post' : 'watched_topic';
  const branches: RawBuilder<unknown>[] = [
    sql`select tw.user_id, ${watched}::text, ${STRENGTH[watched]}::int from topic_watches tw where tw.topic_id = ${topic.id} and tw.level = 'watching'`,
    sql`select cw.user_id, ${watched}::text, ${STRENGTH[watched]}::int from category_watches cw where cw.category_id = ${topic.category_id} and cw.level = 'watching'
          and not exists (select 1 from topic_watches tw where tw.user_id = cw.user_id and tw.topic_id = ${topic.id})`,
  ];
  if (isReply) branches.push(sql`select t.user_id, 'reply', ${STRENGTH.reply}::int from topics t where t.id = ${topic.id}`);
  if (post.reply_to_post_id) branches.push(sql`select p.user_id, 'reply', ${STRENGTH.reply}::int from posts p where p.id = ${post.reply_to_post_id}`);
  if (refs.quotes.length) branches.push(sql`select u.id, 'quote', ${STRENGTH.quote}::int from users u where u.username_key in (${sql.join(refs.quotes)})`);
  if (refs.mentions.length) {
    branches.push(sql`select mm.id, 'mention', ${STRENGTH.mention}::int from (
      select u.id from unnest(array[${sql.join(refs.mentions)}]::text[]) with ordinality as m(key, ord)
      join users u on u.username_key = m.key
      where ${ok(sql.ref('u.id'))}
      order by m.ord limit ${MAX_MENTIONS}) mm`);
  }
  const res = await sql`
    insert into notifications (user_id, kind, actor_id, topic_id, post_id)
    select distinct on (cand.user_id) cand.user_id, cand.kind, ${authorId}::int, ${topic.id}::int, ${post.id}::int
    from (${sql.join(branches, sql` union all `)}) as cand (user_id, kind, strength)
    where ${ok(sql.ref('cand.user_id'))}
    order by cand.user_id, cand.strength desc`.execute(trx);
  await sql`
    insert into topic_watches (user_id, topic_id, level)
    select ${authorId}::int, ${topic.id}::int, 'tracking'
    where not exists (select 1 from category_watches where user_id = ${authorId} and category_id = ${topic.category_id} and level = 'watching')
    on conflict (user_id, topic_id) do nothing`.execute(trx);
  return Number(res.numAffectedRows ?? 0);
}

/** Sets the viewer's level for a topic (a row at 'normal' too: an explicit choice the auto-tracking respects). */
export async function setTopicLevel(db: Database, userId: number, topicId: number, level: WatchLevel): Promise<void> {
  await db
    .insertInto('topic_watches')
    .values({ user_id: userId, topic_id: topicId, level })
    .onConflict((oc) => oc.columns(['user_id', 'topic_id']).doUpdateSet({ level, updated_at: sql`now()` }))
    .execute();
}

/** Sets the viewer's level for a category ('normal' removes the row: it is the default). */
export async function setCategoryLevel(db: Database, userId: number, categoryId: number, level: WatchLevel): Promise<void> {
  if (level === 'normal') {
    await db.deleteFrom('category_watches').where('user_id', '=', userId).where('category_id', '=', categoryId).execute();
    return;
  }
  await db
    .insertInto('category_watches')
    .values({ user_id: userId, category_id: categoryId, level })
    .onConflict((oc) => oc.columns(['user_id', 'category_id']).doUpdateSet({ level, updated_at: sql`now()` }))
    .execute();
}

/** Mutes or unmutes a member (idempotent both ways). */
export async function setMuted(db: Database, userId: number, targetId: number, muted: boolean): Promise<void> {
  if (!muted) {
    await db.deleteFrom('user_mutes').where('user_id', '=', userId).where('muted_user_id', '=', targetId).execute();
    return;
  }
  await db.insertInto('user_mutes').values({ user_id: userId, muted_user_id: targetId }).onConflict((oc) => oc.columns(['user_id', 'muted_user_id']).doNothing()).execute();
}

/** Adds or removes a bookmark (idempotent both ways, so a double click changes nothing). */
export async function setBookmark(db: Database, userId: number, postId: number, on: boolean): Promise<void> {
  if (!on) {
    await db.deleteFrom('bookmarks').where('user_id', '=', userId).where('post_id', '=', postId).execute();
    return;
  }
  await db.insertInto('bookmarks').values({ user_id: userId, post_id: postId }).onConflict((oc) => oc.columns(['user_id', 'post_id']).doNothing()).execute();
}
