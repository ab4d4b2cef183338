import { describe, expect, it } from 'vitest';
import type { PostAccess, ReadAccess, Role } from '../../server/db/types.js';
import {
  canAccessAdmin,
  canChangeRole,
  canDeletePost,
  canEditPost,
  canPost,
  canReadCategory,
  canReadTopic,
  canReply,
  canRestorePost,
  canSeePostBody,
  canStartTopic,
  canViewRevisions,
  isAdmin,
  isSilenced,
  isStaff,
  isSuspended,
  postAccessFor,
  readAccessFor,
  type PostState,
  type TopicState,
  type Viewer,
} from '../../server/policy/index.js';

// Suspension is also read from the real clock by readAccessFor, so "now" is the real time
// and "active"/"expired" restrictions are a month away from it.
const NOW = new Date();
const HOUR = 3600_000;
const IN_A_MONTH = new Date(NOW.getTime() + 30 * 24 * HOUR);
const A_MONTH_AGO = new Date(NOW.getTime() - 30 * 24 * HOUR);
const EDIT_WINDOW_HOURS = 24;

let nextId = 1;
function viewer(role: Role, trust_level: number, state: Partial<Pick<Viewer, 'silenced_until' | 'suspended_until'>> = {}): Viewer {
  return {
    id: nextId++,
    username: `${role}${trust_level}`,
    role,
    trust_level,
    created_at: new Date('2024-01-01T00:00:00Z'),
    silenced_until: null,
    suspended_until: null,
    ...state,
  };
}

const silenced = { silenced_until: IN_A_MONTH };
const suspended = { suspended_until: IN_A_MONTH };

/** Every role, in every state, by the name the tables use. */
const V = {
  guest: null,
  tl0: viewer('member', 0),
  tl1: viewer('member', 1),
  tl2: viewer('member', 2),
  moderator: viewer('moderator', 1),
  staff: viewer('staff', 1),
  admin: viewer('admin', 1),
  silencedTl0: viewer('member', 0, silenced),
  silencedTl2: viewer('member', 2, silenced),
  silencedModerator: viewer('moderator', 1, silenced),
  silencedAdmin: viewer('admin', 1, silenced),
  suspendedTl0: viewer('member', 0, suspended),
  suspendedTl2: viewer('member', 2, suspended),
  suspendedModerator: viewer('moderator', 1, suspended),
  suspendedStaff: viewer('staff', 1, suspended),
  suspendedAdmin: viewer('admin', 1, suspended),
  silenceExpiredTl0: viewer('member', 0, { silenced_until: A_MONTH_AGO }),
  suspensionExpiredTl0: viewer('member', 0, { suspended_until: A_MONTH_AGO }),
} satisfies Record<string, Viewer | null>;
type Who = keyof typeof V;
const ALL_VIEWERS = Object.keys(V) as Who[];

function category(read_access: ReadAccess = 'everyone', post_access: PostAccess = 'members') {
  return { read_access, post_access };
}

function topic(over: Partial<TopicState> = {}): TopicState {
  return { category: category(), locked_at: null, deleted_at: null, reply_count: 3, ...over };
}

function post(author: Viewer | null | number, over: Partial<PostState> = {}): PostState {
  const user_id = typeof author === 'number' ? author : (author?.id ?? 9999);
  return { user_id, post_number: 2, created_at: new Date(NOW.getTime() - HOUR), deleted_at: null, hidden_at: null, ...over };
}

const OTHER_USER = 424242;
const T = true;
const F = false;

/** Runs `check` for every row of a table whose columns are named cases. */
function table<C extends string>(cases: readonly C[], rows: Partial<Record<Who, boolean[]>>, check: (who: Who, c: C) => boolean) {
  for (const [who, expected] of Object.entries(rows) as [Who, boolean[]][]) {
    it(`${who}: ${cases.map((c, i) => `${c}=${expected[i] ? 'yes' : 'no'}`).join(', ')}`, () => {
      expect(expected).toHaveLength(cases.length);
      expect(cases.map((c) => check(who, c))).toEqual(expected);
    });
  }
}

describe('role and state predicates', () => {
  it('isStaff is true exactly for moderator, staff and admin', () => {
    expect([V.guest, V.tl0, V.tl2, V.moderator, V.staff, V.admin].map((v) => isStaff(v))).toEqual([F, F, F, T, T, T]);
  });

  it('isAdmin is true only for admin', () => {
    expect([V.guest, V.tl2, V.moderator, V.staff, V.admin].map((v) => isAdmin(v))).toEqual([F, F, F, F, T]);
  });

  it('a suspension or silence applies until its end time, not after', () => {
    const until = new Date('2030-01-01T00:00:00Z');
    const v = viewer('member', 0, { suspended_until: until, silenced_until: until });
    expect(isSuspended(v, new Date(until.getTime() - 1))).toBe(true);
    expect(isSuspended(v, until)).toBe(false);
    expect(isSilenced(v, new Date(until.getTime() - 1))).toBe(true);
    expect(isSilenced(v, until)).toBe(false);
  });

  it('guests are neither suspended nor silenced', () => {
    expect(isSuspended(null)).toBe(false);
    expect(isSilenced(null)).toBe(false);
  });
});

describe('readAccessFor / postAccessFor', () => {
  it.each<[Who, ReadAccess[]]>([
    ['guest', ['everyone']],
    ['tl0', ['everyone', 'members']],
    ['tl2', ['everyone', 'members']],
    ['silencedTl0', ['everyone', 'members']],
    ['moderator', ['everyone', 'members', 'staff']],
    ['staff', ['everyone', 'members', 'staff']],
    ['admin', ['everyone', 'members', 'staff']],
    ['silencedModerator', ['everyone', 'members', 'staff']],
    ['suspendedTl0', ['everyone']],
    ['suspendedModerator', ['everyone']],
    ['suspendedAdmin', ['everyone']],
    ['suspensionExpiredTl0', ['everyone', 'members']],
  ])('%s reads categories open to %j', (who, expected) => {
    expect([...readAccessFor(V[who])].sort()).toEqual([...expected].sort());
  });

  it.each<[Who, PostAccess[]]>([
    ['guest', []],
    ['tl0', ['members']],
    ['tl2', ['members']],
    ['moderator', ['members', 'staff']],
    ['staff', ['members', 'staff']],
    ['admin', ['members', 'staff']],
  ])('%s may start topics where post_access is one of %j', (who, expected) => {
    expect([...postAccessFor(V[who])].sort()).toEqual([...expected].sort());
  });

  it('canReadCategory agrees with readAccessFor for every viewer and every read_access', () => {
    const levels: ReadAccess[] = ['everyone', 'members', 'staff'];
    for (const who of ALL_VIEWERS) {
      for (const read_access of levels) {
        expect(canReadCategory(V[who], { read_access }), `${who} / ${read_access}`).toBe(readAccessFor(V[who]).includes(read_access));
      }
    }
  });
});

describe('canReadCategory', () => {
  const cases = ['everyone', 'members', 'staff'] as const;
  table(cases, {
    guest: [T, F, F],
    tl0: [T, T, F],
    tl1: [T, T, F],
    tl2: [T, T, F],
    moderator: [T, T, T],
    staff: [T, T, T],
    admin: [T, T, T],
    silencedTl0: [T, T, F],
    silencedModerator: [T, T, T],
    suspendedTl0: [T, F, F],
    suspendedModerator: [T, F, F],
    suspendedAdmin: [T, F, F],
    suspensionExpiredTl0: [T, T, F],
  }, (who, read_access) => canReadCategory(V[who], { read_access }));
});

describe('canPost: signed in, not suspended, not silenced', () => {
  table(['now'] as const, {
    guest: [F],
    tl0: [T],
    tl2: [T],
    moderator: [T],
    admin: [T],
    silencedTl0: [F],
    silencedAdmin: [F],
    suspendedTl0: [F],
    suspendedAdmin: [F],
    silenceExpiredTl0: [T],
    suspensionExpiredTl0: [T],
  }, (who) => canPost(V[who], NOW));
});

describe('canStartTopic: category read_access / post_access', () => {
  const cats = {
    'everyone/members': category('everyone', 'members'),
    'members/members': category('members', 'members'),
    'everyone/staff': category('everyone', 'staff'),
    'staff/staff': category('staff', 'staff'),
  };
  const cases = Object.keys(cats) as (keyof typeof cats)[];
  table(cases, {
    guest: [F, F, F, F],
    tl0: [T, T, F, F],
    tl1: [T, T, F, F],
    tl2: [T, T, F, F],
    moderator: [T, T, T, T],
    staff: [T, T, T, T],
    admin: [T, T, T, T],
    silencedTl2: [F, F, F, F],
    silencedModerator: [F, F, F, F],
    suspendedTl0: [F, F, F, F],
    suspendedAdmin: [F, F, F, F],
  }, (who, c) => canStartTopic(V[who], cats[c], NOW));
});

describe('canReadTopic: topic state and category', () => {
  const topics = {
    open: topic(),
    locked: topic({ locked_at: NOW }),
    deleted: topic({ deleted_at: NOW }),
    membersCategory: topic({ category: category('members') }),
    staffCategory: topic({ category: category('staff', 'staff') }),
    deletedInStaffCategory: topic({ category: category('staff', 'staff'), deleted_at: NOW }),
  };
  const cases = Object.keys(topics) as (keyof typeof topics)[];
  table(cases, {
    guest: [T, T, F, F, F, F],
    tl0: [T, T, F, T, F, F],
    tl2: [T, T, F, T, F, F],
    moderator: [T, T, T, T, T, T],
    staff: [T, T, T, T, T, T],
    admin: [T, T, T, T, T, T],
    silencedTl0: [T, T, F, T, F, F],
    suspendedTl0: [T, T, F, F, F, F],
  }, (who, c) => canReadTopic(V[who], topics[c]));
});

describe('canReply: topic state and category', () => {
  const topics = {
    open: topic(),
    locked: topic({ locked_at: NOW }),
    deleted: topic({ deleted_at: NOW }),
    membersCategory: topic({ category: category('members') }),
    staffCategory: topic({ category: category('staff', 'staff') }),
  };
  const cases = Object.keys(topics) as (keyof typeof topics)[];
  table(cases, {
    guest: [F, F, F, F, F],
    tl0: [T, F, F, T, F],
    tl1: [T, F, F, T, F],
    tl2: [T, F, F, T, F],
    moderator: [T, T, F, T, T],
    staff: [T, T, F, T, T],
    admin: [T, T, F, T, T],
    silencedTl0: [F, F, F, F, F],
    silencedModerator: [F, F, F, F, F],
    suspendedTl0: [F, F, F, F, F],
    suspendedModerator: [F, F, F, F, F],
    silenceExpiredTl0: [T, F, F, T, F],
  }, (who, c) => canReply(V[who], topics[c], NOW));
});

describe('canSeePostBody: deleted and hidden posts', () => {
  const cases = ['ownVisible', 'otherVisible', 'ownDeleted', 'otherDeleted', 'ownHidden', 'otherHidden', 'ownHiddenAndDeleted'] as const;
  const make = (who: Who, c: (typeof cases)[number]) => {
    const author = c.startsWith('own') ? V[who] : OTHER_USER;
    return post(author, {
      deleted_at: /Deleted/.test(c) ? NOW : null,
      hidden_at: /Hidden/.test(c) ? NOW : null,
    });
  };
  table(cases, {
    guest: [T, T, F, F, F, F, F],
    tl0: [T, T, F, F, T, F, F],
    tl2: [T, T, F, F, T, F, F],
    silencedTl0: [T, T, F, F, T, F, F],
    moderator: [T, T, T, T, T, T, T],
    staff: [T, T, T, T, T, T, T],
    admin: [T, T, T, T, T, T, T],
  }, (who, c) => canSeePostBody(V[who], make(who, c)));
});

describe('canEditPost: ownership, edit window, locked/deleted', () => {
  const cases = [
    'ownFresh', 'ownAtWindowEnd', 'ownExpired', 'otherFresh', 'otherExpired', 'ownDeleted', 'ownInLockedTopic', 'ownInDeletedTopic', 'ownHidden',
  ] as const;
  const check = (who: Who, c: (typeof cases)[number]) => {
    const v = V[who];
    const author = c.startsWith('own') ? v : OTHER_USER;
    const age = c.endsWith('Expired') ? EDIT_WINDOW_HOURS * HOUR + 1 : c === 'ownAtWindowEnd' ? EDIT_WINDOW_HOURS * HOUR : HOUR;
    const p = post(author, {
      created_at: new Date(NOW.getTime() - age),
      deleted_at: c === 'ownDeleted' ? NOW : null,
      hidden_at: c === 'ownHidden' ? NOW : null,
    });
    const t = topic({ locked_at: c === 'ownInLockedTopic' ? NOW : null, deleted_at: c === 'ownInDeletedTopic' ? NOW : null });
    return canEditPost(v, t, p, EDIT_WINDOW_HOURS, NOW);
  };
  table(cases, {
    guest: [F, F, F, F, F, F, F, F, F],
    tl0: [T, T, F, F, F, F, F, F, T],
    tl1: [T, T, F, F, F, F, F, F, T],
    tl2: [T, T, T, F, F, F, F, F, T],
    moderator: [T, T, T, T, T, F, T, T, T],
    staff: [T, T, T, T, T, F, T, T, T],
    admin: [T, T, T, T, T, F, T, T, T],
    silencedTl0: [F, F, F, F, F, F, F, F, F],
    silencedTl2: [F, F, F, F, F, F, F, F, F],
    silencedModerator: [F, F, F, F, F, F, F, F, F],
    suspendedTl2: [F, F, F, F, F, F, F, F, F],
    suspendedAdmin: [F, F, F, F, F, F, F, F, F],
  }, check);

  it('a zero-hour edit window closes immediately for TL0/TL1 but not for TL2', () => {
    const created = new Date(NOW.getTime() - 60_000);
    expect(canEditPost(V.tl1, topic(), post(V.tl1, { created_at: created }), 0, NOW)).toBe(false);
    expect(canEditPost(V.tl2, topic(), post(V.tl2, { created_at: created }), 0, NOW)).toBe(true);
  });

  it('after a contest deadline, replies (the entries) are frozen for their authors; the rules and staff are not', () => {
    const t = topic({ contest_deadline: new Date(NOW.getTime() - 60_000) });
    expect(canEditPost(V.tl2, t, post(V.tl2, { post_number: 2 }), EDIT_WINDOW_HOURS, NOW)).toBe(false);
    expect(canEditPost(V.tl2, t, post(V.tl2, { post_number: 1 }), EDIT_WINDOW_HOURS, NOW)).toBe(true);
    expect(canEditPost(V.staff, t, post(V.tl2, { post_number: 2 }), EDIT_WINDOW_HOURS, NOW)).toBe(true);
    const open = topic({ contest_deadline: new Date(NOW.getTime() + 60_000) });
    expect(canEditPost(V.tl2, open, post(V.tl2, { post_number: 2 }), EDIT_WINDOW_HOURS, NOW)).toBe(true);
  });

  it('an author loses the right to edit when the category becomes staff-only', () => {
    const t = topic({ category: category('staff', 'staff') });
    expect(canEditPost(V.tl2, t, post(V.tl2), EDIT_WINDOW_HOURS, NOW)).toBe(false);
    expect(canEditPost(V.moderator, t, post(V.moderator), EDIT_WINDOW_HOURS, NOW)).toBe(true);
  });
});

describe('canDeletePost: ownership, first post, locked', () => {
  const cases = ['ownReply', 'otherReply', 'ownFirstNoReplies', 'ownFirstWithReplies', 'otherFirstNoReplies', 'ownDeleted', 'ownInLockedTopic', 'ownOldReply'] as const;
  const check = (who: Who, c: (typeof cases)[number]) => {
    const v = V[who];
    const author = c.startsWith('own') ? v : OTHER_USER;
    const first = c.includes('First');
    const p = post(author, {
      post_number: first ? 1 : 2,
      deleted_at: c === 'ownDeleted' ? NOW : null,
      created_at: c === 'ownOldReply' ? new Date(NOW.getTime() - 365 * 24 * HOUR) : new Date(NOW.getTime() - HOUR),
    });
    const t = topic({ reply_count: c.endsWith('NoReplies') ? 0 : 2, locked_at: c === 'ownInLockedTopic' ? NOW : null });
    return canDeletePost(v, t, p, NOW);
  };
  table(cases, {
    guest: [F, F, F, F, F, F, F, F],
    tl0: [T, F, T, F, F, F, F, T],
    tl1: [T, F, T, F, F, F, F, T],
    tl2: [T, F, T, F, F, F, F, T],
    moderator: [T, T, T, T, T, F, T, T],
    staff: [T, T, T, T, T, F, T, T],
    admin: [T, T, T, T, T, F, T, T],
    // Silence stops writing, not withdrawing what one wrote.
    silencedTl0: [T, F, T, F, F, F, F, T],
    suspendedTl0: [F, F, F, F, F, F, F, F],
    suspendedModerator: [F, F, F, F, F, F, F, F],
  }, check);

  it('an author cannot delete a post in a topic they can no longer read', () => {
    const t = topic({ category: category('staff', 'staff') });
    expect(canDeletePost(V.tl0, t, post(V.tl0), NOW)).toBe(false);
  });
});

describe('canRestorePost: staff only, deleted posts only', () => {
  const cases = ['ownDeleted', 'otherDeleted', 'otherNotDeleted', 'deletedInDeletedTopic', 'deletedInStaffCategory'] as const;
  const check = (who: Who, c: (typeof cases)[number]) => {
    const v = V[who];
    const p = post(c.startsWith('own') ? v : OTHER_USER, { deleted_at: c === 'otherNotDeleted' ? null : NOW });
    const t = topic({
      deleted_at: c === 'deletedInDeletedTopic' ? NOW : null,
      category: c === 'deletedInStaffCategory' ? category('staff', 'staff') : category(),
    });
    return canRestorePost(v, t, p, NOW);
  };
  table(cases, {
    guest: [F, F, F, F, F],
    tl0: [F, F, F, F, F],
    tl2: [F, F, F, F, F],
    moderator: [T, T, F, T, T],
    staff: [T, T, F, T, T],
    admin: [T, T, F, T, T],
    silencedModerator: [T, T, F, T, T],
    suspendedModerator: [F, F, F, F, F],
    suspendedStaff: [F, F, F, F, F],
    suspendedAdmin: [F, F, F, F, F],
  }, check);
});

describe('canViewRevisions: whoever may read the topic and see the body', () => {
  const cases = ['otherVisible', 'ownHidden', 'otherHidden', 'ownDeleted', 'visibleInMembersCategory', 'visibleInDeletedTopic'] as const;
  const check = (who: Who, c: (typeof cases)[number]) => {
    const v = V[who];
    const p = post(c.startsWith('own') ? v : OTHER_USER, {
      hidden_at: c.endsWith('Hidden') ? NOW : null,
      deleted_at: c === 'ownDeleted' ? NOW : null,
    });
    const t = topic({
      category: c === 'visibleInMembersCategory' ? category('members') : category(),
      deleted_at: c === 'visibleInDeletedTopic' ? NOW : null,
    });
    return canViewRevisions(v, t, p);
  };
  table(cases, {
    guest: [T, F, F, F, F, F],
    tl0: [T, T, F, F, T, F],
    tl2: [T, T, F, F, T, F],
    moderator: [T, T, T, T, T, T],
    staff: [T, T, T, T, T, T],
    admin: [T, T, T, T, T, T],
  }, check);
});

describe('canAccessAdmin and canChangeRole', () => {
  table(['admin area'] as const, {
    guest: [F],
    tl2: [F],
    moderator: [F],
    staff: [F],
    admin: [T],
    silencedAdmin: [T],
    suspendedAdmin: [F],
  }, (who) => canAccessAdmin(V[who]));

  it('an admin may change the role of someone else', () => {
    expect(canChangeRole(V.admin, { id: V.tl0.id })).toBe(true);
    expect(canChangeRole(V.admin, { id: V.moderator.id })).toBe(true);
  });

  it('an admin may not change their own role', () => {
    expect(canChangeRole(V.admin, { id: V.admin.id })).toBe(false);
  });

  it.each<Who>(['guest', 'tl2', 'moderator', 'staff', 'suspendedAdmin'])('%s may not change roles', (who) => {
    expect(canChangeRole(V[who], { id: OTHER_USER })).toBe(false);
  });
});
