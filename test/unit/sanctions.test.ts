import { describe, expect, it } from 'vitest';
import type { Role } from '../../server/db/types.js';
import { ESCALATION_HOURS, isPermanent, PERMANENT, suggestDuration } from '../../server/features/moderation/sanctions.js';
import { canSanction, type Viewer } from '../../server/policy/index.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const daysAgo = (n: number) => ({ starts_at: new Date(NOW.getTime() - n * 86400_000) });

function viewer(id: number, role: Role, suspended = false): Viewer {
  return { id, username: `u${id}`, role, trust_level: 1, created_at: new Date('2025-01-01'), silenced_until: null, suspended_until: suspended ? new Date(NOW.getTime() + 3600_000) : null };
}

describe('suggestDuration', () => {
  it('walks the ladder 24 h → 72 h → 7 d → 30 d → permanent, one step per sanction in the last year', () => {
    expect(ESCALATION_HOURS).toEqual([24, 72, 168, 720, null]);
    const steps = [0, 1, 2, 3, 4, 5, 9].map((n) => suggestDuration(Array.from({ length: n }, (_, i) => daysAgo(i + 1)), NOW));
    expect(steps).toEqual([24, 72, 168, 720, null, null, null]);
  });

  it('forgets sanctions older than a year', () => {
    expect(suggestDuration([daysAgo(366), daysAgo(500)], NOW)).toBe(24);
    expect(suggestDuration([daysAgo(364), daysAgo(400)], NOW)).toBe(72);
  });

  it('PERMANENT is recognised as permanent, an ordinary date is not', () => {
    expect(isPermanent(PERMANENT)).toBe(true);
    expect(isPermanent(new Date(NOW.getTime() + 30 * 86400_000))).toBe(false);
    expect(isPermanent(null)).toBe(false);
  });
});

describe('canSanction', () => {
  const roles: Role[] = ['member', 'moderator', 'staff', 'admin'];
  // actor role → target roles it may sanction (never itself, never an admin).
  const allowed: Record<Role, Role[]> = { member: [], moderator: ['member'], staff: ['member', 'moderator'], admin: ['member', 'moderator', 'staff'] };

  it.each(roles.flatMap((a) => roles.map((t) => [a, t] as const)))('%s on %s', (actorRole, targetRole) => {
    const actor = viewer(1, actorRole);
    expect(canSanction(actor, { id: 2, role: targetRole }, NOW)).toBe(allowed[actorRole].includes(targetRole));
  });

  it('nobody sanctions themselves; guests and suspended staff sanction nobody', () => {
    for (const role of roles) expect(canSanction(viewer(1, role), { id: 1, role }, NOW)).toBe(false);
    expect(canSanction(null, { id: 2, role: 'member' }, NOW)).toBe(false);
    for (const role of ['moderator', 'staff', 'admin'] as Role[]) expect(canSanction(viewer(1, role, true), { id: 2, role: 'member' }, NOW)).toBe(false);
  });
});
