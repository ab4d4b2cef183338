import type { CategoryKind } from '../db/types.js';
import { canReadTopic, isBrandStaff, isSuspended, isUnverified, type TopicState, type Viewer } from './index.js';

/**
 * Idea board permissions (part of the one policy module; re-exported from policy/index.ts).
 * A topic in a category of kind `ideas` is an idea. Decisions, and why:
 * - Voting is like reacting: any signed-in member who is not suspended, silenced members included (a vote writes
 *   no content). Members may vote for their OWN idea, as on Discourse (topic voting) and Canny: an author's vote
 *   is an honest "I want this too", and refusing it only teaches people to ask a friend.
 * - Votes are taken while the idea is open: not closed, not deleted, and not finished (done, declined, merged).
 *   A vote can always be taken back while the member can still see the idea (it is their own opinion).
 * - Statuses and merging speak for the product team: brand staff (role staff or admin) only. Community moderators
 *   keep order but do not decide the roadmap.
 */

type MaybeViewer = Viewer | null;

/** The statuses after which an idea takes no more votes. */
export const FINISHED_IDEA_STATUSES: readonly string[] = ['done', 'declined', 'merged'];

export interface IdeaState extends TopicState {
  category_kind: CategoryKind;
  idea_status: string;
}

/** A topic in a category of kind `ideas` is an idea. */
export function isIdea(topic: Pick<IdeaState, 'category_kind'>): boolean {
  return topic.category_kind === 'ideas';
}

/** Whether the idea still takes votes (open, not finished). */
export function isIdeaOpenForVotes(topic: IdeaState): boolean {
  return isIdea(topic) && !topic.deleted_at && !topic.closed_at && !FINISHED_IDEA_STATUSES.includes(topic.idea_status);
}

/** A signed-in, not suspended member who can read the idea gives it a vote (their own idea too; silence allows it). */
export function canVoteIdea(viewer: MaybeViewer, topic: IdeaState, now = new Date()): viewer is Viewer {
  return !!viewer && !isSuspended(viewer, now) && !isUnverified(viewer) && canReadTopic(viewer, topic) && isIdeaOpenForVotes(topic);
}

/** Taking one's vote back works whatever became of the idea, as long as the member can still read it. */
export function canUnvoteIdea(viewer: MaybeViewer, topic: IdeaState, now = new Date()): viewer is Viewer {
  return !!viewer && !isSuspended(viewer, now) && canReadTopic(viewer, topic) && isIdea(topic) && !topic.deleted_at;
}

/** Brand staff set an idea's status (not on a merged duplicate: its votes live on elsewhere). */
export function canSetIdeaStatus(viewer: MaybeViewer, topic: IdeaState, now = new Date()): viewer is Viewer {
  return isBrandStaff(viewer, now) && canReadTopic(viewer, topic) && isIdea(topic) && !topic.deleted_at && topic.idea_status !== 'merged';
}

/** Brand staff merge a duplicate idea into another (the same rule as setting a status: it sets `merged`). */
export function canMergeIdea(viewer: MaybeViewer, topic: IdeaState, now = new Date()): viewer is Viewer {
  return canSetIdeaStatus(viewer, topic, now);
}

/** What the idea panel on a topic page offers this viewer. */
export function ideaActions(viewer: MaybeViewer, topic: IdeaState, voted: boolean, now = new Date()) {
  return {
    vote: !voted && canVoteIdea(viewer, topic, now),
    unvote: voted && canUnvoteIdea(viewer, topic, now),
    setStatus: canSetIdeaStatus(viewer, topic, now),
    merge: canMergeIdea(viewer, topic, now),
  };
}
