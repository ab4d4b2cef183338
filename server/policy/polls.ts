import { canPost, canReadTopic, isStaff, isSuspended, isUnverified, type TopicState, type Viewer } from './index.js';

/**
 * Poll permissions (part of the one policy module; re-exported from policy/index.ts). Pure functions of
 * (viewer, thing, now), like the rest of the policy.
 *
 * - Attaching a poll writes content: the topic's own starter, signed in, not suspended and not silenced, staff at
 *   any trust level and members from TL1, on a live topic that is not closed (a locked one only for staff).
 * - Voting writes no content, like reacting: any signed-in member who can read the topic and is not suspended —
 *   silenced members and TL0 included — while the poll is open. A locked or closed topic does not close its poll;
 *   staff close the poll itself.
 * - Closing early and the CSV export are for staff (moderators and up) who can read the topic.
 * - A ballot can be withdrawn (not only changed) while the poll is open, by whoever may vote.
 * - Editing, like Discourse: the poll's author (who may still write) or staff, while the poll is open. Before the
 *   first vote everything can change; after it only the question's wording and the close date (fixing a typo,
 *   extending the vote), never the options or the rules, which voters have already answered.
 */

type MaybeViewer = Viewer | null;

export interface PollTopicState extends TopicState {
  user_id: number;
}

export interface PollState {
  closes_at: Date | null;
  closed_at: Date | null;
  results_visibility: 'always' | 'voted' | 'closed';
}

/** Closed by staff, or past its close date. */
export function isPollClosed(poll: Pick<PollState, 'closes_at' | 'closed_at'>, now = new Date()): boolean {
  return !!poll.closed_at || (!!poll.closes_at && poll.closes_at <= now);
}

/** Whether the viewer may attach a poll to this topic, which must not be a contest (the route also checks that it has no poll yet). */
export function canCreatePoll(viewer: MaybeViewer, topic: PollTopicState, now = new Date()): viewer is Viewer {
  if (!canPost(viewer, now) || !canReadTopic(viewer, topic) || topic.deleted_at || topic.closed_at) return false;
  // A contest is decided by its own voting (staff pick or reactions to entries): a poll beside it would compete.
  if (viewer.id !== topic.user_id || topic.contest_deadline) return false;
  if (isStaff(viewer, now)) return true;
  return viewer.trust_level >= 1 && !topic.locked_at;
}

/** Whether the viewer may cast or change a ballot now. */
export function canVote(viewer: MaybeViewer, topic: TopicState, poll: PollState, now = new Date()): viewer is Viewer {
  if (!viewer || isSuspended(viewer, now) || isUnverified(viewer) || !canReadTopic(viewer, topic) || topic.deleted_at) return false;
  return !isPollClosed(poll, now);
}

/** Counts are shown per the poll's rule; staff always see them (to moderate and export). */
export function canSeePollResults(viewer: MaybeViewer, poll: PollState, hasVoted: boolean, now = new Date()): boolean {
  if (isStaff(viewer, now) || poll.results_visibility === 'always') return true;
  if (poll.results_visibility === 'voted') return hasVoted || isPollClosed(poll, now);
  return isPollClosed(poll, now);
}

/** Closing a poll before its date: staff, on an open poll in a topic they can read. */
export function canClosePoll(viewer: MaybeViewer, topic: TopicState, poll: PollState, now = new Date()): viewer is Viewer {
  return isStaff(viewer, now) && canReadTopic(viewer, topic) && !isPollClosed(poll, now);
}

/** Exporting a poll's results as CSV: staff who can read the topic. */
export function canExportPoll(viewer: MaybeViewer, topic: TopicState, now = new Date()): viewer is Viewer {
  return isStaff(viewer, now) && canReadTopic(viewer, topic);
}

export interface EditablePollState extends PollState {
  user_id: number;
  voter_count: number;
}

/** Whether the viewer may edit the poll at all (question and close date; see canEditPollOptions for the rest). */
export function canEditPoll(viewer: MaybeViewer, topic: TopicState, poll: EditablePollState, now = new Date()): viewer is Viewer {
  if (!viewer || !canReadTopic(viewer, topic) || topic.deleted_at || isPollClosed(poll, now)) return false;
  if (isStaff(viewer, now)) return true;
  return viewer.id === poll.user_id && canPost(viewer, now) && !topic.locked_at && !topic.closed_at;
}

/** Options, choice rules and visibility change only before the first vote. */
export function canEditPollOptions(viewer: MaybeViewer, topic: TopicState, poll: EditablePollState, now = new Date()): viewer is Viewer {
  return canEditPoll(viewer, topic, poll, now) && poll.voter_count === 0;
}
