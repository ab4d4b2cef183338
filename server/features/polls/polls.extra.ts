import { registerTopicExtra } from '../topics/topic-extras.js';
import { findPollForTopic } from './polls.queries.js';
import { topicPollExtra } from './polls.view.js';

// The poll sits under the first post, which only page 1 shows: other pages, and a topic without a poll (the topic
// row says so), cost no query.
registerTopicExtra('poll', async ({ db, viewer, topic, from }) => {
  if (from !== 1) return undefined;
  const poll = topic.has_poll ? await findPollForTopic(db, topic.id, viewer?.id ?? null) : undefined;
  return topicPollExtra(viewer, topic, poll);
});
