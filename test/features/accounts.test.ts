import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../server/db/types.js';
import { hashToken } from '../../server/lib/crypto.js';
import { translator } from '../../server/web/i18n/index.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import * as people from '../helpers/people.js';
import { Client, DEFAULT_PASSWORD } from '../helpers/client.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, formField as field, text } from '../helpers/html.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp();
  // The forum is not empty, so sign-ups in this file are plain members unless a test says otherwise.
  await createUser(ctx.db, { role: 'admin' });
});
afterAll(async () => ctx.close());

const en = translator('en');
const PASSWORD = 'long enough password';
const SESSION = 'veche_session';

const browser = (app: FastifyInstance = ctx.app, ip?: string, locale = 'en'): Client => people.browser(app, ip, locale);

const signedIn = (user: User, app: FastifyInstance = ctx.app): Promise<Client> => people.signedIn(app, user);

const withSession = (user: User): Promise<Client> => people.withSession(ctx.app, ctx.db, user);

/** The signed-in user named by the header's profile link, or null for a guest (who gets the log-in link). */
function headerUser(res: LightMyRequestResponse): string | null {
  const header = dom(res.body).querySelector('header');
  const profile = header?.querySelector('a[href^="/u/"]');
  if (profile) {
    expect(header?.querySelector('form[action="/logout"]')).not.toBeNull();
    return decodeURIComponent(profile.getAttribute('href')!.slice(3));
  }
  expect(header?.querySelector('a[href="/login"]')).not.toBeNull();
  expect(header?.querySelector('form[action="/logout"]')).toBeNull();
  return null;
}


function alertText(res: LightMyRequestResponse): string {
  return text(dom(res.body).querySelector('main [role="alert"]'));
}

function setCookie(res: LightMyRequestResponse, name: string) {
  return (res.cookies as { name: string; value: string; httpOnly?: boolean; sameSite?: string; path?: string; maxAge?: number; secure?: boolean; expires?: Date }[]).find(
    (c) => c.name === name,
  );
}

async function userRow(username: string) {
  return ctx.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

describe('sign up', () => {
  it('creates the account, starts a session with a safe cookie and sends the new member home signed in', async () => {
    const c = browser();
    const form = await c.get('/signup');
    expect(form.statusCode).toBe(200);
    expect(dom(form.body).querySelector('form[action="/signup"] #f-username')).not.toBeNull();

    const res = await c.post('/signup', { username: 'Marta_K', email: 'Marta.K@Example.com', password: PASSWORD });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/');
    const cookie = setCookie(res, SESSION);
    expect(cookie?.value).toBeTruthy();
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');
    expect(cookie?.path).toBe('/');
    expect(cookie?.maxAge).toBe(ctx.config.sessionDays * 86400);

    const row = await userRow('Marta_K');
    expect(row).toMatchObject({ username_key: 'marta_k', email: 'Marta.K@Example.com', email_key: 'marta.k@example.com', role: 'member' });
    expect(row!.password_hash).toMatch(/^\$argon2id\$/);
    expect(row!.password_hash).not.toContain(PASSWORD);
    const session = await ctx.db.selectFrom('sessions').selectAll().where('token_hash', '=', hashToken(cookie!.value)).executeTakeFirst();
    expect(session?.user_id).toBe(row!.id);

    expect(headerUser(await c.get('/'))).toBe('Marta_K');
    // A signed-in member has no business on the sign-up or log-in form.
    expect((await c.get('/signup')).statusCode).toBe(303);
    expect((await c.get('/login')).statusCode).toBe(303);
  });

  it('uses the __Host- prefix and Secure when the site is served over HTTPS', async () => {
    const secure = await ctx.another({ secureCookies: true });
    const c = browser(secure);
    const res = await c.post('/signup', { username: 'secure_sam', email: 'secure_sam@example.com', password: PASSWORD });
    expect(res.statusCode).toBe(303);
    const cookie = setCookie(res, '__Host-veche_session');
    expect(cookie?.secure).toBe(true);
    expect(cookie?.httpOnly).toBe(true);
    expect(setCookie(res, SESSION)).toBeUndefined();
  });

  it('makes the first account on an empty forum an admin, and the second a member', async () => {
    const fresh = await createTestApp();
    try {
      const first = await browser(fresh.app).post('/signup', { username: 'founder', email: 'founder@example.com', password: PASSWORD });
      expect(first.statusCode).toBe(303);
      const second = await browser(fresh.app).post('/signup', { username: 'second', email: 'second@example.com', password: PASSWORD });
      expect(second.statusCode).toBe(303);
      const roles = await fresh.db.selectFrom('users').select(['username', 'role']).orderBy('id').execute();
      expect(roles).toEqual([
        { username: 'founder', role: 'admin' },
        { username: 'second', role: 'member' },
      ]);
    } finally {
      await fresh.close();
    }
  });

  it('with ADMIN_EMAILS makes only those addresses admins, even the first account does not get it otherwise', async () => {
    const fresh = await createTestApp({ adminEmails: ['boss@example.com'] });
    try {
      for (const [username, email] of [['early_bird', 'early@example.com'], ['the_boss', 'Boss@Example.com'], ['late_one', 'late@example.com']]) {
        expect((await browser(fresh.app).post('/signup', { username, email, password: PASSWORD })).statusCode).toBe(303);
      }
      const roles = await fresh.db.selectFrom('users').select(['username', 'role']).orderBy('id').execute();
      expect(roles).toEqual([
        { username: 'early_bird', role: 'member' },
        { username: 'the_boss', role: 'admin' },
        { username: 'late_one', role: 'member' },
      ]);
    } finally {
      await fresh.close();
    }
  });

  it('re-renders the form with 422, messages next to the fields and the values kept, never the password', async () => {
    const c = browser();
    const res = await c.post('/signup', { username: 'x!', email: 'not-an-email', password: 'secret-password-123' });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toContain('text/html');
    const doc = dom(res.body);
    expect(text(doc.querySelector('form[action="/signup"] [role="alert"]'))).toBe(en.t('errors.formHasErrors'));
    expect(field(doc, 'username')).toEqual({ value: 'x!', invalid: true, error: en.t('errors.usernameFormat') });
    expect(field(doc, 'email')).toEqual({ value: 'not-an-email', invalid: true, error: en.t('errors.emailFormat') });
    expect(field(doc, 'password')).toEqual({ value: '', invalid: false, error: null });
    expect(res.body).not.toContain('secret-password-123');
    expect(await userRow('x!')).toBeUndefined();
  });

  it('reports a short password and missing fields with 422', async () => {
    const c = browser();
    const short = await c.post('/signup', { username: 'shorty', email: 'shorty@example.com', password: 'tiny-pw' });
    expect(short.statusCode).toBe(422);
    let doc = dom(short.body);
    expect(field(doc, 'password')).toMatchObject({ value: '', invalid: true, error: en.t('errors.tooShort', { limit: 10 }) });
    expect(field(doc, 'username')).toMatchObject({ value: 'shorty', invalid: false });
    expect(field(doc, 'email').value).toBe('shorty@example.com');
    expect(short.body).not.toContain('tiny-pw');

    const empty = await c.post('/signup', { username: '', email: 'someone@example.com' });
    expect(empty.statusCode).toBe(422);
    doc = dom(empty.body);
    expect(field(doc, 'username')).toMatchObject({ invalid: true, error: en.t('errors.required') });
    expect(field(doc, 'password')).toMatchObject({ invalid: true, error: en.t('errors.required') });
    expect(field(doc, 'email').value).toBe('someone@example.com');
    expect(await userRow('shorty')).toBeUndefined();
  });

  it('answers 422, not 500, to fields over their length', async () => {
    const c = browser();
    const cases: [Record<string, string>, string, number][] = [
      [{ username: 'u'.repeat(61), email: 'long1@example.com', password: PASSWORD }, 'username', 60],
      [{ username: 'u'.repeat(5000), email: 'long2@example.com', password: PASSWORD }, 'username', 60],
      [{ username: 'longmail', email: `${'e'.repeat(250)}@example.com`, password: PASSWORD }, 'email', 254],
      [{ username: 'longpass', email: 'long3@example.com', password: 'p'.repeat(201) }, 'password', 200],
    ];
    for (const [form, name, limit] of cases) {
      const res = await c.post('/signup', form);
      expect(res.statusCode, name).toBe(422);
      expect(field(dom(res.body), name)).toMatchObject({ invalid: true, error: en.t('errors.tooLong', { limit }) });
    }
    // Within the schema's limit but beyond the username rule (3–20 characters).
    const res = await c.post('/signup', { username: 'u'.repeat(21), email: 'long4@example.com', password: PASSWORD });
    expect(res.statusCode).toBe(422);
    expect(field(dom(res.body), 'username').error).toBe(en.t('errors.usernameFormat'));
  });

  it('keeps usernames unique after NFKC and case folding, and e-mail unique regardless of case', async () => {
    expect((await browser().post('/signup', { username: 'Admin', email: 'admin-one@example.com', password: PASSWORD })).statusCode).toBe(303);
    for (const username of ['admin', 'ADMIN', 'ａｄｍｉｎ', 'Ａｄｍｉｎ']) {
      const res = await browser().post('/signup', { username, email: `other-${Math.random().toString(36).slice(2)}@example.com`, password: PASSWORD });
      expect(res.statusCode, username).toBe(422);
      const doc = dom(res.body);
      expect(field(doc, 'username')).toMatchObject({ value: username, invalid: true, error: en.t('errors.usernameTaken') });
    }
    const taken = await browser().post('/signup', { username: 'AdminTwo', email: ' ADMIN-One@Example.COM ', password: PASSWORD });
    expect(taken.statusCode).toBe(422);
    expect(field(dom(taken.body), 'email')).toMatchObject({ invalid: true, error: en.t('errors.emailTaken') });
    const rows = await ctx.db.selectFrom('users').select('username').where('username_key', '=', 'admin').execute();
    expect(rows).toEqual([{ username: 'Admin' }]);
    expect(await userRow('AdminTwo')).toBeUndefined();
  });

  it('limits sign-ups per IP address (429 with Retry-After), leaving other addresses alone', async () => {
    const ip = '10.99.0.1';
    for (let i = 0; i < 20; i++) {
      // Rejected by the rules, but every attempt counts.
      const res = await browser(ctx.app, ip).post('/signup', { username: '!!', email: `flood${i}@example.com`, password: PASSWORD });
      expect(res.statusCode).toBe(422);
    }
    const c = browser(ctx.app, ip);
    const limited = await c.post('/signup', { username: 'flooder', email: 'flooder@example.com', password: PASSWORD });
    expect(limited.statusCode).toBe(429);
    const retry = Number(limited.headers['retry-after']);
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(3600);
    const doc = dom(limited.body);
    expect(text(doc.querySelector('form[action="/signup"] [role="alert"]'))).toBe(en.t('errors.tooManyRequests', { minutes: Math.ceil(retry / 60) }));
    expect(field(doc, 'username').value).toBe('flooder');
    expect(await userRow('flooder')).toBeUndefined();

    // The counter lives in the database: another instance refuses the same address too.
    const other = browser(await ctx.another(), ip);
    expect((await other.post('/signup', { username: 'flooder', email: 'flooder@example.com', password: PASSWORD })).statusCode).toBe(429);

    expect((await browser().post('/signup', { username: 'neighbour', email: 'neighbour@example.com', password: PASSWORD })).statusCode).toBe(303);
  });
});

describe('log in', () => {
  it('works with the username and with the e-mail address in any case', async () => {
    const user = await createUser(ctx.db, { email: 'Login.Case@Example.com' });
    const byName = browser();
    await byName.get('/login');
    const res = await byName.post('/login', { login: user.username.toUpperCase(), password: DEFAULT_PASSWORD });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(setCookie(res, SESSION)).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(headerUser(await byName.get('/'))).toBe(user.username);

    const byMail = browser();
    await byMail.get('/login');
    expect((await byMail.post('/login', { login: '  login.case@EXAMPLE.com ', password: DEFAULT_PASSWORD })).statusCode).toBe(303);
    expect(headerUser(await byMail.get('/'))).toBe(user.username);
    const last = await ctx.db.selectFrom('users').select('last_seen_at').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(last.last_seen_at).not.toBeNull();
  });

  it('rotates the session: a token held before logging in stops working, the table holds a new hash', async () => {
    const user = await createUser(ctx.db);
    const c = browser();
    c.cookies.set(SESSION, 'planted-by-someone-else');
    await c.login(user.username);
    const first = c.cookies.get(SESSION)!;
    expect(first).not.toBe('planted-by-someone-else');

    await c.get('/');
    const again = await c.post('/login', { login: user.username, password: DEFAULT_PASSWORD });
    expect(again.statusCode).toBe(303);
    const second = c.cookies.get(SESSION)!;
    expect(second).not.toBe(first);

    const hashes = (await ctx.db.selectFrom('sessions').select('token_hash').where('user_id', '=', user.id).execute()).map((r) => r.token_hash);
    expect(hashes).toEqual([hashToken(second)]);
    const stale = browser();
    stale.cookies.set(SESSION, first);
    expect(headerUser(await stale.get('/'))).toBeNull();
    expect(headerUser(await c.get('/'))).toBe(user.username);
  });

  it('answers a wrong password and an unknown user the same way, keeping the login but not the password', async () => {
    const user = await createUser(ctx.db);
    const c = browser();
    await c.get('/login');
    const wrong = await c.post('/login', { login: user.username, password: 'not the password' });
    const unknown = await c.post('/login', { login: 'nobody_at_all', password: 'not the password' });
    const unknownMail = await c.post('/login', { login: 'nobody@example.com', password: 'not the password' });
    for (const res of [wrong, unknown, unknownMail]) {
      expect(res.statusCode).toBe(401);
      expect(alertText(res)).toBe(en.t('login.failed'));
      expect(setCookie(res, SESSION)).toBeUndefined();
      expect(res.body).not.toContain('not the password');
    }
    expect(field(dom(wrong.body), 'login').value).toBe(user.username);
    expect(field(dom(unknown.body), 'login').value).toBe('nobody_at_all');
  });

  it('throttles guesses per account (429 + Retry-After), counted across instances and across username and e-mail', async () => {
    const user = await createUser(ctx.db);
    const apps = [ctx.app, await ctx.another()];
    for (let i = 0; i < 10; i++) {
      // Alternate instances and the way the account is named, from different addresses.
      const c = browser(apps[i % 2]);
      const login = i % 3 === 0 ? user.email.toUpperCase() : user.username;
      expect((await c.post('/login', { login, password: `wrong-${i}` })).statusCode).toBe(401);
    }
    for (const app of apps) {
      const c = browser(app);
      const res = await c.post('/login', { login: user.username, password: DEFAULT_PASSWORD });
      expect(res.statusCode).toBe(429);
      const retry = Number(res.headers['retry-after']);
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(15 * 60);
      expect(alertText(res)).toBe(en.t('errors.tooManyRequests', { minutes: Math.ceil(retry / 60) }));
      expect(setCookie(res, SESSION)).toBeUndefined();
    }
    const byMail = await browser().post('/login', { login: user.email, password: DEFAULT_PASSWORD });
    expect(byMail.statusCode).toBe(429);

    // Someone else's account is not affected.
    const other = await createUser(ctx.db);
    expect((await browser().post('/login', { login: other.username, password: DEFAULT_PASSWORD })).statusCode).toBe(303);
  });

  it('forgets the per-account counter after a successful login', async () => {
    const user = await createUser(ctx.db);
    for (let i = 0; i < 9; i++) expect((await browser().post('/login', { login: user.username, password: 'wrong' })).statusCode).toBe(401);
    expect((await browser().post('/login', { login: user.username, password: DEFAULT_PASSWORD })).statusCode).toBe(303);
    for (let i = 0; i < 9; i++) expect((await browser().post('/login', { login: user.username, password: 'wrong' })).statusCode).toBe(401);
    expect((await browser().post('/login', { login: user.username, password: DEFAULT_PASSWORD })).statusCode).toBe(303);
  });

  it('throttles per IP address across accounts and instances (429 + Retry-After)', async () => {
    const ip = '10.99.1.1';
    const apps = [ctx.app, await ctx.another()];
    for (let i = 0; i < 50; i++) {
      const res = await browser(apps[i % 2], ip).post('/login', { login: `guess_${i}`, password: 'wrong guess' });
      expect(res.statusCode).toBe(401);
    }
    const user = await createUser(ctx.db);
    for (const app of apps) {
      const res = await browser(app, ip).post('/login', { login: user.username, password: DEFAULT_PASSWORD });
      expect(res.statusCode).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    // The same account from another address is fine.
    expect((await browser().post('/login', { login: user.username, password: DEFAULT_PASSWORD })).statusCode).toBe(303);
  });

  it('refuses a suspended user with 403, saying until when and why — but only with the right password', async () => {
    const until = new Date(Date.now() + 3 * 86400_000);
    const user = await createUser(ctx.db, { suspended_until: until, suspended_reason: 'Spam in three topics' });
    const c = browser();
    await c.get('/login');
    const res = await c.post('/login', { login: user.username, password: DEFAULT_PASSWORD });
    expect(res.statusCode).toBe(403);
    expect(alertText(res)).toBe(`${en.t('login.suspended', { until: en.date(until) })} ${en.t('login.suspendedReason', { reason: 'Spam in three topics' })}`);
    expect(setCookie(res, SESSION)).toBeUndefined();
    expect(await ctx.db.selectFrom('sessions').select('token_hash').where('user_id', '=', user.id).execute()).toEqual([]);

    const wrong = await c.post('/login', { login: user.username, password: 'wrong password' });
    expect(wrong.statusCode).toBe(401);
    expect(alertText(wrong)).toBe(en.t('login.failed'));

    // Without a reason, only the date; after the suspension ends, logging in works again.
    const quiet = await createUser(ctx.db, { suspended_until: until });
    const q = await c.post('/login', { login: quiet.username, password: DEFAULT_PASSWORD });
    expect(q.statusCode).toBe(403);
    expect(alertText(q)).toBe(en.t('login.suspended', { until: en.date(until) }));
    const past = await createUser(ctx.db, { suspended_until: new Date(Date.now() - 60_000), suspended_reason: 'old' });
    expect((await c.post('/login', { login: past.username, password: DEFAULT_PASSWORD })).statusCode).toBe(303);
  });

  it("turns a suspended user's existing session into a guest", async () => {
    const user = await createUser(ctx.db);
    const c = await signedIn(user);
    expect(headerUser(await c.get('/'))).toBe(user.username);
    await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 86400_000) }).where('id', '=', user.id).execute();
    const page = await c.get('/');
    expect(headerUser(page)).toBeNull();
    expect(page.headers['cache-control']).toBe('no-cache');
    expect((await c.get('/new')).headers.location).toBe('/login?next=%2Fnew');
    await ctx.db.updateTable('users').set({ suspended_until: null }).where('id', '=', user.id).execute();
    expect(headerUser(await c.get('/'))).toBe(user.username);
  });

  it('ignores an expired session, a garbage cookie and an over-long one', async () => {
    const user = await createUser(ctx.db);
    const c = await signedIn(user);
    const token = c.cookies.get(SESSION)!;
    await ctx.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000) }).where('token_hash', '=', hashToken(token)).execute();
    expect(headerUser(await c.get('/'))).toBeNull();
    for (const value of ['garbage', 'x'.repeat(101), '%00']) {
      const other = browser();
      other.cookies.set(SESSION, value);
      const res = await other.get('/');
      expect(res.statusCode, value).toBe(200);
      expect(headerUser(res)).toBeNull();
    }
  });

  it('redirects to `next` only when it is a local path', async () => {
    const user = await createUser(ctx.db);
    const cases: [string, string][] = [
      ['/c/general', '/c/general'],
      ['/u/someone?tab=posts', '/u/someone?tab=posts'],
      ['//evil.com', '/'],
      ['//evil.com/path', '/path'],
      ['https://evil.com', '/'],
      ['/\\evil.com', '/'],
      ['javascript:alert(1)', '/'],
    ];
    for (const [next, location] of cases) {
      const c = browser();
      await c.get('/login');
      const res = await c.post('/login', { login: user.username, password: DEFAULT_PASSWORD, next });
      expect(res.statusCode, next).toBe(303);
      expect(res.headers.location, next).toBe(location);
    }
    const form = await browser().get(`/login?next=${encodeURIComponent('//evil.com')}`);
    expect(dom(form.body).querySelector('form[action="/login"] input[name="next"]')?.getAttribute('value')).toBe('/');
    const local = await browser().get(`/login?next=${encodeURIComponent('/t/1/x')}`);
    expect(dom(local.body).querySelector('form[action="/login"] input[name="next"]')?.getAttribute('value')).toBe('/t/1/x');
  });
});

describe('log out', () => {
  it('deletes the session row, clears the cookie and leaves a guest', async () => {
    const user = await createUser(ctx.db);
    const c = await signedIn(user);
    const token = c.cookies.get(SESSION)!;
    const res = await c.post('/logout');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/');
    const cleared = setCookie(res, SESSION);
    expect(cleared?.value).toBe('');
    expect(cleared?.expires && cleared.expires.getTime()).toBeLessThan(Date.now());
    expect(await ctx.db.selectFrom('sessions').select('token_hash').where('token_hash', '=', hashToken(token)).executeTakeFirst()).toBeUndefined();
    expect(headerUser(await c.get('/'))).toBeNull();
    const replay = browser();
    replay.cookies.set(SESSION, token);
    expect(headerUser(await replay.get('/'))).toBeNull();
  });

  it('ends only this browser’s session, and is harmless for a guest', async () => {
    const user = await createUser(ctx.db);
    const one = await signedIn(user);
    const two = await signedIn(user);
    await one.post('/logout');
    expect(headerUser(await two.get('/'))).toBe(user.username);
    const guest = browser();
    await guest.get('/');
    expect((await guest.post('/logout')).statusCode).toBe(303);
  });
});

describe('locale', () => {
  it('follows Accept-Language by default', async () => {
    const ru = await browser(ctx.app, undefined, 'ru-RU,ru;q=0.9,en;q=0.8').get('/');
    let doc = dom(ru.body);
    expect(doc.documentElement.getAttribute('lang')).toBe('ru');
    expect(text(doc.querySelector('#latest-heading'))).toBe('Последние темы');
    expect(ru.headers.vary).toContain('Accept-Language');

    const english = await browser(ctx.app, undefined, 'en-GB').get('/');
    doc = dom(english.body);
    expect(doc.documentElement.getAttribute('lang')).toBe('en');
    expect(text(doc.querySelector('#latest-heading'))).toBe('Latest topics');

    // q-values count: German is preferred but unsupported, Russian beats English.
    const ranked = dom((await browser(ctx.app, undefined, 'de;q=1, en;q=0.3, ru;q=0.7').get('/')).body);
    expect(ranked.documentElement.getAttribute('lang')).toBe('ru');
  });

  it('falls back to DEFAULT_LOCALE for unsupported or missing Accept-Language', async () => {
    expect(ctx.config.defaultLocale).toBe('en');
    const german = dom((await browser(ctx.app, undefined, 'de-DE').get('/')).body);
    expect(german.documentElement.getAttribute('lang')).toBe('en');
    const none = await ctx.app.inject({ method: 'GET', url: '/' });
    expect(dom(none.body).documentElement.getAttribute('lang')).toBe('en');

    const russianSite = await ctx.another({ defaultLocale: 'ru' });
    const doc = dom((await browser(russianSite, undefined, 'de-DE').get('/')).body);
    expect(doc.documentElement.getAttribute('lang')).toBe('ru');
    expect(text(doc.querySelector('#latest-heading'))).toBe('Последние темы');
    const bare = await russianSite.inject({ method: 'GET', url: '/login' });
    expect(dom(bare.body).documentElement.getAttribute('lang')).toBe('ru');
  });

  it('POST /locale sets a cookie for a guest and redirects to a local `next`', async () => {
    const c = browser(ctx.app, undefined, 'en');
    await c.get('/');
    const res = await c.post('/locale', { locale: 'ru', next: '/signup' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/signup');
    expect(setCookie(res, 'veche_locale')).toMatchObject({ value: 'ru', path: '/', sameSite: 'Lax', httpOnly: true });
    const page = dom((await c.get('/signup')).body);
    expect(page.documentElement.getAttribute('lang')).toBe('ru');
    expect(page.querySelector('a[hreflang="ru"]')?.getAttribute('aria-current')).toBe('true');
    expect(page.querySelector('a[hreflang="en"]')?.hasAttribute('aria-current')).toBe(false);

    expect((await c.post('/locale', { locale: 'en', next: '//evil.com' })).headers.location).toBe('/');
    expect(dom((await c.get('/')).body).documentElement.getAttribute('lang')).toBe('en');
    expect((await c.post('/locale', { locale: 'de', next: '/' })).statusCode).toBe(400);
  });

  it('the footer links (GET /locale/:code) switch the language without a form, for guests and members', async () => {
    const c = browser(ctx.app, undefined, 'en');
    const home = await c.get('/');
    expect(home.headers['set-cookie']).toBeUndefined();
    const link = dom(home.body).querySelector('a[hreflang="ru"]')?.getAttribute('href');
    expect(link).toBe('/locale/ru?next=%2F');
    const res = await c.get(link!);
    expect(res.statusCode).toBe(303);
    expect(dom((await c.get('/')).body).documentElement.getAttribute('lang')).toBe('ru');
    expect((await c.get('/locale/de?next=/')).statusCode).toBe(400);
    expect((await c.get('/locale/en?next=https://evil.com/x')).headers.location).toBe('/x');
    const user = await createUser(ctx.db);
    const m = await signedIn(user);
    await m.get('/locale/ru?next=/');
    const row = await ctx.db.selectFrom('users').select('locale').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.locale).toBe('ru');
  });

  it('POST /locale stores the choice on a signed-in user, which then follows them to other browsers', async () => {
    const user = await createUser(ctx.db);
    const c = await signedIn(user);
    const res = await c.post('/locale', { locale: 'ru', next: `/u/${user.username}` });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/u/${user.username}`);
    const row = await ctx.db.selectFrom('users').select('locale').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.locale).toBe('ru');

    const elsewhere = await signedIn(user);
    expect(elsewhere.cookies.has('veche_locale')).toBe(false);
    expect(dom((await elsewhere.get('/')).body).documentElement.getAttribute('lang')).toBe('ru');
  });

  it('POST /locale from a suspended user’s leftover session sets only the cookie, as for a guest', async () => {
    const user = await createUser(ctx.db, { suspended_until: new Date(Date.now() + 86400_000) });
    const c = await withSession(user);
    const res = await c.post('/locale', { locale: 'ru', next: '/' });
    expect(res.statusCode).toBe(303);
    expect(setCookie(res, 'veche_locale')?.value).toBe('ru');
    const row = await ctx.db.selectFrom('users').select('locale').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.locale).toBeNull();
  });
});

describe('profile /u/:username', () => {
  it('is not found for an unknown or over-long name', async () => {
    const res = await browser().get('/u/no_such_person');
    expect(res.statusCode).toBe(404);
    expect(text(dom(res.body).querySelector('#error h1'))).toBe(en.t('errors.notFound.title'));
    expect([400, 404]).toContain((await browser().get(`/u/${'a'.repeat(61)}`)).statusCode);
  });

  it('shows the name, role and counts, and finds the user by any case or width of the name', async () => {
    const user = await createUser(ctx.db, { username: 'Counter_Ann' });
    const cat = await createCategory(ctx.db);
    const { topic } = await createTopic(ctx.db, user, cat, { title: 'Counting things carefully' });
    await createTopic(ctx.db, user, cat, { title: 'Counting things again' });
    await createReply(ctx.db, user, topic.id, 'one more');
    for (const name of ['Counter_Ann', 'counter_ann', 'ＣＯＵＮＴＥＲ_ＡＮＮ']) {
      const res = await browser().get(`/u/${encodeURIComponent(name)}`);
      expect(res.statusCode, name).toBe(200);
      const doc = dom(res.body);
      expect(text(doc.querySelector('main h1'))).toBe('Counter_Ann');
      const stats = Object.fromEntries(Array.from(doc.querySelectorAll('.stats > div')).map((d) => [text(d.querySelector('dt')), text(d.querySelector('dd'))]));
      expect(stats).toEqual({ Topics: '2', Replies: '1', Reputation: '0', 'Accepted answers': '0' });
    }
  });

  it('lists topics and replies only from categories the viewer may read', async () => {
    const author = await createUser(ctx.db);
    const someone = await createUser(ctx.db);
    const member = await createUser(ctx.db);
    const moderator = await createUser(ctx.db, { role: 'moderator' });
    const staff = await createUser(ctx.db, { role: 'staff' });
    const cats = {
      open: await createCategory(ctx.db),
      members: await createCategory(ctx.db, { read_access: 'members' }),
      staff: await createCategory(ctx.db, { read_access: 'staff', post_access: 'staff' }),
    };
    for (const [kind, cat] of Object.entries(cats)) {
      // Only staff may write in the staff-only category: staff writes there and the rows are handed to the author,
      // as if the author's topic and reply had been moved there.
      const writer = kind === 'staff' ? staff : author;
      const own = await createTopic(ctx.db, writer, cat, { title: `Topic by author in ${kind}` });
      const { topic } = await createTopic(ctx.db, kind === 'staff' ? staff : someone, cat, { title: `Someone else's topic in ${kind}` });
      const reply = await createReply(ctx.db, writer, topic.id, `author replies in ${kind}`);
      await ctx.db.updateTable('topics').set({ user_id: author.id }).where('id', '=', own.topic.id).execute();
      await ctx.db.updateTable('posts').set({ user_id: author.id }).where('id', 'in', [own.post.id, reply.id]).execute();
    }

    const lists = async (c: Client) => {
      const res = await c.get(`/u/${author.username}`);
      expect(res.statusCode).toBe(200);
      const doc = dom(res.body);
      const titles = (section: string) => Array.from(doc.querySelectorAll(`section[aria-labelledby="${section}"] li a`)).map((a) => text(a)).sort();
      return { topics: titles('recent-topics'), posts: titles('recent-posts') };
    };
    const everything = {
      topics: ['Topic by author in members', 'Topic by author in open', 'Topic by author in staff'],
      posts: ["Someone else's topic in members", "Someone else's topic in open", "Someone else's topic in staff"],
    };
    const only = (...kinds: string[]) => ({
      topics: everything.topics.filter((t) => kinds.some((k) => t.endsWith(k))),
      posts: everything.posts.filter((t) => kinds.some((k) => t.endsWith(k))),
    });

    expect(await lists(browser())).toEqual(only('open'));
    const suspendedStaff = await createUser(ctx.db, { role: 'staff', suspended_until: new Date(Date.now() + 86400_000) });
    expect(await lists(await withSession(suspendedStaff))).toEqual(only('open'));
    expect(await lists(await signedIn(member))).toEqual(only('open', 'members'));
    expect(await lists(await signedIn(author))).toEqual(only('open', 'members'));
    expect(await lists(await signedIn(moderator))).toEqual(everything);
    expect(await lists(await signedIn(staff))).toEqual(everything);
  });
});

describe('sign-up errors at once', () => {
  it('reports a bad username and e-mail together with a too-short password', async () => {
    const c = browser();
    await c.get('/signup');
    const res = await c.post('/signup', { username: 'a b', email: 'bad', password: 'short' });
    expect(res.statusCode).toBe(422);
    const doc = dom(res.body);
    for (const field of ['username', 'email', 'password']) expect(doc.querySelector(`#f-${field}-error`), field).not.toBeNull();
    expect(doc.querySelector('#f-username')?.getAttribute('value')).toBe('a b');
  });
});
