import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { resetSettings, updateSettings } from '../../server/features/settings/settings.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { type Client, DEFAULT_PASSWORD } from '../helpers/client.js';
import { createCategory, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';
import { startSmtp } from '../helpers/smtp.js';

let ctx: TestContext;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let author: User;
let cat: Category;
let seq = 0;

beforeAll(async () => {
  smtp = await startSmtp();
  ctx = await createTestApp({ smtpUrl: smtp.url, baseUrl: 'https://forum.example.com' });
  // The first account of an empty forum becomes its admin (and needs no confirmation): make it beforehand.
  author = await createUser(ctx.db);
  cat = await createCategory(ctx.db);
});
afterAll(async () => {
  await ctx.close();
  await smtp.close();
});
beforeEach(() => {
  smtp.mails.length = 0;
});
afterEach(async () => resetSettings(ctx.db));

/** Signs up through the form in the given language; the client is then signed in with a fresh CSRF token. */
async function signUp(locale = 'en', app = ctx.app): Promise<{ c: Client; user: User }> {
  seq += 1;
  const username = `newcomer${process.pid % 1000}v${seq}`;
  const c = people.browser(app, people.nextIp(), locale);
  await c.get('/signup');
  const res = await c.post('/signup', { username, email: `${username}@example.com`, password: 'a long enough secret' });
  expect(res.statusCode).toBe(303);
  await c.get('/');
  const user = await ctx.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirstOrThrow();
  return { c, user };
}

/** The path of the confirmation link in the latest mail to this address. */
async function linkFor(user: User): Promise<string> {
  await ctx.app.mail.flush();
  const mail = smtp.mails.filter((m) => m.to === user.email).at(-1);
  expect(mail).toBeDefined();
  return /https:\/\/forum\.example\.com(\/verify\/[A-Za-z0-9_-]+)/.exec(mail!.text)![1]!;
}

async function reply(c: Client, topicId: number, body = 'A reply from a newcomer.') {
  return c.post(`/t/${topicId}/posts`, { body });
}

describe('sign-up with confirmation on (SMTP configured, setting "auto")', () => {
  it('mails a link in the member’s language, in the same step as the account', async () => {
    const { user } = await signUp('ru');
    expect(user.email_verified_at).toBeNull();
    const link = await linkFor(user);
    const mail = smtp.mails.at(-1)!;
    expect(mail.subject).toBe('Подтвердите адрес почты на сайте Veche Test');
    expect(mail.text).toContain(`Здравствуйте, ${user.username}!`);
    expect(mail.html).toContain(`href="https://forum.example.com${link}"`);
    const rows = await ctx.db.selectFrom('email_verifications').selectAll().where('user_id', '=', user.id).execute();
    expect(rows).toHaveLength(1);
    // Only the hash is stored.
    expect(link).not.toContain(rows[0]!.token_hash);
  });

  it('lets an unconfirmed member read, but not reply, start a topic or react — with a notice, never a 500', async () => {
    const { topic, post } = await createTopic(ctx.db, author, cat);
    const { c, user } = await signUp();
    const page = await c.get(`/t/${topic.id}`);
    expect(page.statusCode).toBe(200);
    const doc = dom(page.body);
    expect(doc.querySelector('#verify-banner')).not.toBeNull();
    expect(doc.querySelector(`#reply-form form[action="/t/${topic.id}/posts"]`)).toBeNull();
    expect(doc.querySelector('#reply-form #verify-notice form[action="/verify/resend"]')).not.toBeNull();

    const refused = await reply(c, topic.id);
    expect(refused.statusCode).toBe(403);
    expect(text(dom(refused.body).querySelector('main'))).toContain('Confirm your email address first');

    const newPage = dom((await c.get('/new')).body);
    expect(newPage.querySelector('#verify-notice')).not.toBeNull();
    expect(newPage.querySelector('form[action="/t"]')).toBeNull();
    const newTopic = await c.post('/t', { category_id: String(cat.id), title: 'A topic by a newcomer', body: 'Some text here.' });
    expect(newTopic.statusCode).toBe(422);
    expect(dom(newTopic.body).querySelector('#verify-notice')).not.toBeNull();

    const react = await c.post(`/posts/${post.id}/reactions`, { reaction: 'thumbs_up' });
    expect(react.statusCode).toBe(403);
    const written = await ctx.db.selectFrom('posts').select('id').where('user_id', '=', user.id).execute();
    const reacted = await ctx.db.selectFrom('reactions').select('post_id').where('user_id', '=', user.id).execute();
    expect(written).toEqual([]);
    expect(reacted).toEqual([]);
  });

  it('confirms through the link, after which posting works and the notices are gone', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const { c, user } = await signUp();
    const link = await linkFor(user);
    const res = await c.get(link);
    expect(res.statusCode).toBe(200);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(text(dom(res.body).querySelector('[role="status"]'))).toContain('is confirmed');
    const row = await ctx.db.selectFrom('users').select('email_verified_at').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.email_verified_at).toBeInstanceOf(Date);

    const page = dom((await c.get(`/t/${topic.id}`)).body);
    expect(page.querySelector('#verify-banner')).toBeNull();
    expect(page.querySelector(`#reply-form form[action="/t/${topic.id}/posts"]`)).not.toBeNull();
    expect((await reply(c, topic.id)).statusCode).toBe(303);
  });

  it('refuses a used, an expired or a mangled link clearly (410), without confirming anything', async () => {
    const first = await signUp();
    const used = await linkFor(first.user);
    expect((await people.browser(ctx.app).get(used)).statusCode).toBe(200);
    const again = await people.browser(ctx.app).get(used);
    expect(again.statusCode).toBe(410);
    expect(text(dom(again.body).querySelector('[role="alert"]'))).toContain('no longer valid');

    const second = await signUp();
    const expired = await linkFor(second.user);
    await ctx.db.updateTable('email_verifications').set({ expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', second.user.id).execute();
    expect((await second.c.get(expired)).statusCode).toBe(410);
    expect((await people.browser(ctx.app).get('/verify/not-a-token')).statusCode).toBe(410);
    expect((await people.browser(ctx.app).get(`${expired.slice(0, -2)}xx`)).statusCode).toBe(410);
    const row = await ctx.db.selectFrom('users').select('email_verified_at').where('id', '=', second.user.id).executeTakeFirstOrThrow();
    expect(row.email_verified_at).toBeNull();
  });

  it('a link for an address the account no longer has confirms nothing', async () => {
    const { user } = await signUp();
    const link = await linkFor(user);
    await ctx.db.updateTable('users').set({ email: `changed-${user.email}`, email_key: `changed-${user.email_key}` }).where('id', '=', user.id).execute();
    expect((await people.browser(ctx.app).get(link)).statusCode).toBe(410);
    const row = await ctx.db.selectFrom('users').select('email_verified_at').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.email_verified_at).toBeNull();
  });
});

describe('asking for the link again', () => {
  it('sends a new link (303 without JavaScript), then refuses for a while (429), sending nothing more', async () => {
    const { c, user } = await signUp();
    await linkFor(user);
    smtp.mails.length = 0;
    const res = await c.post('/verify/resend');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/verify?sent=1');
    const page = await c.get('/verify?sent=1');
    expect(text(dom(page.body).querySelector('[role="status"]'))).toContain(`${user.email[0]}***@example.com`);
    const link = await linkFor(user);

    const limited = await c.post('/verify/resend', {}, { htmx: true });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).not.toContain('<html');
    expect(text(dom(limited.body).querySelector('[role="alert"]'))).toContain('A link was sent a moment ago');
    await ctx.app.mail.flush();
    expect(smtp.mails.filter((m) => m.to === user.email)).toHaveLength(1);
    // The newest link works.
    expect((await c.get(link)).statusCode).toBe(200);
  });

  it('with htmx answers the fragment in place (no page), saying where the link went', async () => {
    const { c, user } = await signUp();
    const res = await c.post('/verify/resend', {}, { htmx: true });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<html');
    expect(res.headers.vary).toContain('HX-Request');
    const doc = dom(res.body);
    expect(doc.querySelector('#verify-result')).not.toBeNull();
    expect(text(doc.querySelector('[role="status"]'))).toContain(`${user.email[0]}***@example.com`);
    await ctx.app.mail.flush();
    expect(smtp.mails.filter((m) => m.to === user.email)).toHaveLength(2);
  });

  it('keeps the daily cap across minutes (the counters live in the database)', async () => {
    const { c, user } = await signUp();
    await ctx.db.insertInto('rate_limits').values({ key: `verify:resend:day:${user.id}`, window_started_at: new Date(), hits: 5 }).execute();
    expect((await c.post('/verify/resend')).statusCode).toBe(429);
  });

  it('sends a guest to log in, and tells a confirmed member there is nothing to do', async () => {
    const guest = people.browser(ctx.app);
    const res = await guest.post('/verify/resend');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=/verify');
    expect((await guest.get('/verify')).statusCode).toBe(303);

    const member = await people.signedIn(ctx.app, author);
    smtp.mails.length = 0;
    const done = await member.post('/verify/resend');
    expect(done.statusCode).toBe(200);
    expect(text(dom(done.body).querySelector('[role="status"]'))).toContain('already confirmed');
    await ctx.app.mail.flush();
    expect(smtp.mails.filter((m) => m.to === author.email)).toHaveLength(0);
  });

  it('requires the CSRF token', async () => {
    const { c } = await signUp();
    expect((await c.post('/verify/resend', {}, { noCsrf: true })).statusCode).toBe(403);
  });
});

describe('whose link it is', () => {
  it('confirms the link’s own account only, whoever opens it', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const a = await signUp();
    const b = await signUp();
    const linkA = await linkFor(a.user);
    // B opens A's link while signed in as B: A is confirmed, B is not.
    expect((await b.c.get(linkA)).statusCode).toBe(200);
    const rows = await ctx.db.selectFrom('users').select(['id', 'email_verified_at']).where('id', 'in', [a.user.id, b.user.id]).execute();
    expect(rows.find((r) => r.id === a.user.id)!.email_verified_at).toBeInstanceOf(Date);
    expect(rows.find((r) => r.id === b.user.id)!.email_verified_at).toBeNull();
    expect((await reply(b.c, topic.id)).statusCode).toBe(403);
    expect((await reply(a.c, topic.id)).statusCode).toBe(303);
  });
});

describe('the setting', () => {
  it('off: no mail at sign-up, and the new member posts at once', async () => {
    await updateSettings(ctx.db, { require_email_verification: 'off' });
    const { topic } = await createTopic(ctx.db, author, cat);
    const { c, user } = await signUp();
    await ctx.app.mail.flush();
    expect(smtp.mails.filter((m) => m.to === user.email)).toHaveLength(0);
    expect(user.email_verified_at).toBeInstanceOf(Date);
    expect((await reply(c, topic.id)).statusCode).toBe(303);
  });

  it('off later: members still unconfirmed may post (the rule is read at each request)', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const { c } = await signUp();
    expect((await reply(c, topic.id)).statusCode).toBe(403);
    await updateSettings(ctx.db, { require_email_verification: 'off' });
    expect((await reply(c, topic.id)).statusCode).toBe(303);
  });

  it('"auto" without SMTP: nobody is asked', async () => {
    const noMail = await ctx.another({ smtpUrl: null });
    const { topic } = await createTopic(ctx.db, author, cat);
    const { c, user } = await signUp('en', noMail);
    expect(user.email_verified_at).toBeInstanceOf(Date);
    expect((await reply(c, topic.id)).statusCode).toBe(303);
  });

  it('accounts made outside the sign-up form (CLI, scripts) are confirmed', async () => {
    const made = await createUser(ctx.db);
    expect(made.email_verified_at).toBeInstanceOf(Date);
  });
});

describe('changing the address', () => {
  it('asks a member to confirm the new address (a link goes to it); the old address’s links die', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const { c, user } = await signUp();
    const oldLink = await linkFor(user);
    expect((await c.get(oldLink)).statusCode).toBe(200);
    const res = await c.post('/settings/email', { current_password: 'a long enough secret', email: `moved-${user.email}` });
    expect(res.statusCode).toBe(303);
    const moved = await ctx.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(moved.email_verified_at).toBeNull();
    expect((await reply(c, topic.id)).statusCode).toBe(403);
    const link = await linkFor(moved);
    expect((await c.get(link)).statusCode).toBe(200);
    expect((await reply(c, topic.id)).statusCode).toBe(303);
  });

  it('with the setting off, a new address needs no confirmation', async () => {
    await updateSettings(ctx.db, { require_email_verification: 'off' });
    const member = await createUser(ctx.db);
    const c = await people.signedIn(ctx.app, member);
    expect((await c.post('/settings/email', { current_password: DEFAULT_PASSWORD, email: `moved-${member.email}` })).statusCode).toBe(303);
    const row = await ctx.db.selectFrom('users').select('email_verified_at').where('id', '=', member.id).executeTakeFirstOrThrow();
    expect(row.email_verified_at).toBeInstanceOf(Date);
  });
});

describe('the admin page', () => {
  it('shows the mode in force and saves another (303); other people get "not found"', async () => {
    const admin = await createUser(ctx.db, { role: 'admin' });
    const c = await people.signedIn(ctx.app, admin);
    const page = dom((await c.get('/admin/verification')).body);
    expect(page.querySelector('input[name="mode"][value="auto"]')?.hasAttribute('checked')).toBe(true);
    expect(text(page.querySelector('#verify-admin-state'))).toContain('confirm their address before they post');
    const saved = await c.post('/admin/verification', { mode: 'off' });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/admin/verification?saved=1');
    const after = dom((await c.get('/admin/verification?saved=1')).body);
    expect(after.querySelector('input[name="mode"][value="off"]')?.hasAttribute('checked')).toBe(true);
    expect(text(after.querySelector('#verify-admin-state'))).toContain('without confirming');
    expect((await c.post('/admin/verification', { mode: 'sometimes' })).statusCode).toBe(422);

    const member = await people.signedIn(ctx.app, author);
    expect((await member.get('/admin/verification')).statusCode).toBe(404);
    expect((await member.post('/admin/verification', { mode: 'on' })).statusCode).toBe(404);
    expect((await people.browser(ctx.app).get('/admin/verification')).statusCode).toBe(404);
    const moderator = await people.signedIn(ctx.app, await createUser(ctx.db, { role: 'moderator' }));
    expect((await moderator.get('/admin/verification')).statusCode).toBe(404);
  });
});
