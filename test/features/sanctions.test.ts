import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role, User } from '../../server/db/types.js';
import { PERMANENT } from '../../server/features/moderation/sanctions.js';
import { translator } from '../../server/web/i18n/index.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { type Client, DEFAULT_PASSWORD } from '../helpers/client.js';
import { createCategory, createTopic, createUser } from '../helpers/factories.js';
import { dom, formField, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

const en = translator('en');
let ctx: TestContext;
let mod: User;
let modClient: Client;
let topicId: number;
let firstPostId: number;

beforeAll(async () => {
  ctx = await createTestApp();
  mod = await createUser(ctx.db, { role: 'moderator' });
  modClient = await people.signedIn(ctx.app, mod);
  const cat = await createCategory(ctx.db);
  const { topic, post } = await createTopic(ctx.db, mod, cat);
  topicId = topic.id;
  firstPostId = post.id;
});
afterAll(async () => ctx.close());

const sanctionsOf = (userId: number) => ctx.db.selectFrom('sanctions').selectAll().where('user_id', '=', userId).orderBy('id').execute();
const userRow = (id: number) => ctx.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const sanctionForm = (over: Record<string, string> = {}) => ({ kind: 'silence', duration: '24', reason: 'Insults in three topics', ...over });
const signedIn = (u: User) => people.signedIn(ctx.app, u);
const alertText = (res: LightMyRequestResponse) => text(dom(res.body).querySelector('[role="alert"]'));

describe('the member page', () => {
  it('shows role, trust level, join date, posts, flag record and the ladder with the suggestion preselected', async () => {
    const member = await createUser(ctx.db, { trust_level: 2 });
    await ctx.db.updateTable('users').set({ flags_agreed: 7, flags_disagreed: 2, post_count: 12 }).where('id', '=', member.id).execute();
    const doc = dom((await modClient.get(`/mod/users/${member.id}`)).body);
    expect(text(doc.querySelector('#fact-role dd'))).toBe('Member');
    expect(text(doc.querySelector('#fact-trust dd'))).toBe('2');
    expect(text(doc.querySelector('#fact-posts dd'))).toBe('12');
    expect(text(doc.querySelector('#fact-agreed dd'))).toBe('7');
    expect(text(doc.querySelector('#fact-disagreed dd'))).toBe('2');
    expect(text(doc.querySelector('#history-empty'))).toBe(en.t('sanctions.historyEmpty'));
    const options = Array.from(doc.querySelectorAll('#f-duration option')).map((o) => o.getAttribute('value'));
    expect(options).toEqual(['24', '72', '168', '720', 'permanent']);
    expect(doc.querySelector('#f-duration option[selected]')?.getAttribute('value')).toBe('24');
    expect(doc.querySelector('#mod-nav a[href="/mod/log"]')).not.toBeNull();
  });

  it('suggests the next step from the last year: an older sanction does not count', async () => {
    const member = await createUser(ctx.db);
    const long = new Date(Date.now() - 400 * 86400_000);
    await ctx.db.insertInto('sanctions').values({ user_id: member.id, kind: 'silence', reason: 'old', starts_at: long, ends_at: new Date(long.getTime() + 86400_000), actor_id: mod.id }).execute();
    await ctx.db.insertInto('sanctions').values({ user_id: member.id, kind: 'silence', reason: 'recent', starts_at: new Date(Date.now() - 10 * 86400_000), ends_at: new Date(Date.now() - 9 * 86400_000), actor_id: mod.id }).execute();
    const doc = dom((await modClient.get(`/mod/users/${member.id}`)).body);
    expect(doc.querySelector('#f-duration option[selected]')?.getAttribute('value')).toBe('72');
    expect(text(doc.querySelector('#f-duration option[selected]'))).toBe(en.t('sanctions.suggested', { duration: '72 hours' }));
    // Ended sanctions have no Lift button.
    expect(doc.querySelectorAll('#sanction-history form')).toHaveLength(0);
    expect(doc.querySelectorAll('#sanction-history li')).toHaveLength(2);
  });
});

describe('in Russian', () => {
  it('the member page, the log and the tool pages show no untranslated key', async () => {
    const ru = people.browser(ctx.app, people.nextIp(), 'ru');
    await ru.login(mod.username);
    const member = await createUser(ctx.db);
    await modClient.post(`/mod/users/${member.id}/sanctions`, sanctionForm());
    for (const url of [`/mod/users/${member.id}`, '/mod/log', `/mod/t/${topicId}/move`, `/mod/t/${topicId}/merge`, `/mod/t/${topicId}/split`, `/mod/t/${topicId}/slow-mode`, `/t/${topicId}`]) {
      const res = await ru.get(url);
      expect(res.statusCode, url).toBe(200);
      expect(text(dom(res.body).querySelector('main') ?? dom(res.body).body), url).not.toMatch(/\b(sanctions|tools|log|audit|modnav)\.[a-zA-Z]/);
    }
    expect(text(dom((await ru.get(`/mod/users/${member.id}`)).body).querySelector('#sanction-history .tag'))).toBe('Запрет писать');
  });
});

describe('silence', () => {
  it('stops posting but not reading or reacting; recorded; lifted early with a Lift button', async () => {
    const member = await createUser(ctx.db);
    const memberClient = await signedIn(member);
    const res = await modClient.post(`/mod/users/${member.id}/sanctions`, sanctionForm());
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/mod/users/${member.id}?done=applied`);
    const [s] = await sanctionsOf(member.id);
    expect(s).toMatchObject({ kind: 'silence', reason: 'Insults in three topics', actor_id: mod.id, lifted_at: null });
    expect(Math.abs(s!.ends_at.getTime() - Date.now() - 24 * 3600_000)).toBeLessThan(60_000);
    const entry = await ctx.db.selectFrom('moderation_actions').selectAll().where('target_user_id', '=', member.id).executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ action: 'user_silence', actor_id: mod.id, reason: 'Insults in three topics' });

    expect((await memberClient.get(`/t/${topicId}`)).statusCode).toBe(200);
    expect((await memberClient.post(`/t/${topicId}/posts`, { body: 'Let me speak' })).statusCode).toBe(403);
    expect((await memberClient.post(`/posts/${firstPostId}/reactions`, { reaction: 'heart' })).statusCode).toBeLessThan(400);

    const page = dom((await modClient.get(`/mod/users/${member.id}`)).body);
    expect(page.querySelector(`#lift-${s!.id}`)).not.toBeNull();
    expect((await modClient.post(`/mod/sanctions/${s!.id}/lift`)).statusCode).toBe(303);
    expect((await userRow(member.id)).silenced_until).toBeNull();
    expect((await memberClient.post(`/t/${topicId}/posts`, { body: 'Thank you' })).statusCode).toBe(303);
    const actions = await ctx.db.selectFrom('moderation_actions').select('action').where('target_user_id', '=', member.id).orderBy('id').execute();
    expect(actions.map((a) => a.action)).toEqual(['user_silence', 'sanction_lift']);
  });

  it('lifts itself at expiry: an ends_at in the past silences nobody', async () => {
    const member = await createUser(ctx.db);
    const past = new Date(Date.now() - 60_000);
    await ctx.db.insertInto('sanctions').values({ user_id: member.id, kind: 'silence', reason: 'x', starts_at: new Date(Date.now() - 86400_000), ends_at: past, actor_id: mod.id }).execute();
    await ctx.db.updateTable('users').set({ silenced_until: past, silenced_reason: 'x' }).where('id', '=', member.id).execute();
    const c = await signedIn(member);
    expect((await c.post(`/t/${topicId}/posts`, { body: 'I am back' })).statusCode).toBe(303);
    const doc = dom((await modClient.get(`/mod/users/${member.id}`)).body);
    expect(text(doc.querySelector('#member-state'))).toBe(en.t('sanctions.state.none'));
  });
});

describe('suspend', () => {
  it('logs the member out everywhere and refuses login saying until when and why', async () => {
    const member = await createUser(ctx.db);
    const c1 = await signedIn(member);
    const c2 = await signedIn(member);
    expect((await modClient.post(`/mod/users/${member.id}/sanctions`, sanctionForm({ kind: 'suspend', duration: '168', reason: 'Spam' }))).statusCode).toBe(303);
    expect(await ctx.db.selectFrom('sessions').select('user_id').where('user_id', '=', member.id).execute()).toEqual([]);
    for (const c of [c1, c2]) {
      const res = await c.post(`/t/${topicId}/posts`, { body: 'Anyone?' });
      expect(res.statusCode === 303 ? res.headers.location : res.statusCode).toMatch(/^\/login|^403$/);
      expect((await c.get('/settings')).headers.location).toMatch(/^\/login/);
    }
    expect(await ctx.db.selectFrom('posts').select('id').where('user_id', '=', member.id).execute()).toEqual([]);
    const until = (await userRow(member.id)).suspended_until!;
    const login = await people.browser(ctx.app).post('/login', { login: member.username, password: DEFAULT_PASSWORD });
    expect(login.statusCode).toBe(403);
    expect(alertText(login)).toBe(`${en.t('login.suspended', { until: en.date(until) })} ${en.t('login.suspendedReason', { reason: 'Spam' })}`);
  });

  it('permanent suspension ends at PERMANENT and the member page says so', async () => {
    const member = await createUser(ctx.db);
    await modClient.post(`/mod/users/${member.id}/sanctions`, sanctionForm({ kind: 'suspend', duration: 'permanent' }));
    expect((await userRow(member.id)).suspended_until).toEqual(PERMANENT);
    const doc = dom((await modClient.get(`/mod/users/${member.id}`)).body);
    expect(text(doc.querySelector('#member-state'))).toBe(en.t('sanctions.state.suspendedForever'));
    expect(text(doc.querySelector('#sanction-history'))).toContain(en.t('sanctions.permanent'));
  });
});

describe('bad input', () => {
  it('re-renders with 422 and the values kept; nothing is applied', async () => {
    const member = await createUser(ctx.db);
    for (const [form, field] of [
      [sanctionForm({ reason: '   ', kind: 'suspend', duration: '720' }), 'reason'],
      [sanctionForm({ reason: 'x'.repeat(501) }), 'reason'],
      [sanctionForm({ duration: '5' }), 'duration'],
    ] as const) {
      const res = await modClient.post(`/mod/users/${member.id}/sanctions`, form);
      expect(res.statusCode).toBe(422);
      const doc = dom(res.body);
      expect(doc.querySelector(`#f-${field}-error`)).not.toBeNull();
      if (field === 'reason' && form.kind === 'suspend') {
        expect(doc.querySelector('input[name="kind"][value="suspend"]')?.hasAttribute('checked')).toBe(true);
        expect(doc.querySelector('#f-duration option[selected]')?.getAttribute('value')).toBe('720');
        expect(formField(doc, 'reason').invalid).toBe(true);
      }
    }
    expect(await sanctionsOf(member.id)).toEqual([]);
  });
});

describe('the wrong person', () => {
  async function expectRefused(c: Client, target: User, status: number) {
    const res = await c.post(`/mod/users/${target.id}/sanctions`, sanctionForm());
    expect(res.statusCode).toBe(status);
    expect(await sanctionsOf(target.id)).toEqual([]);
    expect(await userRow(target.id)).toMatchObject({ silenced_until: null, suspended_until: null });
  }

  it('a guest, a member and a suspended moderator get 404 and change nothing', async () => {
    const target = await createUser(ctx.db);
    const member = await createUser(ctx.db);
    const suspended = await createUser(ctx.db, { role: 'moderator', suspended_until: new Date(Date.now() + 86400_000) });
    for (const c of [people.browser(ctx.app), await signedIn(member), await people.withSession(ctx.app, ctx.db, suspended)]) {
      expect((await c.get(`/mod/users/${target.id}`)).statusCode).toBe(404);
      await expectRefused(c, target, 404);
    }
  });

  it('moderators sanction members only; staff also moderators; admins also staff; nobody themselves or an admin', async () => {
    const make = (role: Role) => createUser(ctx.db, { role });
    const cases: [Role, Role, number][] = [
      ['moderator', 'moderator', 403], ['moderator', 'staff', 403], ['moderator', 'admin', 403],
      ['staff', 'moderator', 303], ['staff', 'staff', 403], ['staff', 'admin', 403],
      ['admin', 'staff', 303], ['admin', 'moderator', 303], ['admin', 'admin', 403],
    ];
    for (const [actorRole, targetRole, status] of cases) {
      const actor = await signedIn(await make(actorRole));
      const target = await make(targetRole);
      if (status === 403) {
        const page = dom((await actor.get(`/mod/users/${target.id}`)).body);
        expect(page.querySelector('#sanction-form'), `${actorRole} → ${targetRole}`).toBeNull();
        expect(page.querySelector('#sanction-cannot')).not.toBeNull();
        await expectRefused(actor, target, 403);
      } else {
        expect((await actor.post(`/mod/users/${target.id}/sanctions`, sanctionForm())).statusCode, `${actorRole} → ${targetRole}`).toBe(303);
      }
    }
    await expectRefused(modClient, mod, 403);
  });

  it('a moderator cannot lift what staff put on a moderator; a guest and a member cannot lift anything', async () => {
    const staff = await signedIn(await createUser(ctx.db, { role: 'staff' }));
    const otherMod = await createUser(ctx.db, { role: 'moderator' });
    await staff.post(`/mod/users/${otherMod.id}/sanctions`, sanctionForm());
    const [s] = await sanctionsOf(otherMod.id);
    expect((await modClient.post(`/mod/sanctions/${s!.id}/lift`)).statusCode).toBe(403);
    expect((await people.browser(ctx.app).post(`/mod/sanctions/${s!.id}/lift`)).statusCode).toBe(404);
    const member = await signedIn(await createUser(ctx.db));
    expect((await member.post(`/mod/sanctions/${s!.id}/lift`)).statusCode).toBe(404);
    expect((await sanctionsOf(otherMod.id))[0]!.lifted_at).toBeNull();
    expect((await userRow(otherMod.id)).silenced_until).not.toBeNull();
  });
});
