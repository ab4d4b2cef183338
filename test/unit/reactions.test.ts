import { describe, expect, it } from 'vitest';
import type { Role } from '../../server/db/types.js';
import { type DesiredCredit, type LedgerNet, planLedgerEvents } from '../../server/features/reputation/ledger.js';
import { dailyReactionLimit, DEFAULT_SETTINGS, mergeSettings, parseDailyLimits, parseReactions, parseReputationWeights } from '../../server/features/settings/settings.js';
import { canReact, canViewReactions, isLivePost, type PostState, type TopicState, type Viewer } from '../../server/policy/index.js';

const NOW = new Date();
const LATER = new Date(NOW.getTime() + 30 * 86400_000);
let nextId = 100;

function viewer(role: Role, state: Partial<Viewer> = {}): Viewer {
  return { id: nextId++, username: role, role, trust_level: 1, created_at: new Date('2024-01-01'), silenced_until: null, suspended_until: null, ...state };
}

function topic(state: Partial<TopicState> & { read?: 'everyone' | 'members' | 'staff' } = {}): TopicState {
  return { category: { read_access: state.read ?? 'everyone', post_access: 'members' }, locked_at: null, deleted_at: null, reply_count: 1, ...state };
}

function post(userId: number, state: Partial<PostState> = {}): PostState {
  return { user_id: userId, post_number: 2, created_at: NOW, deleted_at: null, hidden_at: null, ...state };
}

describe('canReact', () => {
  const member = viewer('member');
  const author = viewer('member');
  const moderator = viewer('moderator');
  const cases: [string, Viewer | null, TopicState, PostState, boolean][] = [
    ['member on another’s post', member, topic(), post(author.id), true],
    ['guest', null, topic(), post(author.id), false],
    ['the author', author, topic(), post(author.id), false],
    ['a silenced member', viewer('member', { silenced_until: LATER }), topic(), post(author.id), true],
    ['a suspended member', viewer('member', { suspended_until: LATER }), topic(), post(author.id), false],
    ['a member in a staff-only category', member, topic({ read: 'staff' }), post(author.id), false],
    ['a moderator in a staff-only category', moderator, topic({ read: 'staff' }), post(author.id), true],
    ['a member in a members-only category', member, topic({ read: 'members' }), post(author.id), true],
    ['a deleted post', moderator, topic(), post(author.id, { deleted_at: NOW }), false],
    ['a hidden post', moderator, topic(), post(author.id, { hidden_at: NOW }), false],
    ['a deleted topic', moderator, topic({ deleted_at: NOW }), post(author.id), false],
    ['a locked topic', member, topic({ locked_at: NOW }), post(author.id), true],
  ];
  it.each(cases)('%s → %s', (_name, v, t, p, expected) => {
    expect(canReact(v, t, p, NOW)).toBe(expected);
  });

  it('who reacted follows whether the post’s content may be seen', () => {
    expect(canViewReactions(null, topic(), post(author.id))).toBe(true);
    expect(canViewReactions(null, topic({ read: 'members' }), post(author.id))).toBe(false);
    expect(canViewReactions(member, topic(), post(author.id, { deleted_at: NOW }))).toBe(false);
    expect(canViewReactions(moderator, topic(), post(author.id, { deleted_at: NOW }))).toBe(true);
    expect(isLivePost(topic(), post(author.id))).toBe(true);
    expect(isLivePost(topic({ deleted_at: NOW }), post(author.id))).toBe(false);
  });
});

describe('planLedgerEvents', () => {
  const like = (id: number, delta = 1): DesiredCredit => ({ source: `reaction:${id}`, user_id: 7, delta, reason: 'reaction', actor_id: 9 });
  const net = (id: number, n: number, last_reason = 'reaction'): LedgerNet => ({ source: `reaction:${id}`, user_id: 7, net: n, last_reason, actor_id: 9 });
  const removed = () => 'reaction_removed';

  it('credits what is new, takes back what went, leaves what matches', () => {
    const events = planLedgerEvents(1, true, [like(1), like(2)], [net(1, 1), net(3, 1)], removed);
    expect(events).toEqual([
      { user_id: 7, delta: 1, reason: 'reaction', source: 'reaction:2', post_id: 1, actor_id: 9 },
      { user_id: 7, delta: -1, reason: 'reaction_removed', source: 'reaction:3', post_id: 1, actor_id: 9 },
    ]);
  });

  it('takes everything back from a post that is not live, and names the restore when it comes back', () => {
    expect(planLedgerEvents(1, false, [like(1)], [net(1, 1)], removed).map((e) => [e.delta, e.reason])).toEqual([[-1, 'post_removed']]);
    expect(planLedgerEvents(1, true, [like(1)], [net(1, 0, 'post_removed')], removed).map((e) => [e.delta, e.reason])).toEqual([[1, 'post_restored']]);
  });

  it('adjusts a changed amount, moves a credit to a new owner, and is idempotent', () => {
    expect(planLedgerEvents(1, true, [like(1, 3)], [net(1, 1)], removed).map((e) => [e.delta, e.reason])).toEqual([[2, 'adjusted']]);
    const moved = planLedgerEvents(1, true, [{ ...like(1), user_id: 8 }], [net(1, 1)], removed);
    expect(moved.map((e) => [e.user_id, e.delta])).toEqual([[8, 1], [7, -1]]);
    expect(planLedgerEvents(1, true, [like(1), like(2, 0)], [net(1, 1)], removed)).toEqual([]);
  });
});

describe('settings', () => {
  it('parses valid values and refuses malformed ones', () => {
    expect(parseReactions(DEFAULT_SETTINGS.reactions)).toEqual(DEFAULT_SETTINGS.reactions);
    expect(parseReactions([{ key: 'a', emoji: '👍', weight: 1 }, { key: 'a', emoji: '👎', weight: 0 }])).toBeUndefined();
    expect(parseReactions([{ key: 'ok', emoji: '', weight: 1 }])).toBeUndefined();
    expect(parseReactions([{ key: 'ok', emoji: '👍', weight: 1.5 }])).toBeUndefined();
    expect(parseReactions('👍')).toBeUndefined();
    expect(parseReputationWeights({ accepted_answer: 15, accept_own: 2 })).toEqual({ accepted_answer: 15, accept_own: 2 });
    expect(parseReputationWeights({ accepted_answer: '15', accept_own: 2 })).toBeUndefined();
    expect(parseDailyLimits([1, 2, 3, 4, 5])).toEqual([1, 2, 3, 4, 5]);
    expect(parseDailyLimits([1, 2, 3, 4, -5])).toBeUndefined();
  });

  it('merges over the defaults without sharing them, ignoring unknown keys and bad values', () => {
    const merged = mergeSettings([
      { key: 'reaction_daily_limits', value: [5, 5, 5, 5, 5] },
      { key: 'reputation', value: 'nonsense' },
      { key: 'unknown', value: 1 },
    ]);
    expect(merged.reaction_daily_limits).toEqual([5, 5, 5, 5, 5]);
    expect(merged.reputation).toEqual(DEFAULT_SETTINGS.reputation);
    merged.reactions.pop();
    expect(DEFAULT_SETTINGS.reactions).toHaveLength(6);
  });

  it('the daily limit follows the trust level (clamped)', () => {
    const s = mergeSettings([]);
    expect([0, 1, 2, 3, 4, 9, -1].map((tl) => dailyReactionLimit(s, tl))).toEqual([50, 50, 75, 100, 150, 150, 50]);
  });
});
