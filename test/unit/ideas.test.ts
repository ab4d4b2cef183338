import { describe, expect, it } from 'vitest';
import type { CategoryKind, ReadAccess, Role } from '../../server/db/types.js';
import {
  canMergeIdea, canSetIdeaStatus, canUnvoteIdea, canVoteIdea, ideaActions, type IdeaState, isIdea, isIdeaOpenForVotes, type Viewer,
} from '../../server/policy/index.js';
import { decodeVotesCursor, encodeVotesCursor } from '../../server/features/ideas/ideas.queries.js';

const NOW = new Date();
const LATER = new Date(NOW.getTime() + 30 * 86400_000);

let nextId = 1;
function viewer(role: Role, state: Partial<Pick<Viewer, 'silenced_until' | 'suspended_until'>> = {}): Viewer {
  return { id: nextId++, username: role, role, trust_level: 1, created_at: NOW, silenced_until: null, suspended_until: null, ...state };
}

function idea(over: Partial<IdeaState> & { read_access?: ReadAccess; kind?: CategoryKind } = {}): IdeaState {
  const { read_access = 'everyone', kind = 'ideas', ...rest } = over;
  return {
    category: { read_access, post_access: 'members' }, category_kind: kind, idea_status: 'new',
    locked_at: null, closed_at: null, deleted_at: null, reply_count: 0, ...rest,
  };
}

const member = viewer('member');
const silenced = viewer('member', { silenced_until: LATER });
const suspended = viewer('member', { suspended_until: LATER });
const mod = viewer('moderator');
const staff = viewer('staff');
const admin = viewer('admin');
const suspendedStaff = viewer('staff', { suspended_until: LATER });

describe('idea policy', () => {
  it('only topics in ideas categories are ideas', () => {
    expect(isIdea(idea())).toBe(true);
    for (const kind of ['discussion', 'questions', 'announcements'] as const) expect(isIdea(idea({ kind }))).toBe(false);
  });

  it('voting: signed-in members who are not suspended (silenced too, staff too); never guests', () => {
    const table: [Viewer | null, boolean][] = [[null, false], [member, true], [silenced, true], [suspended, false], [mod, true], [staff, true], [admin, true], [suspendedStaff, false]];
    for (const [v, ok] of table) {
      expect(canVoteIdea(v, idea())).toBe(ok);
      expect(canUnvoteIdea(v, idea())).toBe(ok);
    }
  });

  it('votes only while open; taking one back works on finished and closed ideas, not on deleted or unreadable ones', () => {
    for (const status of ['new', 'under_review', 'planned', 'in_progress']) expect(canVoteIdea(member, idea({ idea_status: status }))).toBe(true);
    for (const status of ['done', 'declined', 'merged']) {
      expect(isIdeaOpenForVotes(idea({ idea_status: status }))).toBe(false);
      expect(canVoteIdea(member, idea({ idea_status: status }))).toBe(false);
      expect(canUnvoteIdea(member, idea({ idea_status: status }))).toBe(true);
    }
    expect(canVoteIdea(member, idea({ closed_at: NOW }))).toBe(false);
    expect(canUnvoteIdea(member, idea({ closed_at: NOW }))).toBe(true);
    expect(canVoteIdea(member, idea({ locked_at: NOW }))).toBe(true);
    expect(canVoteIdea(staff, idea({ deleted_at: NOW }))).toBe(false);
    expect(canUnvoteIdea(staff, idea({ deleted_at: NOW }))).toBe(false);
    expect(canVoteIdea(member, idea({ read_access: 'staff' }))).toBe(false);
    expect(canVoteIdea(staff, idea({ read_access: 'staff' }))).toBe(true);
    expect(canVoteIdea(member, idea({ kind: 'discussion' }))).toBe(false);
  });

  it('statuses and merging: brand staff (staff, admin) only, not moderators, not on merged or deleted ideas', () => {
    const table: [Viewer | null, boolean][] = [[null, false], [member, false], [silenced, false], [mod, false], [staff, true], [admin, true], [suspendedStaff, false]];
    for (const [v, ok] of table) {
      expect(canSetIdeaStatus(v, idea())).toBe(ok);
      expect(canMergeIdea(v, idea())).toBe(ok);
    }
    expect(canSetIdeaStatus(staff, idea({ idea_status: 'merged' }))).toBe(false);
    expect(canSetIdeaStatus(staff, idea({ idea_status: 'declined' }))).toBe(true);
    expect(canSetIdeaStatus(staff, idea({ deleted_at: NOW }))).toBe(false);
    expect(canSetIdeaStatus(staff, idea({ kind: 'questions' }))).toBe(false);
  });

  it('the panel offers vote or unvote by the viewer’s state', () => {
    expect(ideaActions(member, idea(), false)).toEqual({ vote: true, unvote: false, setStatus: false, merge: false });
    expect(ideaActions(member, idea(), true)).toEqual({ vote: false, unvote: true, setStatus: false, merge: false });
    expect(ideaActions(staff, idea({ idea_status: 'done' }), false)).toEqual({ vote: false, unvote: false, setStatus: true, merge: true });
    expect(ideaActions(null, idea(), false)).toEqual({ vote: false, unvote: false, setStatus: false, merge: false });
  });
});

describe('votes cursor', () => {
  it('round-trips and refuses malformed input', () => {
    expect(decodeVotesCursor(encodeVotesCursor({ vote_count: 12, id: 345 }))).toEqual({ votes: 12, id: 345 });
    expect(decodeVotesCursor('0_1')).toEqual({ votes: 0, id: 1 });
    for (const bad of ['', '1_0', 'a_1', '1_', '-1_2', '1_99999999999', '1_2_3']) expect(decodeVotesCursor(bad)).toBeNull();
  });
});
