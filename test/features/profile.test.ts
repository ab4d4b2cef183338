import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../server/db/types.js';
import { hashToken, randomToken } from '../../server/lib/crypto.js';
import { verifyPassword } from '../../server/features/accounts/passwords.js';
import { translator } from '../../server/web/i18n/index.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { Client, DEFAULT_PASSWORD } from '../helpers/client.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, formField as field, text } from '../helpers/html.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp();
  await createUser(ctx.db, { role: 'admin' });
});
afterAll(async () => ctx.close());

const en = translator('en');
const ru = translator('ru');
const SESSION = 'veche_session';
const NEW_PASSWORD = 'a brand new passphrase';
let ipSeq = 0;

/** A browser at its own address, so per-IP login limits never add up across this file. */
function browser(app: FastifyInstance = ctx.app): Client {
  const ip = `10.60.${Math.floor(++ipSeq / 200)}.${(ipSeq % 200) + 1}`;
  return new Client({ inject: (opts: InjectOptions) => app.inject({ ...opts, remoteAddress: ip }) } as unknown as FastifyInstance);
}

/** Logs in through the form, then loads a page so the client holds the CSRF token of its new session. */
async function signedIn(user: User, password = DEFAULT_PASSWORD): Promise<Client> {
  const c = browser();
  await c.login(user.username, password);
  await c.get('/');
  return c;
}

/** A session made directly in the table, for someone who can no longer log in (a suspended user). */
async function withSession(user: User): Promise<Client> {
  const token = randomToken();
  await ctx.db.insertInto('sessions').values({ token_hash: hashToken(token), user_id: user.id, expires_at: new Date(Date.now() + 86400_000) }).execute();
  const c = browser();
  c.cookies.set(SESSION, token);
  await c.get('/');
  return c;
}


/** The signed-in user named by the header's profile link, or null for a guest. */
function headerUser(res: LightMyRequestResponse): string | null {
  const profile = dom(res.body).querySelector('header a[href^="/u/"]');
  return profile ? decodeURIComponent(profile.getAttribute('href')!.slice(3)) : null;
}

function row(id: number) {
  return ctx.db.selectFrom('users').select(['display_name', 'bio_md', 'bio_html', 'locale', 'password_hash']).where('id', '=', id).executeTakeFirstOrThrow();
}

const profileForm = (overrides: Record<string, string> = {}) => ({ display_name: 'Marta K.', bio: 'Hello **there**', locale: 'en', ...overrides });
const passwordForm = (overrides: Record<string, string> = {}) => ({ current_password: DEFAULT_PASSWORD, new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD, ...overrides });

describe('settings page: who may use it', () => {
  it('sends a guest to log in, for the page and for both forms, changing nothing', async () => {
    const g = browser();
    const page = await g.get('/settings');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/login?next=/settings');
    await g.get('/login'); // a guest's CSRF token, so the request reaches the route
    for (const [url, form] of [['/settings', profileForm()], ['/settings/password', passwordForm()]] as const) {
      const res = await g.post(url, form);
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location, url).toBe('/login?next=/settings');
    }
  });

  it('has one place only: the signed-in account, never someone else’s by URL', async () => {
    const a = await createUser(ctx.db);
    const b = await createUser(ctx.db);
    const bc = await signedIn(b);
    // There is no per-user settings URL to aim at somebody else.
    expect((await bc.get(`/u/${a.username}/settings`)).statusCode).toBe(404);
    expect((await bc.post(`/u/${a.username}/settings`, profileForm())).statusCode).toBe(404);
    const before = await row(a.id);
    expect((await bc.post('/settings', profileForm({ display_name: 'Changed by B' }))).statusCode).toBe(303);
    expect((await bc.post('/settings/password', passwordForm())).statusCode).toBe(303);
    expect(await row(a.id)).toEqual(before);
    expect((await row(b.id)).display_name).toBe('Changed by B');
    expect(await verifyPassword((await row(b.id)).password_hash, NEW_PASSWORD)).toBe(true);
  });

  it('treats a suspended user’s old session as a guest', async () => {
    const user = await createUser(ctx.db);
    const c = await withSession(user);
    await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 86400_000) }).where('id', '=', user.id).execute();
    expect((await c.get('/settings')).headers.location).toBe('/login?next=/settings');
    const before = await row(user.id);
    for (const [url, form] of [['/settings', profileForm()], ['/settings/password', passwordForm()]] as const) {
      const res = await c.post(url, form);
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location, url).toBe('/login?next=/settings');
    }
    expect(await row(user.id)).toEqual(before);
  });

  it('is linked from the account menu', async () => {
    const c = await signedIn(await createUser(ctx.db));
    const doc = dom((await c.get('/')).body);
    expect(doc.querySelector('header .menu-panel a[href="/settings"]')).not.toBeNull();
  });
});

describe('settings page: profile', () => {
  it('shows the saved values and saves display name, bio (cooked once) and language', async () => {
    const user = await createUser(ctx.db);
    const c = await signedIn(user);
    const page = await c.get('/settings');
    expect(page.statusCode).toBe(200);
    let doc = dom(page.body);
    expect(doc.querySelector('form[action="/settings"] input[name="_csrf"]')).not.toBeNull();
    expect(doc.querySelector('form[action="/settings/password"] input[name="_csrf"]')).not.toBeNull();
    expect(field(doc, 'display_name').value).toBe('');

    const res = await c.post('/settings', profileForm({ display_name: '  Marta Kowalska ', bio: 'I like **bold** claims.\n\n- one\n- two', locale: 'ru' }));
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/settings?saved=profile');
    const saved = await row(user.id);
    expect(saved).toMatchObject({ display_name: 'Marta Kowalska', bio_md: 'I like **bold** claims.\n\n- one\n- two', locale: 'ru' });
    expect(saved.bio_html).toContain('<strong>bold</strong>');
    expect(saved.bio_html).toContain('<li>one</li>');

    const after = await c.get('/settings?saved=profile');
    doc = dom(after.body);
    expect(doc.documentElement.getAttribute('lang')).toBe('ru');
    expect(text(doc.querySelector('[role="status"]'))).toBe(ru.t('settings.profileSaved'));
    expect(field(doc, 'display_name').value).toBe('Marta Kowalska');
    expect(field(doc, 'bio').value).toBe(saved.bio_md);
    expect(doc.querySelector('#f-locale option[value="ru"]')?.hasAttribute('selected')).toBe(true);

    const profile = dom((await browser().get(`/u/${user.username}`)).body);
    expect(profile.querySelector('#profile-bio strong')?.textContent).toBe('bold');
    expect(text(profile.querySelector('#profile-name'))).toBe('Marta Kowalska');
  });

  it('answers an htmx submit with HX-Redirect', async () => {
    const user = await createUser(ctx.db);
    const c = await signedIn(user);
    const res = await c.post('/settings', profileForm({ display_name: 'Via htmx' }), { htmx: true });
    expect(res.statusCode).toBe(204);
    expect(res.headers['hx-redirect']).toBe('/settings?saved=profile');
    expect((await row(user.id)).display_name).toBe('Via htmx');
  });

  it('sanitizes the bio: no script, handler or javascript: link survives cooking', async () => {
    const user = await createUser(ctx.db);
    const c = await signedIn(user);
    const bio = '<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3)) ![i](javascript:alert(4))\n\n<a href="https://evil.example" onclick="x()">a</a>';
    expect((await c.post('/settings', profileForm({ bio }))).statusCode).toBe(303);
    const saved = await row(user.id);
    expect(saved.bio_md).toBe(bio);
    const page = await browser().get(`/u/${user.username}`);
    const container = dom(page.body).querySelector('#profile-bio')!;
    expect(container.querySelectorAll('script, img[onerror], a[onclick], [onerror], [onclick]').length).toBe(0);
    for (const a of Array.from(container.querySelectorAll('a, img'))) expect(a.getAttribute('href') ?? a.getAttribute('src') ?? '').not.toMatch(/javascript:/i);
    expect(page.body).not.toContain('<script>alert(1)');
  });

  it('clears the display name with an empty value and the bio with an empty text', async () => {
    const user = await createUser(ctx.db);
    const c = await signedIn(user);
    await c.post('/settings', profileForm());
    expect((await c.post('/settings', profileForm({ display_name: '   ', bio: '' }))).statusCode).toBe(303);
    expect(await row(user.id)).toMatchObject({ display_name: null, bio_md: '', bio_html: '' });
    expect(dom((await browser().get(`/u/${user.username}`)).body).querySelector('#profile-bio')).toBeNull();
  });

  it('re-renders with 422, messages by the fields and the values kept; saves nothing', async () => {
    const user = await createUser(ctx.db);
    const c = await signedIn(user);
    const before = await row(user.id);
    const cases: [Record<string, string>, string, string][] = [
      [profileForm({ display_name: 'n'.repeat(61) }), 'display_name', en.t('errors.tooLong', { limit: 60 })],
      [profileForm({ bio: 'b'.repeat(3001) }), 'bio', en.t('errors.tooLong', { limit: 3000 })],
      [profileForm({ bio: 'b'.repeat(100_000) }), 'bio', en.t('errors.tooLong', { limit: 3000 })],
      [profileForm({ display_name: 'Two\nlines' }), 'display_name', en.t('errors.invalid')],
    ];
    for (const [form, name, message] of cases) {
      const res = await c.post('/settings', form);
      expect(res.statusCode, name).toBe(422);
      const doc = dom(res.body);
      expect(text(doc.querySelector('form[action="/settings"] [role="alert"]'))).toBe(en.t('errors.formHasErrors'));
      expect(field(doc, name)).toMatchObject({ invalid: true, error: message });
      const other = name === 'bio' ? 'display_name' : 'bio';
      expect(field(doc, other).value).toBe(form[other]);
    }
    const badLocale = await c.post('/settings', profileForm({ locale: 'de' }));
    expect(badLocale.statusCode).toBe(422);
    expect(field(dom(badLocale.body), 'locale').invalid).toBe(true);
    expect(field(dom(badLocale.body), 'display_name').value).toBe('Marta K.');
    expect(await row(user.id)).toEqual(before);
  });

  it('lets a silenced member change the language but not the published name or bio', async () => {
    const user = await createUser(ctx.db, { silenced_until: new Date(Date.now() + 86400_000) });
    const c = await signedIn(user);
    expect(text(dom((await c.get('/settings')).body).querySelector('#profile-form .notice-warn'))).toBe(en.t('settings.silencedText'));
    const refused = await c.post('/settings', profileForm({ display_name: 'Loud' }));
    expect(refused.statusCode).toBe(422);
    expect(field(dom(refused.body), 'display_name')).toMatchObject({ invalid: true, error: en.t('settings.silencedText') });
    expect((await c.post('/settings', { display_name: '', bio: '', locale: 'ru' })).statusCode).toBe(303);
    expect(await row(user.id)).toMatchObject({ display_name: null, bio_md: '', locale: 'ru' });
  });
});

describe('settings page: password', () => {
  it('refuses a wrong current password with 422, never echoing passwords, and keeps the hash', async () => {
    const user = await createUser(ctx.db);
    const c = await signedIn(user);
    const before = (await row(user.id)).password_hash;
    const res = await c.post('/settings/password', passwordForm({ current_password: 'not my password at all' }));
    expect(res.statusCode).toBe(422);
    const doc = dom(res.body);
    expect(field(doc, 'current_password')).toEqual({ value: '', invalid: true, error: en.t('settings.passwordWrong') });
    expect(field(doc, 'new_password').value).toBe('');
    expect(res.body).not.toContain('not my password at all');
    expect(res.body).not.toContain(NEW_PASSWORD);
    expect((await row(user.id)).password_hash).toBe(before);
    expect(headerUser(await c.get('/'))).toBe(user.username);
  });

  it('checks the new password: length, confirmation, different from the current one, every field required', async () => {
    const user = await createUser(ctx.db);
    const c = await signedIn(user);
    const before = (await row(user.id)).password_hash;
    const cases: [Record<string, string>, string, string][] = [
      [passwordForm({ new_password: 'short-pw', confirm_password: 'short-pw' }), 'new_password', en.t('errors.tooShort', { limit: 10 })],
      [passwordForm({ confirm_password: 'something else entirely' }), 'confirm_password', en.t('settings.passwordMismatch')],
      [passwordForm({ new_password: DEFAULT_PASSWORD, confirm_password: DEFAULT_PASSWORD }), 'new_password', en.t('settings.passwordSame')],
      [passwordForm({ current_password: '' }), 'current_password', en.t('errors.required')],
      [{ current_password: DEFAULT_PASSWORD }, 'new_password', en.t('errors.required')],
      [passwordForm({ new_password: 'p'.repeat(201), confirm_password: 'p'.repeat(201) }), 'new_password', en.t('errors.tooLong', { limit: 200 })],
    ];
    for (const [form, name, message] of cases) {
      const res = await c.post('/settings/password', form);
      expect(res.statusCode, name).toBe(422);
      expect(field(dom(res.body), name), JSON.stringify(form)).toMatchObject({ invalid: true, error: message });
    }
    expect((await row(user.id)).password_hash).toBe(before);
  });

  it('on success revokes the other sessions and rotates this one; only the new password logs in', async () => {
    const user = await createUser(ctx.db);
    const here = await signedIn(user);
    const laptop = await signedIn(user);
    const phone = await withSession(user);
    const oldToken = here.cookies.get(SESSION)!;
    const other = await createUser(ctx.db);
    const bystander = await signedIn(other);

    const res = await here.post('/settings/password', passwordForm());
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/settings?saved=password');
    const newToken = here.cookies.get(SESSION)!;
    expect(newToken).toBeTruthy();
    expect(newToken).not.toBe(oldToken);

    const sessions = await ctx.db.selectFrom('sessions').select('token_hash').where('user_id', '=', user.id).execute();
    expect(sessions).toEqual([{ token_hash: hashToken(newToken) }]);

    const page = await here.get('/settings?saved=password');
    expect(headerUser(page)).toBe(user.username);
    expect(text(dom(page.body).querySelector('[role="status"]'))).toBe(en.t('settings.passwordChanged'));
    expect(headerUser(await laptop.get('/'))).toBeNull();
    expect(headerUser(await phone.get('/'))).toBeNull();
    // The old cookie, replayed, is nobody.
    const replay = browser();
    replay.cookies.set(SESSION, oldToken);
    expect(headerUser(await replay.get('/'))).toBeNull();
    // Someone else's session is untouched.
    expect(headerUser(await bystander.get('/'))).toBe(other.username);

    const oldLogin = browser();
    await oldLogin.get('/login');
    expect((await oldLogin.post('/login', { login: user.username, password: DEFAULT_PASSWORD })).statusCode).toBe(401);
    await signedIn(user, NEW_PASSWORD);
    // The rotated session still works for the next form (after loading a page for its new CSRF token).
    expect((await here.post('/settings', profileForm({ display_name: 'Still me' }))).statusCode).toBe(303);
  });

  it('throttles wrong current passwords per account (429), even across browsers and instances', async () => {
    const user = await createUser(ctx.db);
    const c = await signedIn(user);
    const before = (await row(user.id)).password_hash;
    for (let i = 0; i < 5; i++) expect((await c.post('/settings/password', passwordForm({ current_password: `wrong guess ${i}` }))).statusCode).toBe(422);
    const limited = await c.post('/settings/password', passwordForm());
    expect(limited.statusCode).toBe(429);
    const retry = Number(limited.headers['retry-after']);
    expect(retry).toBeGreaterThan(0);
    expect(text(dom(limited.body).querySelector('form[action="/settings/password"] [role="alert"]'))).toBe(
      en.t('errors.tooManyRequests', { minutes: Math.ceil(retry / 60) }),
    );
    const elsewhere = new Client(await ctx.another());
    await elsewhere.login(user.username);
    expect((await elsewhere.post('/settings/password', passwordForm())).statusCode).toBe(429);
    expect((await row(user.id)).password_hash).toBe(before);

    // Another account is not affected.
    const neighbour = await signedIn(await createUser(ctx.db));
    expect((await neighbour.post('/settings/password', passwordForm())).statusCode).toBe(303);
  });
});

describe('settings page: CSRF', () => {
  it('refuses both forms without a token or with another browser’s token, changing nothing', async () => {
    const user = await createUser(ctx.db);
    const c = await signedIn(user);
    const stranger = await signedIn(await createUser(ctx.db));
    const before = await row(user.id);
    for (const [url, form] of [['/settings', profileForm()], ['/settings/password', passwordForm()]] as const) {
      expect((await c.post(url, form, { noCsrf: true })).statusCode, url).toBe(403);
      expect((await c.post(url, form, { noCsrf: true, htmx: true })).statusCode, url).toBe(403);
      expect((await c.post(url, { ...form, _csrf: stranger.csrf! }, { noCsrf: true })).statusCode, url).toBe(403);
    }
    expect(await row(user.id)).toEqual(before);
  });
});

describe('profile page', () => {
  it('shows name, @username, join date, last seen, trust level, reputation and counts', async () => {
    const created = new Date('2024-03-05T10:00:00Z');
    const user = await createUser(ctx.db, { created_at: created, trust_level: 2 });
    await ctx.db.updateTable('users').set({ display_name: 'Olga P.', reputation: 42, last_seen_at: new Date(Date.now() - 3 * 3600_000) }).where('id', '=', user.id).execute();
    const cat = await createCategory(ctx.db);
    const { topic } = await createTopic(ctx.db, user, cat, { title: 'Olga asks a question' });
    await createReply(ctx.db, user, topic.id, 'Olga follows up');
    await createReply(ctx.db, user, topic.id, 'And again');

    const res = await browser().get(`/u/${user.username}`);
    expect(res.statusCode).toBe(200);
    const doc = dom(res.body);
    expect(text(doc.querySelector('#profile-name'))).toBe('Olga P.');
    const head = text(doc.querySelector('.profile-head'));
    expect(head).toContain(`@${user.username}`);
    expect(head).toContain(en.t('profile.joined', { date: en.day(created) }));
    expect(head).toContain(en.t('profile.lastSeen', { date: en.ago(new Date(Date.now() - 3 * 3600_000)) }));
    expect(head).toContain(en.t('profile.trustLevel', { level: 2 }));
    expect(text(doc.querySelector('#stat-reputation dd'))).toBe('42');
    expect(text(doc.querySelector('#stat-topics dd'))).toBe('1');
    expect(text(doc.querySelector('#stat-replies dd'))).toBe('2');
    expect(text(doc.querySelector('#recent-topics')?.closest('section'))).toContain('Olga asks a question');
    expect(doc.querySelectorAll('[aria-labelledby="recent-posts"] li').length).toBe(2);
    // A guest gets no edit link; the owner does.
    expect(doc.querySelector('main a[href="/settings"]')).toBeNull();
    const own = dom((await (await signedIn(user)).get(`/u/${user.username}`)).body);
    expect(own.querySelector('main a[href="/settings"]')).not.toBeNull();
  });

  it('lists only the topics and replies the viewer may see', async () => {
    const staffCat = await createCategory(ctx.db, { read_access: 'staff', post_access: 'staff' });
    const membersCat = await createCategory(ctx.db, { read_access: 'members' });
    const publicCat = await createCategory(ctx.db);
    const author = await createUser(ctx.db, { role: 'moderator' });
    await createTopic(ctx.db, author, staffCat, { title: 'Secret staff business' });
    await createTopic(ctx.db, author, membersCat, { title: 'Members only chatter' });
    await createTopic(ctx.db, author, publicCat, { title: 'Everyone may read this' });
    const titles = async (c: Client) =>
      Array.from(dom((await c.get(`/u/${author.username}`)).body).querySelectorAll('[aria-labelledby="recent-topics"] li .link-title')).map((a) => text(a));
    expect(await titles(browser())).toEqual(['Everyone may read this']);
    expect(await titles(await signedIn(await createUser(ctx.db)))).toEqual(['Everyone may read this', 'Members only chatter']);
    expect(await titles(await signedIn(await createUser(ctx.db, { role: 'moderator' })))).toEqual(['Everyone may read this', 'Members only chatter', 'Secret staff business']);
  });

  it('answers 404 for someone who does not exist', async () => {
    expect((await browser().get('/u/nobody_here_at_all')).statusCode).toBe(404);
  });
});
