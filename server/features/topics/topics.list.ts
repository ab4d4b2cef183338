import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Cursor } from '../../lib/cursor.js';
import { readAccessFor, type Viewer } from '../../policy/index.js';

export const TOPICS_PER_PAGE = 30;

/**
 * The columns a topic row in any list needs, with author, last poster and category in one query. Rows of ideas
 * (category kind `ideas`) also show the idea's status and vote count.
 */
export function topicRows(db: Database, viewer: Viewer | null) {
  return db
    .selectFrom('topics')
    .innerJoin('categories', 'categories.id', 'topics.category_id')
    .innerJoin('users as author', 'author.id', 'topics.user_id')
    .leftJoin('users as last', 'last.id', 'topics.last_post_user_id')
    .select([
      'topics.id', 'topics.title', 'topics.slug', 'topics.pinned_at', 'topics.locked_at', 'topics.reply_count', 'topics.view_count',
      'topics.last_posted_at', 'topics.created_at', 'topics.solved_post_id', 'author.username as author_username', 'author.display_name as author_display_name',
      'last.username as last_username', 'categories.name as category_name', 'categories.slug as category_slug', 'categories.color as category_color',
      'categories.kind as category_kind', 'topics.idea_status', 'topics.vote_count',
    ])
    .where('topics.deleted_at', 'is', null)
    .where('categories.read_access', 'in', readAccessFor(viewer));
}

export type TopicRow = Awaited<ReturnType<ReturnType<typeof topicRows>['execute']>>[number];

/** Latest topics across every category this viewer may read, paged by key. */
export function listLatestTopics(db: Database, viewer: Viewer | null, before: Cursor | null, limit = TOPICS_PER_PAGE) {
  let q = topicRows(db, viewer);
  if (before) q = q.where(sql<boolean>`(topics.last_posted_at, topics.id) < (${before.at}, ${before.id})`);
  return q.orderBy('topics.last_posted_at', 'desc').orderBy('topics.id', 'desc').limit(limit).execute();
}

/** Unpinned topics of one category by latest activity, paged by key. */
export function listCategoryTopics(db: Database, viewer: Viewer | null, categoryId: number, before: Cursor | null, limit = TOPICS_PER_PAGE) {
  let q = topicRows(db, viewer).where('topics.category_id', '=', categoryId).where('topics.pinned_at', 'is', null);
  if (before) q = q.where(sql<boolean>`(topics.last_posted_at, topics.id) < (${before.at}, ${before.id})`);
  return q.orderBy('topics.last_posted_at', 'desc').orderBy('topics.id', 'desc').limit(limit).execute();
}

/** Pinned topics of one category, newest pin first (shown above the list on its first page). */
export function listPinnedTopics(db: Database, viewer: Viewer | null, categoryId: number) {
  return topicRows(db, viewer).where('topics.category_id', '=', categoryId).where('topics.pinned_at', 'is not', null).orderBy('topics.pinned_at', 'desc').limit(50).execute();
}

export type QuestionFilter = 'unanswered' | 'unsolved';

/**
 * Questions (topics in `questions` categories) this viewer may read, forum-wide or in one category, by latest activity, paged by key.
 * unsolved: no accepted answer (served by the topics_*unsolved partial indexes);
 * unanswered: no live reply by anyone but the asker (one probe of posts_topic_live_replies per topic).
 */
export function listQuestions(db: Database, viewer: Viewer | null, filter: QuestionFilter, categoryId: number | null, before: Cursor | null, limit = TOPICS_PER_PAGE) {
  let q = topicRows(db, viewer).where('categories.kind', '=', 'questions');
  if (categoryId !== null) q = q.where('topics.category_id', '=', categoryId);
  if (filter === 'unsolved') q = q.where('topics.solved_post_id', 'is', null);
  else {
    q = q.where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('posts as answer')
            .select('answer.id')
            .whereRef('answer.topic_id', '=', 'topics.id')
            .whereRef('answer.user_id', '<>', 'topics.user_id')
            .where('answer.post_number', '>', 1)
            .where('answer.deleted_at', 'is', null)
            .where('answer.hidden_at', 'is', null),
        ),
      ),
    );
  }
  if (before) q = q.where(sql<boolean>`(topics.last_posted_at, topics.id) < (${before.at}, ${before.id})`);
  return q.orderBy('topics.last_posted_at', 'desc').orderBy('topics.id', 'desc').limit(limit).execute();
}
