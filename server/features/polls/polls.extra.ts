import { registerTopicExtra } from '../topics/topic-extras.js';
import { findPollForTopic } from './polls.queries.js';
import { topicPollExtra } from './polls.view.js';

// The poll sits under the first post, which only page 1 shows: other pages cost no query.
registerTopicExtra('poll', async ({ db, viewer, topic, from }) => {
  if (from !== 1) return undefined;
  const poll = await findPollForTopic(db, topic.id, viewer?.id ?? null);
  return topicPollExtra(viewer, topic, poll);
});
