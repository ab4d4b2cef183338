import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { canReadCategory, type Viewer } from '../../policy/index.js';
import { slugify } from '../../lib/slug.js';
import { FormError } from '../../web/forms.js';
import { checkTitle, normalizeTitle } from '../topics/topics.service.js';
import { reconcilePostReputation, type Trx } from '../reputation/ledger.js';
import { recordAction } from './audit.js';
import { type ConfirmNeeded, exposesStaffContent, lockCategories, refreshCategoryLatest } from './topic-tools.service.js';

/**
 * Merging and splitting topics. Posts keep their ids (so links to #post-<id>, reactions, replies and the ledger
 * stay attached); only topic_id and post_number change. Numbering is rebuilt gapless in two phases because of the
 * unique (topic_id, post_number) constraint, which PostgreSQL checks row by row: first every affected post gets a
 * temporary negative number (-id, unique), then each gets its final one.
 */

/** Gives posts their final (topic, number); `order` lists post ids in their new order, numbered from 1. */
async function renumber(trx: Trx, topicId: number, order: number[]): Promise<void> {
  if (!order.length) return;
  await trx.updateTable('posts').set({ post_number: sql`-id` }).where('id', 'in', order).execute();
  // One statement per chunk: (id, number) pairs joined from a VALUES list (2 parameters per post).
  for (let i = 0; i < order.length; i += 5000) {
    const rows = order.slice(i, i + 5000).map((id, j) => sql`(${id}::int, ${i + j + 1}::int)`);
    await sql`update posts p set topic_id = ${topicId}, post_number = v.n from (values ${sql.join(rows)}) as v(id, n) where p.id = v.id`.execute(trx);
  }
}

/** Where one post went: from (topic, number) to (topic, number). */
interface Renumbered {
  oldTopic: number;
  oldNumber: number;
  newTopic: number;
  newNumber: number;
}

/**
 * Carries read marks across a merge or split, so "unread" stays honest: in each resulting topic a reader's mark
 * becomes the last post before the first one they had not read (by their marks in the topics the posts came from;
 * no mark there means nothing read). A merge interleaves posts by time, so a reader of only one topic meets the
 * other's posts as unread at their place. Four array parameters whatever the topic's size. The marks of topics
 * that end up empty (a merged source) are removed.
 */
async function remapReads(trx: Trx, moves: Renumbered[], emptied: number[] = []): Promise<void> {
  if (moves.length) {
    const col = (k: keyof Renumbered) => moves.map((m) => m[k]);
    await sql`
      with m(old_topic, old_n, new_topic, new_n) as (
        select * from unnest(${col('oldTopic')}::int[], ${col('oldNumber')}::int[], ${col('newTopic')}::int[], ${col('newNumber')}::int[])),
      r as (select user_id, topic_id, last_read_post_number as mark from topic_reads where topic_id in (select distinct old_topic from m)),
      pairs as (select distinct r.user_id, m.new_topic from r join m on m.old_topic = r.topic_id),
      firsts as (
        select p.user_id, p.new_topic, min(m.new_n) filter (where m.old_n > coalesce(r.mark, 0)) as first_unread
          from pairs p
          join m on m.new_topic = p.new_topic
          left join r on r.user_id = p.user_id and r.topic_id = m.old_topic
         group by p.user_id, p.new_topic)
      insert into topic_reads (user_id, topic_id, last_read_post_number, updated_at)
      select f.user_id, f.new_topic,
             coalesce(f.first_unread - 1, (select max(new_n) from m where m.new_topic = f.new_topic)), now()
        from firsts f
       -- Nothing read there yet: no mark (a mark means "opened", which the unread lists rely on).
       where coalesce(f.first_unread - 1, 1) > 0
      on conflict (user_id, topic_id) do update set last_read_post_number = excluded.last_read_post_number`.execute(trx);
  }
  if (emptied.length) await trx.deleteFrom('topic_reads').where('topic_id', 'in', emptied).execute();
}

/** Recomputes a topic's counters from its posts (reply count, last post number, time and author). */
async function refreshTopicCounters(trx: Trx, topicId: number): Promise<void> {
  await sql`
    update topics t set
      last_post_number = (select coalesce(max(post_number), 0) from posts p where p.topic_id = t.id),
      reply_count = (select count(*) from posts p where p.topic_id = t.id and p.post_number > 1 and p.deleted_at is null),
      last_posted_at = coalesce((select max(created_at) from posts p where p.topic_id = t.id and p.deleted_at is null), t.last_posted_at),
      last_post_user_id = coalesce((select p.user_id from posts p where p.topic_id = t.id and p.deleted_at is null order by p.created_at desc, p.id desc limit 1), t.last_post_user_id)
    where t.id = ${topicId}`.execute(trx);
}

/** Locks two topic rows in id order (so a merge of A into B and of B into A at once cannot deadlock). */
async function lockTopics(trx: Trx, ids: number[]) {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  return trx.selectFrom('topics').selectAll().where('id', 'in', sorted).orderBy('id').forUpdate().execute();
}

/**
 * Merges topic `sourceId` into `targetId`: the target keeps its opening post as #1 (its title and author stay
 * meaningful), every other post of both follows by time, numbered 2..n. The source keeps its row, emptied, deleted
 * and pointing at the target (merged_into_id) so its old URL can redirect. Counters move by the source's live posts.
 * Like a move, merging a staff-only topic into one with a wider audience needs `confirmed`.
 */
export async function mergeTopics(db: Database, actor: Viewer, sourceId: number, targetId: number, confirmed: boolean, reason = ''): Promise<{ status: 'merged'; posts: number } | ConfirmNeeded> {
  if (sourceId === targetId) throw new FormError({ into: { key: 'tools.merge.same' } });
  return db.transaction().execute(async (trx) => {
    const rows = await lockTopics(trx, [sourceId, targetId]);
    const source = rows.find((t) => t.id === sourceId);
    const target = rows.find((t) => t.id === targetId);
    if (!source || source.deleted_at) throw new FormError({ into: { key: 'tools.merge.sourceGone' } });
    const cats = await lockCategories(trx, [source.category_id, ...(target ? [target.category_id] : [])]);
    const targetCat = target && cats.find((c) => c.id === target.category_id);
    if (!target || !targetCat || target.deleted_at || target.merged_into_id || !canReadCategory(actor, targetCat)) throw new FormError({ into: { key: 'tools.merge.noTarget' } });
    const sourceCat = cats.find((c) => c.id === source.category_id)!;
    // An idea's votes belong to the idea board's own merge, which moves them without counting anyone twice.
    const votes = await trx.selectFrom('topics').select('vote_count').where('id', '=', source.id).executeTakeFirstOrThrow();
    if (votes.vote_count > 0) throw new FormError({ into: { key: 'tools.merge.ideaVotes' } });
    if (exposesStaffContent(sourceCat, targetCat) && !confirmed) return { status: 'confirm', to: { id: targetCat.id, name: targetCat.name, read_access: targetCat.read_access } };

    const posts = await trx
      .selectFrom('posts')
      .select(['id', 'topic_id', 'post_number', 'deleted_at'])
      .where('topic_id', 'in', [source.id, target.id])
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const opening = posts.find((p) => p.topic_id === target.id && p.post_number === 1);
    const order = [...(opening ? [opening.id] : []), ...posts.filter((p) => p !== opening).map((p) => p.id)];
    const moved = posts.filter((p) => p.topic_id === source.id);
    const liveMoved = moved.filter((p) => !p.deleted_at).length;

    await renumber(trx, target.id, order);
    const was = new Map(posts.map((p) => [p.id, p]));
    await remapReads(trx, order.map((id, i) => ({ oldTopic: was.get(id)!.topic_id, oldNumber: was.get(id)!.post_number, newTopic: target.id, newNumber: i + 1 })), [source.id]);
    await refreshTopicCounters(trx, target.id);
    await trx
      .updateTable('topics')
      .set({ merged_into_id: target.id, deleted_at: sql`now()`, last_post_number: 0, reply_count: 0, solved_post_id: null, pinned_at: null })
      .where('id', '=', source.id)
      .execute();
    // The source leaves every count as a deleted topic does; its live posts now count in the target's category.
    await trx.updateTable('categories').set({ topic_count: sql`topic_count - 1`, post_count: sql`post_count - ${liveMoved}` }).where('id', '=', source.category_id).execute();
    await trx.updateTable('categories').set({ post_count: sql`post_count + ${liveMoved}` }).where('id', '=', target.category_id).execute();
    await trx.updateTable('users').set({ topic_count: sql`greatest(topic_count - 1, 0)` }).where('id', '=', source.user_id).execute();
    await refreshCategoryLatest(trx, source.category_id);
    if (target.category_id !== source.category_id) await refreshCategoryLatest(trx, target.category_id);
    // The source's accepted answer is now a plain reply of the target: the ledger takes back its accept credit.
    if (source.solved_post_id) await reconcilePostReputation(trx, source.solved_post_id);
    await recordAction(trx, {
      actorId: actor.id,
      action: 'topic_merge',
      targetUserId: source.user_id,
      topicId: target.id,
      reason,
      details: { from: source.id, to: target.id, from_title: source.title, to_title: target.title, posts: moved.length },
    });
    return { status: 'merged', posts: moved.length };
  });
}

export interface SplitInput {
  postIds: number[];
  title: string;
  /** Defaults to the source topic's category. */
  categoryId?: number | null;
}

/**
 * Moves chosen replies of a topic into a new topic (same or another category): the earliest chosen post opens it
 * (its author becomes the topic's author), the posts are numbered 1..k by time, and the source is renumbered gapless.
 * Deleted posts and the accepted answer cannot be split off (undelete or unaccept first). Like a move, splitting
 * staff-only posts into a category with a wider audience needs `confirmed`.
 */
export async function splitTopic(db: Database, actor: Viewer, topicId: number, input: SplitInput, confirmed: boolean, reason = ''): Promise<{ status: 'split'; topicId: number; slug: string } | ConfirmNeeded> {
  const errors: FormError['fields'] = checkTitle(input.title);
  const ids = [...new Set(input.postIds)];
  if (!ids.length) errors.post_ids = { key: 'tools.split.noPosts' };
  if (Object.keys(errors).length) throw new FormError(errors);
  const title = normalizeTitle(input.title);

  return db.transaction().execute(async (trx) => {
    const [source] = await lockTopics(trx, [topicId]);
    if (!source || source.deleted_at) throw new FormError({ post_ids: { key: 'tools.merge.sourceGone' } });
    const categoryId = input.categoryId ?? source.category_id;
    const cats = await lockCategories(trx, [source.category_id, categoryId]);
    const dest = cats.find((c) => c.id === categoryId);
    if (!dest || !canReadCategory(actor, dest)) throw new FormError({ category_id: { key: 'tools.move.noCategory' } });
    const from = cats.find((c) => c.id === source.category_id)!;

    const chosen = await trx
      .selectFrom('posts')
      .select(['id', 'user_id', 'post_number', 'created_at', 'deleted_at'])
      .where('id', 'in', ids)
      .where('topic_id', '=', source.id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    if (chosen.length !== ids.length || chosen.some((p) => p.post_number === 1)) throw new FormError({ post_ids: { key: 'tools.split.badPosts' } });
    if (chosen.some((p) => p.deleted_at)) throw new FormError({ post_ids: { key: 'tools.split.deletedPosts' } });
    if (source.solved_post_id && ids.includes(source.solved_post_id)) throw new FormError({ post_ids: { key: 'tools.split.acceptedAnswer' } });
    if (exposesStaffContent(from, dest) && !confirmed) return { status: 'confirm', to: { id: dest.id, name: dest.name, read_access: dest.read_access } };
    const first = chosen[0]!;
    const last = chosen.at(-1)!;

    const created = await trx
      .insertInto('topics')
      .values({
        category_id: dest.id,
        user_id: first.user_id,
        title,
        slug: slugify(title),
        created_at: first.created_at,
        last_posted_at: last.created_at,
        last_post_user_id: last.user_id,
        last_post_number: chosen.length,
        reply_count: chosen.length - 1,
      })
      .returning(['id', 'slug'])
      .executeTakeFirstOrThrow();
    await renumber(trx, created.id, chosen.map((p) => p.id));
    const remaining = await trx.selectFrom('posts').select(['id', 'post_number']).where('topic_id', '=', source.id).orderBy('post_number').execute();
    await renumber(trx, source.id, remaining.map((p) => p.id));
    await remapReads(trx, [
      ...chosen.map((p, i) => ({ oldTopic: source.id, oldNumber: p.post_number, newTopic: created.id, newNumber: i + 1 })),
      ...remaining.map((p, i) => ({ oldTopic: source.id, oldNumber: p.post_number, newTopic: source.id, newNumber: i + 1 })),
    ]);
    await refreshTopicCounters(trx, source.id);

    await trx.updateTable('categories').set({ post_count: sql`post_count - ${chosen.length}` }).where('id', '=', source.category_id).execute();
    await trx.updateTable('categories').set({ topic_count: sql`topic_count + 1`, post_count: sql`post_count + ${chosen.length}` }).where('id', '=', dest.id).execute();
    await trx.updateTable('users').set({ topic_count: sql`topic_count + 1` }).where('id', '=', first.user_id).execute();
    await refreshCategoryLatest(trx, source.category_id);
    if (dest.id !== source.category_id) await refreshCategoryLatest(trx, dest.id);
    await recordAction(trx, {
      actorId: actor.id,
      action: 'topic_split',
      targetUserId: first.user_id,
      topicId: source.id,
      reason,
      details: { from: source.id, to: created.id, to_title: title, posts: chosen.length, category: dest.id },
    });
    return { status: 'split', topicId: created.id, slug: created.slug };
  });
}
