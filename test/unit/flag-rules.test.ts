import { describe, expect, it } from 'vitest';
import { autoHideRule } from '../../server/policy/index.js';
import { decodeQueueCursor, encodeQueueCursor } from '../../server/features/moderation/queue.queries.js';
import { dailyFlagLimit, flagWeight } from '../../server/policy/index.js';

const member = (trust_level: number) => ({ role: 'member' as const, trust_level });

describe('autoHideRule', () => {
  const base = { score: 1, threshold: 8, reason: 'abuse' as const, flagger: member(1), authorTrustLevel: 1 };

  it('hides when the score reaches the threshold, not below', () => {
    expect(autoHideRule({ ...base, score: 7 })).toBeNull();
    expect(autoHideRule({ ...base, score: 8 })).toBe('score');
    expect(autoHideRule({ ...base, score: 12 })).toBe('score');
  });

  it('a spam flag from TL3+ or staff on a TL0 author hides at once', () => {
    expect(autoHideRule({ ...base, reason: 'spam', flagger: member(3), authorTrustLevel: 0 })).toBe('trusted_spam');
    expect(autoHideRule({ ...base, reason: 'spam', flagger: member(4), authorTrustLevel: 0 })).toBe('trusted_spam');
    expect(autoHideRule({ ...base, reason: 'spam', flagger: { role: 'moderator', trust_level: 0 }, authorTrustLevel: 0 })).toBe('trusted_spam');
    expect(autoHideRule({ ...base, reason: 'spam', flagger: member(2), authorTrustLevel: 0 })).toBeNull();
    expect(autoHideRule({ ...base, reason: 'spam', flagger: member(3), authorTrustLevel: 1 })).toBeNull();
    expect(autoHideRule({ ...base, reason: 'abuse', flagger: member(3), authorTrustLevel: 0 })).toBeNull();
  });
});

describe('flag weight and daily limit (as the flag service uses them)', () => {
  it('weighs 1 + TL, staff 5, plus the accuracy bonus once there is a record', () => {
    expect(flagWeight({ ...member(0), flags_agreed: 0, flags_disagreed: 0 })).toBe(1);
    expect(flagWeight({ ...member(3), flags_agreed: 0, flags_disagreed: 0 })).toBe(4);
    expect(flagWeight({ role: 'staff', trust_level: 0, flags_agreed: 0, flags_disagreed: 0 })).toBe(5);
    expect(flagWeight({ ...member(1), flags_agreed: 4, flags_disagreed: 0 })).toBe(2);
    expect(flagWeight({ ...member(1), flags_agreed: 9, flags_disagreed: 1 })).toBe(5);
    expect(flagWeight({ ...member(1), flags_agreed: 1, flags_disagreed: 9 })).toBe(2);
  });

  it('scales the base by trust level', () => {
    expect([0, 1, 2, 3, 4].map((tl) => dailyFlagLimit(20, tl))).toEqual([20, 20, 30, 40, 60]);
  });
});

describe('queue cursor', () => {
  it('round-trips and refuses garbage', () => {
    const c = { deferred: true, score: 12, id: 345 };
    expect(decodeQueueCursor(encodeQueueCursor(c))).toEqual(c);
    expect(decodeQueueCursor(encodeQueueCursor({ deferred: false, score: 0, id: 1 }))).toEqual({ deferred: false, score: 0, id: 1 });
    for (const bad of [undefined, '', 'x', '2_1_1', '1_1_0', '1_1_99999999999', '0_abc_1']) expect(decodeQueueCursor(bad)).toBeNull();
  });
});
