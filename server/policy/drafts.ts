import { canReadTopic, isSuspended, type TopicState, type Viewer } from './index.js';

/**
 * Draft permissions (part of the one policy module). A draft is private working text: only its author ever
 * reads it, so keeping one needs no right to publish (a silenced or unconfirmed member may keep writing), only a
 * working account and, for a reply, a topic the member can read.
 */

type MaybeViewer = Viewer | null;

/** Keeping a draft of a new topic. */
export function canKeepTopicDraft(viewer: MaybeViewer, now = new Date()): viewer is Viewer {
  return !!viewer && !isSuspended(viewer, now);
}

/** Keeping a draft of a reply in this topic. */
export function canKeepReplyDraft(viewer: MaybeViewer, topic: TopicState, now = new Date()): viewer is Viewer {
  return canKeepTopicDraft(viewer, now) && canReadTopic(viewer, topic) && !topic.deleted_at;
}
