import { type AliasedRawBuilder, sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { answerActions, type AnswerPostState, isStaff, readAccessFor, type Viewer } from '../../policy/index.js';

export const POSTS_PER_PAGE = 20;
/** Extra topic-page columns are selected as field_<name> (see topic-extras.ts). */
export const FIELD_PREFIX = 'field_';

/**
 * A topic with its category, if this viewer may read it (deleted topics only for staff). `fields` are extra
 * columns (scalar subqueries named `field_<name>`, see topic-extras.ts) the topic page asks for in the same round
 * trip; their values come back in `fields`.
 */
export async function findTopicForViewer(db: Database, viewer: Viewer | null, id: number, fields: AliasedRawBuilder<unknown, string>[] = []) {
  let q = db
    .selectFrom('topics')
    .innerJoin('categories', 'categories.id', 'topics.category_id')
    // The accepted answer and the official answer, shown under the question and linked from the top of the topic.
    .leftJoin('posts as accepted', 'accepted.id', 'topics.solved_post_id')
    .leftJoin('users as accepted_author', 'accepted_author.id', 'accepted.user_id')
    .leftJoin('posts as official', (j) => j.onRef('official.topic_id', '=', 'topics.id').on('official.official_at', 'is not', null))
    .leftJoin('users as official_author', 'official_author.id', 'official.user_id')
    .selectAll('topics')
    .select([
      'categories.name as category_name', 'categories.slug as category_slug', 'categories.color as category_color',
      'categories.read_access', 'categories.post_access', 'categories.kind as category_kind',
      'accepted.post_number as accepted_post_number', 'accepted.body_html as accepted_body_html', 'accepted.deleted_at as accepted_deleted_at',
      'accepted.hidden_at as accepted_hidden_at', 'accepted_author.username as accepted_username', 'accepted_author.display_name as accepted_display_name',
      'official.id as official_post_id', 'official.post_number as official_post_number',
      'official_author.username as official_username', 'official_author.display_name as official_display_name',
      // A contest's entry deadline (null for other topics): the reply rule needs it (policy canReply).
      sql<Date | null>`(select c.entry_deadline from contests c where c.topic_id = topics.id)`.as('contest_deadline'),
      // Whether it has a poll (a probe of the poll's unique topic index), so a page without one skips the poll query.
      sql<boolean>`exists (select 1 from polls pl where pl.topic_id = topics.id)`.as('has_poll'),
    ])
    .where('topics.id', '=', id)
    .where('categories.read_access', 'in', readAccessFor(viewer));
  if (!isStaff(viewer)) q = q.where('topics.deleted_at', 'is', null);
  const row = await (fields.length ? q.select(fields) : q).executeTakeFirst();
  if (!row) return undefined;
  const { read_access, post_access, ...columns } = row;
  const rest = { ...columns } as typeof columns;
  const extra: Record<string, unknown> = {};
  for (const f of fields) {
    const name = f.alias as string;
    extra[name.slice(FIELD_PREFIX.length)] = (rest as Record<string, unknown>)[name];
    delete (rest as Record<string, unknown>)[name];
  }
  const topic = { ...rest, category: { read_access, post_access }, fields: extra };
  // Bound to this viewer so every template that renders a post of this topic can ask policy (pure) about its answer buttons.
  return { ...topic, answerActions: (post: AnswerPostState) => answerActions(viewer, topic, post) };
}

export type TopicView = NonNullable<Awaited<ReturnType<typeof findTopicForViewer>>>;

/** Posts numbered from..to (a page), with author and the number of the post each replies to. One indexed range scan. */
export function listPostRange(db: Database, topicId: number, from: number, to: number, viewerId: number | null = null) {
  return db
    .selectFrom('posts')
    .innerJoin('users', 'users.id', 'posts.user_id')
    .leftJoin('posts as parent', 'parent.id', 'posts.reply_to_post_id')
    .leftJoin('users as parent_author', 'parent_author.id', 'parent.user_id')
    .select([
      'posts.id', 'posts.topic_id', 'posts.post_number', 'posts.user_id', 'posts.body_html', 'posts.created_at', 'posts.edited_at',
      'posts.revision_count', 'posts.deleted_at', 'posts.deleted_by_id', 'posts.hidden_at', 'posts.hidden_reason', 'posts.hidden_by_id', 'posts.reply_to_post_id', 'posts.reaction_counts', 'posts.official_at',
      'users.username', 'users.display_name', 'users.role as user_role',
      'parent.post_number as reply_to_number', 'parent_author.username as reply_to_username',
      // The viewer's own reactions come with the posts (one round trip less per signed-in page view).
      sql<string[]>`coalesce((select array_agg(r.kind) from reactions r where r.post_id = posts.id and r.user_id = ${viewerId ?? 0}), '{}')`.as('my_reactions'),
      // The viewer's open flag on the post, if any (served by the flags_open_per_user unique index).
      sql<string | null>`(select f.reason from flags f where f.post_id = posts.id and f.user_id = ${viewerId ?? 0} and f.status = 'open' limit 1)`.as('my_flag_reason'),
    ])
    .where('posts.topic_id', '=', topicId)
    .where('posts.post_number', '>=', from)
    .where('posts.post_number', '<=', to)
    .orderBy('posts.post_number')
    // Redundant with the range, but tells the planner how few rows come back: without it, long topics with
    // skewed statistics get a merge join that reads the whole users index.
    .limit(to - from + 1)
    .execute();
}

export type PostRow = Awaited<ReturnType<typeof listPostRange>>[number];

/** Fresh counts from the rows, for the consistency check (`npm run check`) and tests. */
export async function countDrift(db: Database) {
  const topics = await sql<{ id: number }>`
    select t.id from topics t
    where t.reply_count <> (select count(*) from posts p where p.topic_id = t.id and p.post_number > 1 and p.deleted_at is null)
       or t.last_post_number <> (select coalesce(max(post_number), 0) from posts p where p.topic_id = t.id)
       or t.last_post_number <> (select count(*) from posts p where p.topic_id = t.id)`.execute(db);
  const categories = await sql<{ id: number }>`
    select c.id from categories c
    where c.topic_count <> (select count(*) from topics t where t.category_id = c.id and t.deleted_at is null)
       or c.post_count <> (select count(*) from posts p join topics t on t.id = p.topic_id
                           where t.category_id = c.id and t.deleted_at is null and p.deleted_at is null)`.execute(db);
  return { topics: topics.rows.map((r) => r.id), categories: categories.rows.map((r) => r.id) };
}
