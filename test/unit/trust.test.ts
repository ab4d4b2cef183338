import { describe, expect, it } from 'vitest';
import { DEFAULT_TRUST_LEVELS, parseTrustLevels, type TrustLevelSettings } from '../../server/features/settings/settings.js';
import { evaluateTrustLevel, meetsTl1, meetsTl2, meetsTl3, type TrustActivity, type TrustState } from '../../server/features/trust/trust.rules.js';

const T = structuredClone(DEFAULT_TRUST_LEVELS) as TrustLevelSettings;
const NOW = new Date('2026-06-01T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86400_000);

function activity(over: Partial<Omit<TrustActivity, 'recent'>> = {}, recent: Partial<TrustActivity['recent']> = {}): TrustActivity {
  return {
    topics_entered: 0, posts_read: 0, time_read_seconds: 0, days_visited: 0, reactions_given: 0, reactions_received: 0, replied_topics: 0,
    ...over,
    recent: { days_visited: 0, replied_topics: 0, topics_read: 0, topics_total: 100, posts_read: 0, posts_total: 1000, reactions_given: 0, reactions_received: 0, posts_hidden: 0, ...recent },
  };
}
const TL1 = { topics_entered: 5, posts_read: 30, time_read_seconds: 600 };
const TL2 = { ...TL1, days_visited: 15, topics_entered: 20, posts_read: 100, reactions_given: 1, reactions_received: 1, replied_topics: 3 };
const TL3_RECENT = { days_visited: 50, replied_topics: 10, topics_read: 25, posts_read: 250, reactions_given: 30, reactions_received: 20, posts_hidden: 5 };
const state = (trust_level: number, more: Partial<TrustState> = {}): TrustState => ({ trust_level, trust_level_locked: false, trust_level_changed_at: null, ...more });

describe('trust level requirements', () => {
  it('TL1: 5 topics entered, 30 posts read, 10 minutes reading — each one needed', () => {
    expect(meetsTl1(activity(TL1), T)).toBe(true);
    expect(meetsTl1(activity({ ...TL1, topics_entered: 4 }), T)).toBe(false);
    expect(meetsTl1(activity({ ...TL1, posts_read: 29 }), T)).toBe(false);
    expect(meetsTl1(activity({ ...TL1, time_read_seconds: 599 }), T)).toBe(false);
  });

  it('TL2: days, topics, posts, a reaction given and received, replies in 3 topics — each one needed', () => {
    expect(meetsTl2(activity(TL2), T)).toBe(true);
    for (const [k, v] of Object.entries({ days_visited: 14, topics_entered: 19, posts_read: 99, reactions_given: 0, reactions_received: 0, replied_topics: 2 })) {
      expect(meetsTl2(activity({ ...TL2, [k]: v }), T), k).toBe(false);
    }
  });

  it('TL3: sustained activity over the period — each one needed, hidden posts at most 5', () => {
    expect(meetsTl3(activity(TL2, TL3_RECENT), T)).toBe(true);
    for (const [k, v] of Object.entries({ days_visited: 49, replied_topics: 9, topics_read: 24, posts_read: 249, reactions_given: 29, reactions_received: 19, posts_hidden: 6 })) {
      expect(meetsTl3(activity(TL2, { ...TL3_RECENT, [k]: v }), T), k).toBe(false);
    }
  });

  it('TL3 reading shares count as met when there were no recent topics at all', () => {
    expect(meetsTl3(activity(TL2, { ...TL3_RECENT, topics_read: 0, topics_total: 0, posts_read: 0, posts_total: 0 }), T)).toBe(true);
  });
});

describe('evaluateTrustLevel', () => {
  it('promotes step by step as far as the requirements go', () => {
    expect(evaluateTrustLevel(state(0), activity(), T, NOW)).toBe(0);
    expect(evaluateTrustLevel(state(0), activity(TL1), T, NOW)).toBe(1);
    expect(evaluateTrustLevel(state(0), activity(TL2), T, NOW)).toBe(2);
    expect(evaluateTrustLevel(state(1), activity(TL2), T, NOW)).toBe(2);
    expect(evaluateTrustLevel(state(2), activity(TL2, TL3_RECENT), T, NOW)).toBe(3);
    expect(evaluateTrustLevel(state(0), activity(TL2, TL3_RECENT), T, NOW)).toBe(3);
  });

  it('never takes TL1 or TL2 away', () => {
    expect(evaluateTrustLevel(state(1), activity(), T, NOW)).toBe(1);
    expect(evaluateTrustLevel(state(2), activity(), T, NOW)).toBe(2);
  });

  it('demotes a lapsed TL3 to TL2 only after the grace period', () => {
    expect(evaluateTrustLevel(state(3, { trust_level_changed_at: daysAgo(13) }), activity(TL2), T, NOW)).toBe(3);
    expect(evaluateTrustLevel(state(3, { trust_level_changed_at: daysAgo(14) }), activity(TL2), T, NOW)).toBe(2);
    expect(evaluateTrustLevel(state(3), activity(TL2), T, NOW)).toBe(2);
    expect(evaluateTrustLevel(state(3, { trust_level_changed_at: daysAgo(400) }), activity(TL2, TL3_RECENT), T, NOW)).toBe(3);
  });

  it('leaves TL4 and any locked level alone', () => {
    expect(evaluateTrustLevel(state(4), activity(), T, NOW)).toBe(4);
    expect(evaluateTrustLevel(state(0, { trust_level_locked: true }), activity(TL2, TL3_RECENT), T, NOW)).toBe(0);
    expect(evaluateTrustLevel(state(3, { trust_level_locked: true }), activity(), T, NOW)).toBe(3);
  });

  it('follows changed thresholds', () => {
    const easy = structuredClone(T);
    easy.tl1 = { topics_entered: 1, posts_read: 1, minutes_read: 0 };
    expect(evaluateTrustLevel(state(0), activity({ topics_entered: 1, posts_read: 1 }), easy, NOW)).toBe(1);
  });
});

describe('parseTrustLevels', () => {
  it('accepts the defaults and rejects missing groups, fields, non-integers and out-of-range percentages', () => {
    expect(parseTrustLevels(DEFAULT_TRUST_LEVELS)).toEqual(DEFAULT_TRUST_LEVELS);
    expect(parseTrustLevels({ tl1: T.tl1, tl2: T.tl2 })).toBeUndefined();
    expect(parseTrustLevels({ ...T, tl1: { ...T.tl1, posts_read: undefined } })).toBeUndefined();
    expect(parseTrustLevels({ ...T, tl1: { ...T.tl1, posts_read: 1.5 } })).toBeUndefined();
    expect(parseTrustLevels({ ...T, tl3: { ...T.tl3, days_visited_pct: 101 } })).toBeUndefined();
    expect(parseTrustLevels({ ...T, tl3: { ...T.tl3, period_days: 0 } })).toBeUndefined();
    expect(parseTrustLevels(null)).toBeUndefined();
  });
});
