import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { User } from '../../server/db/types.js';
import { hashToken, randomToken } from '../../server/lib/crypto.js';
import { DEFAULT_SETTINGS, getSettings, resetSettings } from '../../server/features/settings/settings.js';
import { translator } from '../../server/web/i18n/index.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { Client } from '../helpers/client.js';
import { createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';

let ctx: TestContext;
let admin: User;
let adminClient: Client;
beforeAll(async () => {
  ctx = await createTestApp();
  admin = await createUser(ctx.db, { role: 'admin' });
  adminClient = await signedIn(admin);
});
afterAll(async () => ctx.close());
beforeEach(async () => resetSettings(ctx.db));

const en = translator('en');
let ipSeq = 0;

function browser(app: FastifyInstance = ctx.app): Client {
  const ip = `10.70.${Math.floor(++ipSeq / 200)}.${(ipSeq % 200) + 1}`;
  return new Client({ inject: (opts: InjectOptions) => app.inject({ ...opts, remoteAddress: ip }) } as unknown as FastifyInstance);
}

async function signedIn(user: User): Promise<Client> {
  const c = browser();
  await c.login(user.username);
  await c.get('/');
  return c;
}

async function withSession(user: User): Promise<Client> {
  const token = randomToken();
  await ctx.db.insertInto('sessions').values({ token_hash: hashToken(token), user_id: user.id, expires_at: new Date(Date.now() + 86400_000) }).execute();
  const c = browser();
  c.cookies.set('veche_session', token);
  await c.get('/');
  return c;
}

function field(doc: Document, id: string) {
  const input = doc.querySelector(`#f-${id}`);
  const describedBy = (input?.getAttribute('aria-describedby') ?? '').split(/\s+/);
  const error = doc.querySelector(`#f-${id}-error`);
  return {
    value: input?.getAttribute('value') ?? null,
    invalid: input?.getAttribute('aria-invalid') === 'true',
    error: error && describedBy.includes(`f-${id}-error`) ? text(error) : null,
  };
}

function isNotFoundPage(res: LightMyRequestResponse): boolean {
  return res.statusCode === 404 && text(dom(res.body).querySelector('#error h1')) === en.t('errors.notFound.title');
}

/** The form as the browser submits it: 12 reaction rows (blank ones included), weights and limits. */
function form(overrides: { rows?: [string, string, string][]; accepted_answer?: string; accept_own?: string; limits?: string[]; mail_delay?: string } = {}) {
  const rows = overrides.rows ?? DEFAULT_SETTINGS.reactions.map((r) => [r.key, r.emoji, String(r.weight)] as [string, string, string]);
  const padded = [...rows];
  while (padded.length < 12) padded.push(['', '', '']);
  return {
    key: padded.map((r) => r[0]),
    emoji: padded.map((r) => r[1]),
    weight: padded.map((r) => r[2]),
    accepted_answer: overrides.accepted_answer ?? '15',
    accept_own: overrides.accept_own ?? '2',
    limit: overrides.limits ?? ['50', '50', '75', '100', '150'],
    mail_delay: overrides.mail_delay ?? '10',
  };
}

describe('admin settings: who may use it', () => {
  it('is not found for a guest, a member, a moderator and a suspended admin’s old session — and changes nothing', async () => {
    const guest = browser();
    await guest.get('/login');
    const member = await signedIn(await createUser(ctx.db));
    const moderator = await signedIn(await createUser(ctx.db, { role: 'moderator' }));
    const suspendedAdmin = await createUser(ctx.db, { role: 'admin' });
    const suspended = await withSession(suspendedAdmin);
    await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 86400_000) }).where('id', '=', suspendedAdmin.id).execute();
    for (const [who, c] of [['guest', guest], ['member', member], ['moderator', moderator], ['suspended admin', suspended]] as const) {
      expect(isNotFoundPage(await c.get('/admin/settings')), who).toBe(true);
      expect(isNotFoundPage(await c.post('/admin/settings', form({ accepted_answer: '99' }))), who).toBe(true);
    }
    expect(await getSettings(ctx.db)).toEqual(DEFAULT_SETTINGS);
  });

  it('is linked from the admin navigation', async () => {
    const doc = dom((await adminClient.get('/admin/users')).body);
    expect(doc.querySelector('.admin-nav a[href="/admin/settings"]')).not.toBeNull();
  });

  it('refuses a post without a CSRF token (403), changing nothing', async () => {
    expect((await adminClient.post('/admin/settings', form({ accepted_answer: '99' }), { noCsrf: true })).statusCode).toBe(403);
    expect((await adminClient.post('/admin/settings', form({ accepted_answer: '99' }), { noCsrf: true, htmx: true })).statusCode).toBe(403);
    expect(await getSettings(ctx.db)).toEqual(DEFAULT_SETTINGS);
  });
});

describe('admin settings: the form', () => {
  it('shows the settings in force, with blank rows to add reactions', async () => {
    const res = await adminClient.get('/admin/settings');
    expect(res.statusCode).toBe(200);
    const doc = dom(res.body);
    expect(doc.querySelector('.admin-nav a[href="/admin/settings"]')?.getAttribute('aria-current')).toBe('page');
    expect(doc.querySelectorAll('form[action="/admin/settings"] input[name="key"]').length).toBe(12);
    DEFAULT_SETTINGS.reactions.forEach((r, i) => {
      expect(field(doc, `key_${i}`).value).toBe(r.key);
      expect(field(doc, `emoji_${i}`).value).toBe(r.emoji);
      expect(field(doc, `weight_${i}`).value).toBe(String(r.weight));
    });
    expect(field(doc, 'key_6').value).toBe('');
    expect(field(doc, 'accepted_answer').value).toBe('15');
    expect(field(doc, 'limit_4').value).toBe('150');
    expect(field(doc, 'mail_delay').value).toBe('10');
  });

  it('saves reactions (changed, added, removed), reputation weights and limits', async () => {
    const res = await adminClient.post(
      '/admin/settings',
      form({ rows: [['thumbs_up', '👍', '2'], ['', '', ''], ['party_time', '🎉', '-3'], ['heart', ' ❤️ ', '0']], accepted_answer: '-100', accept_own: '100', limits: ['0', '10', '20', '30', '10000'], mail_delay: '45' }),
    );
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    expect(res.headers.location).toBe('/admin/settings?saved=1');
    expect(await getSettings(ctx.db)).toEqual({
      reactions: [
        { key: 'thumbs_up', emoji: '👍', weight: 2 },
        { key: 'party_time', emoji: '🎉', weight: -3 },
        { key: 'heart', emoji: '❤️', weight: 0 },
      ],
      reputation: { accepted_answer: -100, accept_own: 100 },
      reaction_daily_limits: [0, 10, 20, 30, 10000],
      // The general form leaves the moderation settings (their own form) as they were.
      moderation: DEFAULT_SETTINGS.moderation,
      banner: null,
      contests: DEFAULT_SETTINGS.contests,
      require_email_verification: DEFAULT_SETTINGS.require_email_verification,
      notification_mail_delay_minutes: 45,
    });
    const doc = dom((await adminClient.get('/admin/settings?saved=1')).body);
    expect(text(doc.querySelector('[role="status"]'))).toBe(en.t('admin.settings.saved'));
    expect(field(doc, 'key_1').value).toBe('party_time');
    expect(field(doc, 'accepted_answer').value).toBe('-100');
  });

  it('accepts exactly 12 reactions', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => [`r_${'abcdefghijkl'[i]}`, '⭐', '1'] as [string, string, string]);
    expect((await adminClient.post('/admin/settings', form({ rows }))).statusCode).toBe(303);
    expect((await getSettings(ctx.db)).reactions).toHaveLength(12);
  });

  it('re-renders every broken rule with 422, the message by its field and the values kept; saves nothing', async () => {
    const range = (min: number, max: number) => en.t('errors.integerRange', { min, max });
    const base = DEFAULT_SETTINGS.reactions.map((r) => [r.key, r.emoji, String(r.weight)] as [string, string, string]);
    const withRow0 = (r: [string, string, string]) => [r, ...base.slice(1)];
    const cases: [ReturnType<typeof form>, string, string, string][] = [
      [form({ rows: withRow0(['thumbs_up', '👍', '101']) }), 'weight_0', range(-100, 100), '101'],
      [form({ rows: withRow0(['thumbs_up', '👍', '-101']) }), 'weight_0', range(-100, 100), '-101'],
      [form({ rows: withRow0(['thumbs_up', '👍', '1.5']) }), 'weight_0', range(-100, 100), '1.5'],
      [form({ rows: withRow0(['thumbs_up', '👍', '']) }), 'weight_0', range(-100, 100), ''],
      [form({ rows: withRow0(['Bad-Key', '👍', '1']) }), 'key_0', en.t('errors.reactionKeyFormat'), 'Bad-Key'],
      [form({ rows: withRow0(['k'.repeat(21), '👍', '1']) }), 'key_0', en.t('errors.reactionKeyFormat'), 'k'.repeat(21)],
      [form({ rows: withRow0(['thumbs_up2', '👍', '1']) }), 'key_0', en.t('errors.reactionKeyFormat'), 'thumbs_up2'],
      [form({ rows: withRow0(['', '👍', '1']) }), 'key_0', en.t('errors.reactionKeyFormat'), ''],
      [form({ rows: withRow0(['heart', '👍', '1']) }), 'key_1', en.t('errors.reactionKeyTaken'), 'heart'],
      [form({ rows: withRow0(['thumbs_up', '  ', '1']) }), 'emoji_0', en.t('errors.emojiFormat'), '  '],
      [form({ rows: withRow0(['thumbs_up', '😀'.repeat(9), '1']) }), 'emoji_0', en.t('errors.emojiFormat'), '😀'.repeat(9)],
      [form({ accepted_answer: '101' }), 'accepted_answer', range(-100, 100), '101'],
      [form({ accept_own: 'lots' }), 'accept_own', range(-100, 100), 'lots'],
      [form({ limits: ['-1', '50', '75', '100', '150'] }), 'limit_0', range(0, 10000), '-1'],
      [form({ limits: ['50', '50', '75', '100', '10001'] }), 'limit_4', range(0, 10000), '10001'],
      [form({ limits: ['50', '50', '', '100', '150'] }), 'limit_2', range(0, 10000), ''],
      [form({ mail_delay: '0' }), 'mail_delay', range(1, 10080), '0'],
      [form({ mail_delay: '10081' }), 'mail_delay', range(1, 10080), '10081'],
    ];
    for (const [body, id, message, value] of cases) {
      const res = await adminClient.post('/admin/settings', body);
      expect(res.statusCode, `${id}=${value}`).toBe(422);
      const doc = dom(res.body);
      expect(text(doc.querySelector('form[action="/admin/settings"] [role="alert"]')), id).toBe(en.t('errors.formHasErrors'));
      // A duplicate is reported on the later row carrying the key (row 1 is "heart" already).
      expect(field(doc, id), `${id}=${value}`).toEqual({ value: id === 'key_1' ? 'heart' : value, invalid: true, error: message });
      // Other values are kept as typed.
      expect(field(doc, 'key_2').value).toBe('laugh');
      expect(field(doc, 'limit_1').value).toBe('50');
    }
    expect(await getSettings(ctx.db)).toEqual(DEFAULT_SETTINGS);
  });

  it('needs at least one reaction and refuses more than twelve', async () => {
    const none = await adminClient.post('/admin/settings', form({ rows: [] }));
    expect(none.statusCode).toBe(422);
    expect(text(dom(none.body).querySelector('#reactions-error'))).toBe(en.t('errors.reactionsCount'));
    const rows = Array.from({ length: 13 }, (_, i) => [`r_${'abcdefghijklm'[i]}`, '⭐', '1'] as [string, string, string]);
    const tooMany = await adminClient.post('/admin/settings', form({ rows }));
    expect(tooMany.statusCode).toBe(422);
    expect(dom(tooMany.body).querySelector('form[action="/admin/settings"] [role="alert"]')).not.toBeNull();
    expect(await getSettings(ctx.db)).toEqual(DEFAULT_SETTINGS);
  });

  it('answers 422, not 500, to oversized fields', async () => {
    const res = await adminClient.post('/admin/settings', { ...form(), accepted_answer: '9'.repeat(5000) });
    expect(res.statusCode).toBe(422);
    expect(await getSettings(ctx.db)).toEqual(DEFAULT_SETTINGS);
  });
});
