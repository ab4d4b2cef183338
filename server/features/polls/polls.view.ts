import { canClosePoll, canCreatePoll, canEditPoll, canExportPoll, canSeePollResults, canVote, isPollClosed, type PollTopicState, type Viewer } from '../../policy/index.js';
import type { PollRow } from './polls.queries.js';

/** A share of voters as a whole percentage (0 when nobody voted yet). */
export function percentOf(votes: number, voters: number): number {
  return voters > 0 ? Math.round((votes / voters) * 100) : 0;
}

/**
 * A poll as this viewer sees it, decided once by policy (pure): counts only when the results are visible to them,
 * their own choices, and which actions they have. Templates receive this unchanged.
 */
export function pollView(viewer: Viewer | null, topic: PollTopicState, poll: PollRow, now = new Date()) {
  const closed = isPollClosed(poll, now);
  const voted = poll.mine.length > 0;
  const showResults = canSeePollResults(viewer, poll, voted, now);
  const options = poll.options.map((o) => ({
    id: o.id,
    label: o.label,
    mine: poll.mine.includes(o.id),
    votes: showResults ? o.vote_count : null,
    percent: showResults ? percentOf(o.vote_count, poll.voter_count) : null,
  }));
  return {
    id: poll.id,
    topic_id: poll.topic_id,
    question: poll.question,
    multiple: poll.multiple,
    max_choices: poll.max_choices,
    results_visibility: poll.results_visibility,
    closes_at: poll.closes_at,
    closed_at: poll.closed_at,
    closed,
    voted,
    showResults,
    voters: showResults ? poll.voter_count : null,
    options,
    can: {
      vote: canVote(viewer, topic, poll, now),
      close: canClosePoll(viewer, topic, poll, now),
      export: canExportPoll(viewer, topic, now),
      edit: canEditPoll(viewer, topic, poll, now),
      /** A guest is invited to log in to vote on an open poll. */
      login: !viewer && !closed && !topic.deleted_at,
    },
  };
}

export type PollView = ReturnType<typeof pollView>;

/** What the topic page receives as `it.extras.poll`: the poll, or (for its starter) the offer to attach one. */
export interface TopicPollExtra {
  view: PollView | null;
  canCreate: boolean;
}

export function topicPollExtra(viewer: Viewer | null, topic: PollTopicState, poll: PollRow | undefined, now = new Date()): TopicPollExtra | undefined {
  if (poll) return { view: pollView(viewer, topic, poll, now), canCreate: false };
  return canCreatePoll(viewer, topic, now) ? { view: null, canCreate: true } : undefined;
}
