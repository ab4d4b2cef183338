import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Cursor } from '../../lib/cursor.js';
import { canSeeUnlisted, readAccessFor, type Viewer } from '../../policy/index.js';
import { readStateColumns } from '../unread/unread.rows.js';

export const TOPICS_PER_PAGE = 30;

/**
 * The columns a topic row in any list needs, with author, last poster and category in one query. Rows of ideas
 * (category kind `ideas`) also show the idea's status and vote count.
 */
export function topicRows(db: Database, viewer: Viewer | null) {
  const q = db
    .selectFrom('topics')
    .innerJoin('categories', 'categories.id', 'topics.category_id')
    .innerJoin('users as author', 'author.id', 'topics.user_id')
    .leftJoin('users as last', 'last.id', 'topics.last_post_user_id')
    // A contest's state for the row's label ("Contest · until …", "Contest finished"): a primary-key probe.
    .leftJoin('contests', 'contests.topic_id', 'topics.id')
    .select(['contests.entry_deadline as contest_deadline', 'contests.finished_at as contest_finished_at'])
    .select([
      'topics.id', 'topics.title', 'topics.slug', 'topics.pinned_at', 'topics.locked_at', 'topics.reply_count', 'topics.view_count',
      'topics.last_posted_at', 'topics.created_at', 'topics.solved_post_id', 'author.username as author_username', 'author.display_name as author_display_name',
      'last.username as last_username', 'categories.name as category_name', 'categories.slug as category_slug', 'categories.color as category_color',
      'categories.kind as category_kind', 'topics.idea_status', 'topics.vote_count', 'topics.pinned_globally', 'topics.pinned_until', 'topics.unlisted_at',
    ])
    // The viewer's read state (unread count, "new" mark) in the same query; constants for guests.
    .select(readStateColumns(viewer))
    .where('topics.deleted_at', 'is', null)
    .where('categories.read_access', 'in', readAccessFor(viewer));
  // A topic whose opening post is hidden stays out of everyone's lists but staff's (they see it labelled).
  return canSeeUnlisted(viewer) ? q : q.where('topics.unlisted_at', 'is', null);
}

export type TopicRow = Awaited<ReturnType<ReturnType<typeof topicRows>['execute']>>[number];

/** Latest topics across every category this viewer may read, paged by key. */
export function listLatestTopics(db: Database, viewer: Viewer | null, before: Cursor | null, limit = TOPICS_PER_PAGE) {
  let q = topicRows(db, viewer);
  if (before) q = q.where(sql<boolean>`(topics.last_posted_at, topics.id) < (${before.at}, ${before.id})`);
  return q.orderBy('topics.last_posted_at', 'desc').orderBy('topics.id', 'desc').limit(limit).execute();
}

/** A pin in force: pinned, and not past its end (an expired pin drops back into the list by itself). */
const PIN_IN_FORCE = sql<boolean>`topics.pinned_at is not null and (topics.pinned_until is null or topics.pinned_until > now())`;

/** Unpinned topics of one category (expired pins included) by latest activity, paged by key. */
export function listCategoryTopics(db: Database, viewer: Viewer | null, categoryId: number, before: Cursor | null, limit = TOPICS_PER_PAGE) {
  let q = topicRows(db, viewer).where('topics.category_id', '=', categoryId).where(sql<boolean>`not (${PIN_IN_FORCE})`);
  if (before) q = q.where(sql<boolean>`(topics.last_posted_at, topics.id) < (${before.at}, ${before.id})`);
  return q.orderBy('topics.last_posted_at', 'desc').orderBy('topics.id', 'desc').limit(limit).execute();
}

/**
 * Pins shown above a list on its first page, newest pin first: the viewer's global pins (any category they may read,
 * minus those they dismissed) and, on a category page, that category's own pins.
 */
export function listPinnedTopics(db: Database, viewer: Viewer | null, categoryId: number | null) {
  let q = topicRows(db, viewer).where(PIN_IN_FORCE);
  const global = sql<boolean>`topics.pinned_globally and not exists (select 1 from pin_dismissals d where d.topic_id = topics.id and d.user_id = ${viewer?.id ?? 0})`;
  q = categoryId === null ? q.where(global) : q.where(sql<boolean>`(topics.category_id = ${categoryId} or ${global})`);
  return q.orderBy('topics.pinned_globally', 'desc').orderBy('topics.pinned_at', 'desc').limit(50).execute();
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
