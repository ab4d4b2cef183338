import { registerTopicExtra } from '../topics/topic-extras.js';
import { findDraft } from './drafts.queries.js';
import { replyKey } from './drafts.service.js';

// The signed-in member's reply draft for this topic, put back into the reply form (`it.extras.draft`): one
// primary-key lookup, made only for members who keep some draft (the session query tells); nothing for guests.
registerTopicExtra('draft', async ({ db, viewer, topic }) => {
  if (!viewer?.has_drafts) return undefined;
  return findDraft(db, viewer.id, replyKey(topic.id));
});
