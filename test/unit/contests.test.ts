import { describe, expect, it } from 'vitest';
import type { Role } from '../../server/db/types.js';
import { parseContestInput, parseWinnersInput, rewardFor } from '../../server/features/contests/contests.service.js';
import {
  canCreateContest, canEditContest, canEditPoll, canEditPollOptions, canFinishContest, canReply, canSeeContestRanking, type ContestState, type ContestTopicState,
  type EditablePollState, isContestOpen, type Viewer,
} from '../../server/policy/index.js';
import { FormError } from '../../server/web/forms.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const HOUR = 3600_000;
const later = new Date(NOW.getTime() + HOUR);
const earlier = new Date(NOW.getTime() - HOUR);

function viewer(over: Partial<Viewer> = {}): Viewer {
  return { id: 1, username: 'u', role: 'staff' as Role, trust_level: 1, created_at: new Date('2020-01-01'), silenced_until: null, suspended_until: null, ...over };
}
function topic(over: Partial<ContestTopicState> = {}): ContestTopicState {
  return { user_id: 1, category: { read_access: 'everyone', post_access: 'members' }, locked_at: null, closed_at: null, deleted_at: null, reply_count: 0, ...over };
}
const contest = (over: Partial<ContestState> = {}): ContestState => ({ entry_deadline: later, voting_mode: 'staff', finished_at: null, ...over });

describe('contest policy', () => {
  it('starting: brand staff, on their own live topic without replies; not moderators, members, the sanctioned or guests', () => {
    expect(canCreateContest(viewer(), topic(), NOW)).toBe(true);
    expect(canCreateContest(viewer({ role: 'admin' }), topic(), NOW)).toBe(true);
    expect(canCreateContest(viewer({ role: 'moderator' }), topic(), NOW)).toBe(false);
    expect(canCreateContest(viewer({ role: 'member' }), topic(), NOW)).toBe(false);
    expect(canCreateContest(null, topic(), NOW)).toBe(false);
    expect(canCreateContest(viewer({ id: 2 }), topic(), NOW)).toBe(false);
    expect(canCreateContest(viewer({ silenced_until: later }), topic(), NOW)).toBe(false);
    expect(canCreateContest(viewer({ suspended_until: later }), topic(), NOW)).toBe(false);
    expect(canCreateContest(viewer(), topic({ reply_count: 1 }), NOW)).toBe(false);
    expect(canCreateContest(viewer(), topic({ closed_at: earlier }), NOW)).toBe(false);
    expect(canCreateContest(viewer(), topic({ deleted_at: earlier }), NOW)).toBe(false);
  });

  it('entries close by themselves at the deadline: members may not reply after it, moderators and staff still may', () => {
    const member = viewer({ role: 'member', id: 7 });
    expect(canReply(member, topic({ contest_deadline: later }), NOW)).toBe(true);
    expect(canReply(member, topic({ contest_deadline: earlier }), NOW)).toBe(false);
    expect(canReply(member, topic({ contest_deadline: NOW }), NOW)).toBe(false);
    expect(canReply(viewer({ role: 'moderator', id: 8 }), topic({ contest_deadline: earlier }), NOW)).toBe(true);
    expect(canReply(viewer(), topic({ contest_deadline: earlier }), NOW)).toBe(true);
    expect(canReply(viewer({ suspended_until: later }), topic({ contest_deadline: earlier }), NOW)).toBe(false);
    expect(isContestOpen(contest(), NOW)).toBe(true);
    expect(isContestOpen(contest({ entry_deadline: earlier }), NOW)).toBe(false);
    expect(isContestOpen(contest({ finished_at: earlier }), NOW)).toBe(false);
  });

  it('winners: brand staff after the deadline, once; the ranking: staff any time, everyone after the deadline (reactions mode)', () => {
    const closed = contest({ entry_deadline: earlier });
    expect(canFinishContest(viewer(), topic(), closed, NOW)).toBe(true);
    expect(canFinishContest(viewer(), topic(), contest(), NOW)).toBe(false);
    expect(canFinishContest(viewer(), topic(), contest({ entry_deadline: earlier, finished_at: NOW }), NOW)).toBe(false);
    expect(canFinishContest(viewer({ role: 'moderator' }), topic(), closed, NOW)).toBe(false);
    expect(canFinishContest(viewer({ suspended_until: later }), topic(), closed, NOW)).toBe(false);
    expect(canFinishContest(null, topic(), closed, NOW)).toBe(false);
    expect(canFinishContest(viewer({ id: 9 }), topic(), closed, NOW)).toBe(true);
    expect(canEditContest(viewer(), topic(), closed, NOW)).toBe(true);
    expect(canEditContest(viewer(), topic(), contest({ finished_at: NOW }), NOW)).toBe(false);
    expect(canEditContest(viewer({ role: 'moderator' }), topic(), contest(), NOW)).toBe(false);
    const reactions = contest({ voting_mode: 'reactions' });
    expect(canSeeContestRanking(viewer({ role: 'member' }), reactions, NOW)).toBe(false);
    expect(canSeeContestRanking(viewer(), reactions, NOW)).toBe(true);
    expect(canSeeContestRanking(null, { ...reactions, entry_deadline: earlier }, NOW)).toBe(true);
    expect(canSeeContestRanking(viewer(), contest({ entry_deadline: earlier }), NOW)).toBe(false);
  });
});

describe('contest input', () => {
  it('the deadline is a future UTC time within a year; the mode is staff or reactions', () => {
    expect(parseContestInput({ entry_deadline: '2026-06-02T12:00', voting_mode: 'reactions' }, NOW)).toEqual({ entry_deadline: new Date('2026-06-02T12:00:00Z'), voting_mode: 'reactions' });
    expect(parseContestInput({ entry_deadline: '2026-06-02T12:00' }, NOW).voting_mode).toBe('staff');
    const fields = (input: Parameters<typeof parseContestInput>[0]) => {
      try {
        parseContestInput(input, NOW);
        return null;
      } catch (err) {
        return Object.keys((err as FormError).fields);
      }
    };
    expect(fields({ entry_deadline: '' })).toEqual(['entry_deadline']);
    expect(fields({ entry_deadline: '2026-02-31T10:00' })).toEqual(['entry_deadline']);
    expect(fields({ entry_deadline: '2026-05-01T10:00' })).toEqual(['entry_deadline']);
    expect(fields({ entry_deadline: '2027-07-01T10:00' })).toEqual(['entry_deadline']);
    expect(fields({ entry_deadline: '2026-06-02T12:00', voting_mode: 'jury' })).toEqual(['voting_mode']);
  });

  it('winners: places and plain winners; at least one; an entry once; ids only', () => {
    expect(parseWinnersInput({ first: '5', second: '', third: '7', winners: ['9'] })).toEqual([
      { postId: 5, place: 1 }, { postId: 7, place: 3 }, { postId: 9, place: null },
    ]);
    expect(() => parseWinnersInput({})).toThrow(FormError);
    expect(() => parseWinnersInput({ first: '5', winners: ['5'] })).toThrow(FormError);
    expect(() => parseWinnersInput({ first: '-1' })).toThrow(FormError);
    expect(() => parseWinnersInput({ winners: ['1e3'] })).toThrow(FormError);
    expect(rewardFor({ reputation: [50, 30, 20], winner: 30 }, 1)).toBe(50);
    expect(rewardFor({ reputation: [50, 30, 20], winner: 30 }, 3)).toBe(20);
    expect(rewardFor({ reputation: [50, 30, 20], winner: 30 }, null)).toBe(30);
  });
});

describe('poll editing policy', () => {
  const member = viewer({ role: 'member', id: 3 });
  const poll = (over: Partial<EditablePollState> = {}): EditablePollState => ({ closes_at: null, closed_at: null, results_visibility: 'always', user_id: 3, voter_count: 0, ...over });
  it('the author (who may write) or staff, on an open poll; options only before the first vote', () => {
    expect(canEditPoll(member, topic(), poll(), NOW)).toBe(true);
    expect(canEditPollOptions(member, topic(), poll(), NOW)).toBe(true);
    expect(canEditPoll(member, topic(), poll({ voter_count: 2 }), NOW)).toBe(true);
    expect(canEditPollOptions(member, topic(), poll({ voter_count: 2 }), NOW)).toBe(false);
    expect(canEditPoll(viewer({ role: 'member', id: 4 }), topic(), poll(), NOW)).toBe(false);
    expect(canEditPoll(viewer({ role: 'moderator', id: 4 }), topic(), poll(), NOW)).toBe(true);
    expect(canEditPoll(viewer({ role: 'member', id: 3, silenced_until: later }), topic(), poll(), NOW)).toBe(false);
    expect(canEditPoll(member, topic({ locked_at: earlier }), poll(), NOW)).toBe(false);
    expect(canEditPoll(member, topic(), poll({ closes_at: earlier }), NOW)).toBe(false);
    expect(canEditPoll(viewer(), topic(), poll({ closed_at: earlier }), NOW)).toBe(false);
    expect(canEditPoll(null, topic(), poll(), NOW)).toBe(false);
  });
});
