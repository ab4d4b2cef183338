import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { User } from '../../server/db/types.js';
import { deliverDue, enqueueMail, MAX_ATTEMPTS } from '../../server/mail/outbox.js';
import { createMailTransport } from '../../server/mail/transport.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DEFAULT_PASSWORD } from '../helpers/client.js';
import { createUser } from '../helpers/factories.js';
import { dom, formField, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';
import { startSmtp } from '../helpers/smtp.js';

let ctx: TestContext;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
const quiet = { warn() {}, info() {} };

beforeAll(async () => {
  smtp = await startSmtp();
  ctx = await createTestApp({ smtpUrl: smtp.url, baseUrl: 'https://forum.example.com' });
});
afterAll(async () => {
  await ctx.close();
  await smtp.close();
});
beforeEach(() => {
  smtp.mails.length = 0;
});

/** Asks for a reset link through the form and returns the link from the mail that arrives. */
async function resetLinkFor(login: string): Promise<string> {
  const res = await people.browser(ctx.app).post('/password/forgot', { login });
  expect(res.statusCode).toBe(200);
  await ctx.app.mail.flush();
  const mail = smtp.mails.at(-1)!;
  const url = /https:\/\/forum\.example\.com(\/password\/reset\/[A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
  return url;
}

describe('password reset by mail', () => {
  it('mails a single-use link in the member’s language; the new password works, the old one and every session do not', async () => {
    const user = await createUser(ctx.db);
    await ctx.db.updateTable('users').set({ locale: 'ru' }).where('id', '=', user.id).execute();
    const elsewhere = await people.signedIn(ctx.app, user);

    const link = await resetLinkFor(user.email);
    const mail = smtp.mails.at(-1)!;
    expect(mail.to).toBe(user.email);
    expect(mail.subject).toBe('Сброс пароля на сайте Veche Test');
    expect(mail.text).toContain(`Здравствуйте, ${user.username}!`);
    expect(mail.html).toContain(`href="https://forum.example.com${link}"`);

    const c = people.browser(ctx.app);
    const form = await c.get(link);
    expect(form.statusCode).toBe(200);
    expect(form.headers['referrer-policy']).toBe('no-referrer');
    expect(text(dom(form.body).querySelector('.lead'))).toContain(user.username);
    const res = await c.post(link, { new_password: 'a brand new secret', confirm_password: 'a brand new secret' });
    expect(res.statusCode).toBe(303);
    // Signed in right away, with a fresh session.
    expect(dom((await c.get('/')).body).querySelector('a.bell')).not.toBeNull();
    // Everyone else is out, and the old password is dead.
    expect(dom((await elsewhere.get('/')).body).querySelector('a.bell')).toBeNull();
    expect((await people.browser(ctx.app).post('/login', { login: user.username, password: DEFAULT_PASSWORD })).statusCode).toBe(401);
    expect((await people.browser(ctx.app).post('/login', { login: user.username, password: 'a brand new secret' })).statusCode).toBe(303);
    // The link works once.
    const again = await people.browser(ctx.app).get(link);
    expect(again.statusCode).toBe(410);
    expect(text(dom(again.body).querySelector('[role="alert"]'))).toContain('no longer valid');
    const reuse = await people.browser(ctx.app).post(link, { new_password: 'yet another secret', confirm_password: 'yet another secret' });
    expect(reuse.statusCode).toBe(410);
  });

  it('answers the same whether or not the account exists, and mails nobody for an unknown one', async () => {
    const known = await createUser(ctx.db);
    const a = await people.browser(ctx.app).post('/password/forgot', { login: 'nobody-at-all@example.com' });
    const b = await people.browser(ctx.app).post('/password/forgot', { login: known.username });
    await ctx.app.mail.flush();
    expect(a.statusCode).toBe(b.statusCode);
    expect(text(dom(a.body).querySelector('[role="status"]'))).toBe(text(dom(b.body).querySelector('[role="status"]')));
    expect(smtp.mails.map((m) => m.to)).toEqual([known.email]);
  });

  it('a link dies after an hour, and when the password or the email changes', async () => {
    const user = await createUser(ctx.db);
    const expired = await resetLinkFor(user.username);
    await ctx.db.updateTable('password_resets').set({ expires_at: sql`now() - interval '1 second'` }).where('user_id', '=', user.id).execute();
    expect((await people.browser(ctx.app).get(expired)).statusCode).toBe(410);

    const beforePassword = await resetLinkFor(user.username);
    const c = await people.signedIn(ctx.app, user);
    expect((await c.post('/settings/password', { current_password: DEFAULT_PASSWORD, new_password: 'changed in settings', confirm_password: 'changed in settings' })).statusCode).toBe(303);
    await c.get('/settings'); // the password change rotated the session (and its CSRF secret), like a browser following the redirect
    expect((await people.browser(ctx.app).get(beforePassword)).statusCode).toBe(410);

    const beforeEmail = await resetLinkFor(user.username);
    expect((await c.post('/settings/email', { current_password: 'changed in settings', email: `moved-${user.username}@example.com` })).statusCode).toBe(303);
    expect((await people.browser(ctx.app).get(beforeEmail)).statusCode).toBe(410);
  });

  it('checks the new password like everywhere else (422, clear messages); a malformed token is just invalid', async () => {
    const user = await createUser(ctx.db);
    const link = await resetLinkFor(user.username);
    const c = people.browser(ctx.app);
    const short = await c.post(link, { new_password: 'short', confirm_password: 'short' });
    expect(short.statusCode).toBe(422);
    expect(formField(dom(short.body), 'new_password').error).toBe('Too short: at least 10 characters.');
    const mismatch = await c.post(link, { new_password: 'long enough one', confirm_password: 'something else' });
    expect(mismatch.statusCode).toBe(422);
    expect(formField(dom(mismatch.body), 'confirm_password').invalid).toBe(true);
    // Still usable after the mistakes.
    expect((await c.post(link, { new_password: 'long enough one', confirm_password: 'long enough one' })).statusCode).toBe(303);
    expect((await people.browser(ctx.app).get('/password/reset/%3Cscript%3E')).statusCode).toBe(410);
    expect((await people.browser(ctx.app).post('/password/forgot', { login: '' })).statusCode).toBe(422);
  });

  it('limits requests per account (and per address), shared by every instance', async () => {
    const user = await createUser(ctx.db);
    const other = await ctx.another();
    const results = [];
    for (const app of [ctx.app, other, ctx.app, other]) results.push((await people.browser(app).post('/password/forgot', { login: user.username })).statusCode);
    expect(results).toEqual([200, 200, 200, 429]);
    await ctx.app.mail.flush();
    expect(smtp.mails.filter((m) => m.to === user.email)).toHaveLength(3);
  });

  it('a suspended account gets no link', async () => {
    const user = await createUser(ctx.db, { suspended_until: new Date(Date.now() + 86400_000), suspended_reason: 'spam' });
    await people.browser(ctx.app).post('/password/forgot', { login: user.username });
    await ctx.app.mail.flush();
    expect(smtp.mails.filter((m) => m.to === user.email)).toEqual([]);
  });
});

describe('changing the email address', () => {
  let user: User;
  beforeAll(async () => {
    user = await createUser(ctx.db);
  });

  it('needs the current password; a mistake keeps the new address in the form, never the password', async () => {
    const c = await people.signedIn(ctx.app, user);
    const res = await c.post('/settings/email', { current_password: 'not my password', email: 'new-address@example.com' });
    expect(res.statusCode).toBe(422);
    const doc = dom(res.body);
    expect(doc.querySelector('#f-new-email')!.getAttribute('value')).toBe('new-address@example.com');
    expect(text(doc.querySelector('#f-email-password-error'))).not.toBe('');
    expect(doc.querySelector('#f-email-password')!.getAttribute('value')).toBe('');
    const bad = await c.post('/settings/email', { current_password: DEFAULT_PASSWORD, email: 'not-an-email' });
    expect(bad.statusCode).toBe(422);
    const taken = await createUser(ctx.db);
    expect((await c.post('/settings/email', { current_password: DEFAULT_PASSWORD, email: taken.email.toUpperCase() })).statusCode).toBe(422);
    expect((await c.post('/settings/email', { current_password: DEFAULT_PASSWORD, email: user.email })).statusCode).toBe(422);
    await ctx.app.mail.flush();
    expect(smtp.mails).toEqual([]);
  });

  it('changes it and tells the OLD address, naming the new one only partly', async () => {
    const c = await people.signedIn(ctx.app, user);
    const res = await c.post('/settings/email', { current_password: DEFAULT_PASSWORD, email: 'fresh.address@example.org' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/settings?saved=email');
    await ctx.app.mail.flush();
    // (The new address gets its confirmation link: see test/features/verification.test.ts.)
    const toOld = smtp.mails.filter((m) => m.to === user.email);
    expect(toOld).toHaveLength(1);
    expect(toOld[0]!.subject).toBe('Your email address at Veche Test was changed');
    expect(toOld[0]!.text).toContain('f***@example.org');
    expect(toOld[0]!.text).not.toContain('fresh.address@');
    const row = await ctx.db.selectFrom('users').select('email').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.email).toBe('fresh.address@example.org');
    expect((await people.browser(ctx.app).post('/login', { login: 'fresh.address@example.org', password: DEFAULT_PASSWORD })).statusCode).toBe(303);
  });

  it('is for the signed-in owner only: a guest or a suspended account goes to log in', async () => {
    const guest = people.browser(ctx.app);
    const res = await guest.post('/settings/email', { current_password: DEFAULT_PASSWORD, email: 'x@example.com' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=/settings');
    const suspended = await createUser(ctx.db, { suspended_until: new Date(Date.now() + 86400_000) });
    const s = await people.withSession(ctx.app, ctx.db, suspended);
    expect((await s.post('/settings/email', { current_password: DEFAULT_PASSWORD, email: 'y@example.com' })).headers.location).toBe('/login?next=/settings');
  });
});

describe('the outbox', () => {
  it('sends nothing for a rolled-back action', async () => {
    await ctx.db
      .transaction()
      .execute(async (trx) => {
        await enqueueMail(trx, { kind: 'email_changed', to: 'rolled-back@example.com', locale: 'en', data: { username: 'x', masked: 'y' } });
        throw new Error('the action failed');
      })
      .catch(() => undefined);
    await ctx.app.mail.flush();
    expect(smtp.mails).toEqual([]);
    expect(await ctx.db.selectFrom('outbox').select('id').where('to_address', '=', 'rolled-back@example.com').execute()).toEqual([]);
  });

  it('retries a refused mail later with backoff, then sends it exactly once', async () => {
    await enqueueMail(ctx.db, { kind: 'email_changed', to: 'retry@example.com', locale: 'en', data: { username: 'r', masked: 'm' } });
    smtp.failNext(1);
    await ctx.app.mail.flush();
    const row = await ctx.db.selectFrom('outbox').selectAll().where('to_address', '=', 'retry@example.com').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ attempts: 1, sent_at: null, failed_at: null });
    expect(row.last_error).toMatch(/try again later/);
    expect(row.run_at.getTime()).toBeGreaterThan(Date.now() + 20_000);
    await ctx.db.updateTable('outbox').set({ run_at: sql`now()` }).where('id', '=', row.id).execute();
    await ctx.app.mail.flush();
    await ctx.app.mail.flush();
    expect(smtp.mails.filter((m) => m.to === 'retry@example.com')).toHaveLength(1);
  });

  it('two instances delivering at the same time send each mail once', async () => {
    for (let i = 0; i < 30; i++) await enqueueMail(ctx.db, { kind: 'email_changed', to: `many${i}@example.com`, locale: 'en', data: { username: 'u', masked: 'm' } });
    const other = await ctx.another({ smtpUrl: smtp.url });
    await Promise.all([ctx.app.mail.flush(), other.mail.flush(), ctx.app.mail.flush(), other.mail.flush()]);
    const got = smtp.mails.map((m) => m.to).filter((to) => to.startsWith('many'));
    expect(got).toHaveLength(30);
    expect(new Set(got).size).toBe(30);
  });

  it('gives up after the last attempt and marks the mail failed', async () => {
    await enqueueMail(ctx.db, { kind: 'email_changed', to: 'doomed@example.com', locale: 'en', data: { username: 'd', masked: 'm' } });
    await ctx.db.updateTable('outbox').set({ attempts: MAX_ATTEMPTS - 1 }).where('to_address', '=', 'doomed@example.com').execute();
    const failing = { async send() { throw new Error('mailbox unavailable'); }, close() {} };
    await deliverDue(ctx.db, failing, { siteName: 'S', baseUrl: 'https://x.test' }, quiet);
    const row = await ctx.db.selectFrom('outbox').selectAll().where('to_address', '=', 'doomed@example.com').executeTakeFirstOrThrow();
    expect(row.attempts).toBe(MAX_ATTEMPTS);
    expect(row.failed_at).not.toBeNull();
  });

  it('without SMTP_URL, mail is written to the log instead', async () => {
    const logged: object[] = [];
    const transport = createMailTransport({ smtpUrl: null, mailFrom: 'x' }, { info: (obj) => logged.push(obj) });
    await transport.send({ to: 'a@example.com', subject: 'Hi', text: 'Body', html: '<p>Body</p>' });
    expect(logged).toEqual([{ mail: { to: 'a@example.com', subject: 'Hi', text: 'Body' } }]);
  });
});
