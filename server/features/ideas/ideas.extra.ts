import { ideaActions, isIdea, readAccessFor } from '../../policy/index.js';
import { registerTopicExtra } from '../topics/topic-extras.js';
import * as q from './ideas.queries.js';

/**
 * The idea panel of a topic page (`it.extras.idea`): status, votes, the viewer's vote and what they may do, the
 * status history and a merged duplicate's survivor. Nothing (and no query) for topics that are not ideas.
 */
registerTopicExtra('idea', async ({ db, viewer, topic }) => {
  if (!isIdea(topic)) return undefined;
  const panel = await q.loadIdeaPanel(db, topic.id, viewer?.id ?? null, topic.idea_merged_into_id, readAccessFor(viewer));
  return { ...panel, status: topic.idea_status, count: topic.vote_count, can: ideaActions(viewer, topic, panel.voted) };
});
