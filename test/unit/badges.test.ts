import { describe, expect, it } from 'vitest';
import type { Role } from '../../server/db/types.js';
import { BUILTIN_BADGES, BUILTIN_KEYS, badgeText, THRESHOLDS } from '../../server/features/badges/badges.rules.js';
import { badgesSweepJob, normalizeCustomBadge } from '../../server/features/badges/badges.service.js';
import { canManageBadges, type Viewer } from '../../server/policy/index.js';
import { FormError } from '../../server/web/forms.js';
import { en } from '../../server/web/i18n/en.js';
import { ru } from '../../server/web/i18n/ru.js';
import { translator } from '../../server/web/i18n/index.js';

const custom = { key: null, name_en: 'Beta tester', name_ru: 'Бета-тестер', description_en: 'Tested the beta.', description_ru: '' };

describe('built-in badge definitions', () => {
  it('have unique keys, an icon each, and a name and description in both catalogues', () => {
    expect(new Set(BUILTIN_KEYS).size).toBe(BUILTIN_KEYS.length);
    expect(BUILTIN_KEYS).toEqual(['first_post', 'first_reaction', 'first_accepted', 'helpful', 'expert', 'welcoming', 'popular_post', 'anniversary', 'trusted']);
    for (const b of BUILTIN_BADGES) {
      expect(b.icon.length, b.key).toBeGreaterThan(0);
      for (const field of ['name', 'description']) {
        expect(en, b.key).toHaveProperty([`badges.${b.key}.${field}`]);
        expect(ru, b.key).toHaveProperty([`badges.${b.key}.${field}`]);
      }
    }
  });

  it('fill their thresholds into the description, with nothing left unfilled', () => {
    for (const locale of ['en', 'ru'] as const) {
      for (const key of BUILTIN_KEYS) {
        const { name, description } = badgeText({ ...custom, key }, translator(locale));
        expect(name).not.toContain('badges.');
        expect(description).not.toMatch(/[{}]/);
      }
    }
    expect(badgeText({ ...custom, key: 'helpful' }, translator('en')).description).toBe(`Had ${THRESHOLDS.helpful} answers accepted.`);
    expect(badgeText({ ...custom, key: 'trusted' }, translator('ru')).name).toBe('Доверенный');
  });
});

describe('badgeText for custom badges', () => {
  it('uses the viewer’s language and falls back to the other one', () => {
    expect(badgeText(custom, translator('ru'))).toEqual({ name: 'Бета-тестер', description: 'Tested the beta.' });
    expect(badgeText(custom, translator('en'))).toEqual({ name: 'Beta tester', description: 'Tested the beta.' });
    expect(badgeText({ ...custom, name_en: '' }, translator('en')).name).toBe('Бета-тестер');
  });
});

describe('normalizeCustomBadge', () => {
  it('trims, and uses a text given in one language for both', () => {
    expect(normalizeCustomBadge({ icon: ' 🏅 ', name_ru: ' Герой ', description_en: 'Saved the day' })).toEqual({
      icon: '🏅',
      name_en: 'Герой',
      name_ru: 'Герой',
      description_en: 'Saved the day',
      description_ru: 'Saved the day',
    });
  });

  it('needs an icon and a name in at least one language', () => {
    const fields = (input: Parameters<typeof normalizeCustomBadge>[0]) => {
      try {
        normalizeCustomBadge(input);
        return [];
      } catch (err) {
        expect(err).toBeInstanceOf(FormError);
        return Object.keys((err as FormError).fields);
      }
    };
    expect(fields({ icon: '🏅', name_en: '  ', name_ru: '' })).toEqual(['name_en']);
    expect(fields({ icon: ' ', name_en: 'X' })).toEqual(['icon']);
    expect(fields({ icon: '🏅', name_en: 'X' })).toEqual([]);
  });
});

describe('canManageBadges', () => {
  const viewer = (role: Role, suspended = false): Viewer => ({
    id: 1, username: 'u', role, trust_level: 4, created_at: new Date(0), silenced_until: null,
    suspended_until: suspended ? new Date(Date.now() + 86400_000) : null,
  });
  it.each([
    ['guest', null, false],
    ['member', viewer('member'), false],
    ['moderator', viewer('moderator'), false],
    ['staff', viewer('staff'), false],
    ['admin', viewer('admin'), true],
    ['suspended admin', viewer('admin', true), false],
  ] as const)('%s → %s', (_label, v, allowed) => {
    expect(canManageBadges(v)).toBe(allowed);
  });
});

describe('badgesSweepJob', () => {
  it('is a named periodic job', () => {
    expect(badgesSweepJob.name).toBe('badges.sweep');
    expect(badgesSweepJob.intervalMs).toBeGreaterThanOrEqual(60_000);
  });
});
