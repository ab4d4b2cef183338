import { canWatchTopic } from '../../policy/index.js';
import { sql } from 'kysely';
import { registerTopicExtra, registerTopicField } from '../topics/topic-extras.js';
import { POSTS_PER_PAGE } from '../topics/topics.queries.js';
import { findTopicWatchState, parseWatchState, type TopicWatchState, watchStateJson } from './watching.queries.js';

/** What the topic page's watch control and bookmark buttons get as `it.extras.watch`. */
export interface TopicWatchExtra extends TopicWatchState {
  canWatch: boolean;
  /** "Jump to first unread": the first post after the viewer's read mark, with its page. */
  jumpUrl: string | null;
}

/** The address of a post in its topic (the same shape as topicUrl in topics.routes). */
export function postUrl(topic: { id: number; slug: string }, postNumber: number, postId: number): string {
  const page = Math.ceil(postNumber / POSTS_PER_PAGE);
  return `/t/${topic.id}/${topic.slug}${page > 1 ? `?page=${page}` : ''}#post-${postId}`;
}

/** Builds the extra from the state (also used by the watch routes to re-render the control). */
export function watchExtra(topic: Parameters<typeof canWatchTopic>[1] & { id: number; slug: string }, viewer: Parameters<typeof canWatchTopic>[0], state: TopicWatchState): TopicWatchExtra {
  return { ...state, canWatch: canWatchTopic(viewer, topic), jumpUrl: state.firstUnread ? postUrl(topic, state.firstUnread.post_number, state.firstUnread.id) : null };
}

// Levels, bookmarks on the page and read mark, for signed-in viewers: selected with the topic on the topic page (a
// field: no round trip of its own), else one query; nothing for guests.
registerTopicField('watch', ({ viewer, from, to }) => (viewer ? watchStateJson(viewer.id, sql.ref('topics.id'), sql.ref('topics.category_id'), from, to) : null));
registerTopicExtra('watch', async ({ db, viewer, topic, from, to }) => {
  if (!viewer) return undefined;
  const state = topic.fields.watch !== undefined ? parseWatchState(topic.fields.watch) : await findTopicWatchState(db, viewer.id, topic, from, to);
  return watchExtra(topic, viewer, state);
});
