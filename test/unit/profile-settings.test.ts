import { describe, expect, it } from 'vitest';
import { formFromSettings, parseSettingsForm } from '../../server/features/settings/settings.form.js';
import { DEFAULT_SETTINGS, parseDailyLimits, parseReactions, parseReputationWeights } from '../../server/features/settings/settings.js';
import { canEditOwnProfileText, canEditOwnSettings, type Viewer } from '../../server/policy/index.js';

const now = new Date('2026-01-01T12:00:00Z');
const later = new Date('2026-01-02T12:00:00Z');
const earlier = new Date('2025-12-31T12:00:00Z');
const viewer = (over: Partial<Viewer> = {}): Viewer => ({ id: 1, username: 'u', role: 'member', trust_level: 1, created_at: earlier, silenced_until: null, suspended_until: null, ...over });

describe('own settings policy', () => {
  it.each([
    ['guest', null, false, false],
    ['member', viewer(), true, true],
    ['admin', viewer({ role: 'admin' }), true, true],
    ['silenced member', viewer({ silenced_until: later }), true, false],
    ['member whose silence ended', viewer({ silenced_until: earlier }), true, true],
    ['suspended member', viewer({ suspended_until: later }), false, false],
    ['suspended admin', viewer({ role: 'admin', suspended_until: later }), false, false],
  ])('%s', (_name, v, settings, text) => {
    expect(canEditOwnSettings(v, now)).toBe(settings);
    expect(canEditOwnProfileText(v, now)).toBe(text);
  });
});

describe('admin settings form', () => {
  it('round-trips the defaults, and whatever it accepts the settings module accepts too', () => {
    const parsed = parseSettingsForm(formFromSettings(structuredClone(DEFAULT_SETTINGS) as typeof DEFAULT_SETTINGS));
    const { moderation: _moderation, banner: _banner, contests: _contests, require_email_verification: _verification, ...general } = DEFAULT_SETTINGS;
    expect(parsed).toEqual({ patch: general });
    if (!('patch' in parsed)) throw new Error('expected a patch');
    expect(parseReactions(parsed.patch.reactions)).toEqual(parsed.patch.reactions);
    expect(parseReputationWeights(parsed.patch.reputation)).toEqual(parsed.patch.reputation);
    expect(parseDailyLimits(parsed.patch.reaction_daily_limits)).toEqual(parsed.patch.reaction_daily_limits);
  });

  it('skips blank rows and reports each broken rule by field', () => {
    const v = formFromSettings(structuredClone(DEFAULT_SETTINGS) as typeof DEFAULT_SETTINGS);
    v.reactions[0] = { key: 'thumbs_up', emoji: '', weight: '+7' };
    v.reactions[1] = { key: 'thumbs_up', emoji: '👍', weight: '1e2' };
    v.limits[3] = '10000';
    v.limits[4] = '10001';
    const parsed = parseSettingsForm(v);
    expect('errors' in parsed && Object.keys(parsed.errors).sort()).toEqual(['emoji_0', 'key_1', 'limit_4', 'weight_1']);
  });
});
