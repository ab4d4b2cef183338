import { canPost, canReadTopic, isBrandStaff, type TopicState, type Viewer } from './index.js';

/**
 * Contest permissions (part of the one policy module; re-exported from policy/index.ts). Decisions, and why:
 * - Contests speak for the brand (prizes, badges, reputation): brand staff (staff, admin) run them; community
 *   moderators keep order but do not hand out prizes.
 * - A contest is made by attaching contest settings to a topic the staff member started, before anyone replied:
 *   the first post is the rules, and every reply is then an entry by definition (no earlier chatter to sort out).
 * - Entries close by themselves at the deadline (computed on read; see canReply's contest rule in index.ts).
 *   Moderators and staff may still post afterwards (results, moderation notes); such posts are not entries.
 * - Until the winners are marked, brand staff may move the deadline (extend a contest, or reopen entries) and change
 *   the voting mode; a move only changes which replies count as entries, never the replies themselves.
 * - Winners are marked once, after the deadline, by brand staff. In reactions mode everyone sees the ranking
 *   after the deadline; before it only staff do, so early counts do not steer the voting.
 */

type MaybeViewer = Viewer | null;

export interface ContestTopicState extends TopicState {
  user_id: number;
}

export interface ContestState {
  entry_deadline: Date;
  voting_mode: 'staff' | 'reactions';
  finished_at: Date | null;
}

/** Entries are taken until the deadline (and never once winners are marked). */
export function isContestOpen(contest: Pick<ContestState, 'entry_deadline' | 'finished_at'>, now = new Date()): boolean {
  return !contest.finished_at && contest.entry_deadline > now;
}

/** Whether the viewer may turn this topic into a contest (the route also checks that it is not one already). */
export function canCreateContest(viewer: MaybeViewer, topic: ContestTopicState, now = new Date()): viewer is Viewer {
  if (!isBrandStaff(viewer, now) || !canPost(viewer, now) || !canReadTopic(viewer, topic)) return false;
  return viewer.id === topic.user_id && !topic.deleted_at && !topic.closed_at && topic.reply_count === 0;
}

/** Marking winners: brand staff, after the deadline, once. */
export function canFinishContest(viewer: MaybeViewer, topic: TopicState, contest: ContestState, now = new Date()): viewer is Viewer {
  if (!isBrandStaff(viewer, now) || !canReadTopic(viewer, topic) || topic.deleted_at) return false;
  return !contest.finished_at && contest.entry_deadline <= now;
}

/** The reactions ranking: staff at any time, everyone who reads the topic once entries are closed. */
export function canSeeContestRanking(viewer: MaybeViewer, contest: ContestState, now = new Date()): boolean {
  if (contest.voting_mode !== 'reactions') return false;
  return isBrandStaff(viewer, now) || !isContestOpen(contest, now);
}

/** Changing the deadline or the voting mode: brand staff, until the winners are marked. */
export function canEditContest(viewer: MaybeViewer, topic: TopicState, contest: ContestState, now = new Date()): viewer is Viewer {
  return isBrandStaff(viewer, now) && canReadTopic(viewer, topic) && !topic.deleted_at && !contest.finished_at;
}
