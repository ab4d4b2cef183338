import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { Category, User } from '../../server/db/types.js';
import { translator } from '../../server/web/i18n/index.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import * as people from '../helpers/people.js';
import { Client, DEFAULT_PASSWORD } from '../helpers/client.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import { DEFAULT_SETTINGS, updateSettings } from '../../server/features/settings/settings.js';

let ctx: TestContext;
let member: User;
let admin: User;
let cat: Category;
beforeAll(async () => {
  ctx = await createTestApp();
  // These tests post several times in a row as one member; the gap between posts has tests of its own (posting-limits).
  await updateSettings(ctx.db, { moderation: { ...DEFAULT_SETTINGS.moderation, seconds_between_posts: [0, 0] } });
  member = await createUser(ctx.db);
  admin = await createUser(ctx.db, { role: 'admin' });
  cat = await createCategory(ctx.db);
});
afterAll(async () => ctx.close());

const en = translator('en');
const browser = (app: FastifyInstance = ctx.app): Client => people.browser(app);

const signedIn = (user: User): Promise<Client> => people.signedIn(ctx.app, user);

const withSession = (user: User): Promise<Client> => people.withSession(ctx.app, ctx.db, user);

function errorTitle(res: LightMyRequestResponse): string {
  return text(dom(res.body).querySelector('#error h1'));
}

/** Every POST/PUT/PATCH/DELETE route Fastify knows, read from printRoutes' tree (each segment carries its own slashes). */
function stateChangingRoutes(app: FastifyInstance): string[] {
  const out = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│\s]*)(?:├── |└── )(.+?)(?: \(([^)]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack[depth] = m[2]!;
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim())) {
      if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) out.add(`${method} ${stack.join('')}`);
    }
  }
  return [...out].sort();
}

/** A world for state-changing requests: a topic with a reply, a deleted reply, a category, a user to promote. */
async function fixture() {
  const author = await createUser(ctx.db);
  const { topic, post: first } = await createTopic(ctx.db, author, cat, { title: 'A topic to protect' });
  const reply = await createReply(ctx.db, author, topic.id, 'original reply');
  const gone = await createReply(ctx.db, author, topic.id, 'deleted reply');
  await ctx.db.updateTable('posts').set({ deleted_at: new Date(), deleted_by_id: author.id }).where('id', '=', gone.id).execute();
  const victimCat = await createCategory(ctx.db, { name: 'Keep as is' });
  const target = await createUser(ctx.db);
  return { author, topic, first, reply, gone, victimCat, target };
}

type World = Awaited<ReturnType<typeof fixture>>;

/** A valid request for each state-changing route, and who may make it. */
function cases(w: World): { route: string; url: string; form: Record<string, string>; as: 'guest' | 'author' | 'admin' }[] {
  return [
    { route: 'POST /signup', url: '/signup', form: { username: 'csrf_victim', email: 'csrf_victim@example.com', password: 'long enough password' }, as: 'guest' },
    { route: 'POST /login', url: '/login', form: { login: member.username, password: DEFAULT_PASSWORD }, as: 'guest' },
    { route: 'POST /logout', url: '/logout', form: {}, as: 'author' },
    { route: 'POST /locale', url: '/locale', form: { locale: 'ru', next: '/' }, as: 'author' },
    { route: 'POST /t', url: '/t', form: { category_id: String(cat.id), title: 'Forged topic title', body: 'forged' }, as: 'author' },
    { route: 'POST /t/:id/posts', url: `/t/${w.topic.id}/posts`, form: { body: 'forged reply' }, as: 'author' },
    { route: 'POST /preview', url: '/preview', form: { body: 'preview me' }, as: 'author' },
    { route: 'POST /posts/:id/edit', url: `/posts/${w.reply.id}/edit`, form: { body: 'forged edit' }, as: 'author' },
    { route: 'POST /posts/:id/delete', url: `/posts/${w.reply.id}/delete`, form: {}, as: 'author' },
    { route: 'POST /posts/:id/restore', url: `/posts/${w.gone.id}/restore`, form: {}, as: 'admin' },
    {
      route: 'POST /admin/categories',
      url: '/admin/categories',
      form: { name: 'Forged', slug: 'forged', kind: 'discussion', read_access: 'everyone', post_access: 'members' },
      as: 'admin',
    },
    {
      route: 'POST /admin/categories/:id',
      url: `/admin/categories/${w.victimCat.id}`,
      form: { name: 'Renamed by forgery', slug: w.victimCat.slug, kind: 'discussion', read_access: 'everyone', post_access: 'members' },
      as: 'admin',
    },
    { route: 'POST /admin/categories/:id/move', url: `/admin/categories/${w.victimCat.id}/move`, form: { direction: 'up' }, as: 'admin' },
    { route: 'POST /admin/categories/:id/delete', url: `/admin/categories/${w.victimCat.id}/delete`, form: {}, as: 'admin' },
    { route: 'POST /admin/users/:id/role', url: `/admin/users/${w.target.id}/role`, form: { role: 'admin' }, as: 'admin' },
  ];
}

/** What a forged request would have changed. */
async function snapshot(w: World) {
  const db = ctx.db;
  return {
    users: (await db.selectFrom('users').select(['id', 'role', 'locale']).orderBy('id').execute()),
    sessions: (await db.selectFrom('sessions').select('token_hash').orderBy('token_hash').execute()).length,
    topics: (await db.selectFrom('topics').select(['id', 'title', 'deleted_at']).orderBy('id').execute()),
    posts: (await db.selectFrom('posts').select(['id', 'body_md', 'deleted_at']).where('topic_id', '=', w.topic.id).orderBy('id').execute()),
    categories: (await db.selectFrom('categories').select(['id', 'name', 'position']).orderBy('id').execute()),
  };
}

describe('CSRF', () => {
  it('covers every state-changing route the app has', async () => {
    const w = await fixture();
    expect(stateChangingRoutes(ctx.app)).toEqual(expect.arrayContaining(cases(w).map((c) => c.route)));
  });

  it('refuses each state-changing route without the token (403) and changes nothing', async () => {
    const w = await fixture();
    const clients = { guest: browser(), author: await signedIn(w.author), admin: await signedIn(admin) };
    await clients.guest.get('/');
    const before = await snapshot(w);
    for (const c of cases(w)) {
      const res = await clients[c.as].post(c.url, c.form, { noCsrf: true });
      expect(res.statusCode, c.route).toBe(403);
      expect(errorTitle(res), c.route).toBe(en.t('errors.csrf.title'));
      expect(res.headers['set-cookie']?.toString() ?? '', c.route).not.toContain('veche_session=');
      // The htmx way without the header is refused the same.
      const hx = await clients[c.as].post(c.url, c.form, { noCsrf: true, htmx: true });
      expect(hx.statusCode, `${c.route} (htmx)`).toBe(403);
    }
    expect(await snapshot(w)).toEqual(before);
  });

  it("refuses each route with a token from another browser, in the form or in the header", async () => {
    const w = await fixture();
    const clients = { guest: browser(), author: await signedIn(w.author), admin: await signedIn(admin) };
    // Guests' tokens come from pages with a guest form (plain pages carry none).
    await clients.guest.get('/login');
    const attacker = browser();
    await attacker.get('/login');
    const signedInAttacker = await signedIn(member);
    const before = await snapshot(w);
    for (const c of cases(w)) {
      const victim = clients[c.as];
      const own = victim.csrf;
      for (const foreign of [attacker.csrf, signedInAttacker.csrf]) {
        // Set before each request: the 403 page itself hands the victim a fresh token of its own.
        victim.csrf = foreign;
        expect((await victim.post(c.url, c.form)).statusCode, c.route).toBe(403);
        victim.csrf = foreign;
        expect((await victim.post(c.url, c.form, { htmx: true })).statusCode, `${c.route} (htmx)`).toBe(403);
      }
      victim.csrf = own;
    }
    expect(await snapshot(w)).toEqual(before);
  });

  it('refuses every POST route the app knows, even ones added later, without a token (as admin, who passes every other check)', async () => {
    const w = await fixture();
    const c = await signedIn(admin);
    const ids: [RegExp, number][] = [
      [/^\/t\/:id/, w.topic.id],
      [/^\/posts\/:id/, w.reply.id],
      [/^\/admin\/categories\/:id/, w.victimCat.id],
      [/^\/admin\/users\/:id/, w.target.id],
    ];
    const before = await snapshot(w);
    // The one deliberate exemption: RFC 8058 one-click unsubscribe, posted by mail clients with no session or token;
    // the signed token in its URL is the authorization (test/features/unsubscribe.test.ts).
    const exempt = ['POST /unsubscribe/:token'];
    const routes = stateChangingRoutes(ctx.app);
    expect(routes).toEqual(expect.arrayContaining(exempt));
    for (const route of routes.filter((r) => !exempt.includes(r))) {
      const [method, pattern] = route.split(' ') as [string, string];
      const id = ids.find(([re]) => re.test(pattern))?.[1] ?? 1;
      const url = pattern.replace(':id', String(id)).replace(/:(\w+)/g, 'x');
      const res = await ctx.app.inject({
        method: method as 'POST',
        url,
        headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'body=x&direction=up&role=admin',
        remoteAddress: '10.40.255.1',
      });
      expect([400, 403], `${route} → ${res.statusCode}`).toContain(res.statusCode);
    }
    expect(await snapshot(w)).toEqual(before);
  });

  it('accepts the token in the X-CSRF-Token header (htmx) and in the form', async () => {
    const w = await fixture();
    const c = await signedIn(w.author);
    const preview = await c.post('/preview', { body: '**bold**' }, { htmx: true });
    expect(preview.statusCode).toBe(200);
    expect(text(dom(preview.body).querySelector('strong'))).toBe('bold');

    const reply = await c.post(`/t/${w.topic.id}/posts`, { body: 'posted over htmx' }, { htmx: true });
    expect(reply.statusCode).toBe(201);
    const edit = await c.post(`/posts/${w.reply.id}/edit`, { body: 'edited over htmx' }, { htmx: true });
    expect(edit.statusCode).toBe(200);
    expect((await ctx.db.selectFrom('posts').select('body_md').where('id', '=', w.reply.id).executeTakeFirstOrThrow()).body_md).toBe('edited over htmx');

    const locale = await c.post('/locale', { locale: 'en', next: '/c/x' }, { htmx: true });
    expect(locale.statusCode).toBe(204);
    expect(locale.headers['hx-redirect']).toBe('/c/x');

    const plain = await c.post(`/t/${w.topic.id}/posts`, { body: 'posted as a plain form' });
    expect(plain.statusCode).toBe(303);
  });

  it('does not accept a token issued before logging in afterwards (a fresh secret comes with the session)', async () => {
    const c = browser();
    await c.get('/login');
    const before = c.csrf;
    expect((await c.post('/login', { login: member.username, password: DEFAULT_PASSWORD })).statusCode).toBe(303);
    expect(c.cookies.has('veche_csrf')).toBe(false);
    c.csrf = before;
    expect((await c.post('/preview', { body: 'x' })).statusCode).toBe(403);
    await c.get('/');
    expect(c.csrf).not.toBe(before);
    expect((await c.post('/preview', { body: 'x' })).statusCode).toBe(200);
  });

  it('keeps its secret in an HttpOnly, SameSite=Lax cookie', async () => {
    const res = await browser().get('/login');
    const cookie = (res.cookies as { name: string; httpOnly?: boolean; sameSite?: string; path?: string }[]).find((c) => c.name === 'veche_csrf');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
  });
});

describe('who may change what', () => {
  it('refuses posts routes to a guest, another member and the suspended author, changing nothing', async () => {
    const w = await fixture();
    const other = await signedIn(await createUser(ctx.db));
    await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 86400_000) }).where('id', '=', w.author.id).execute();
    const suspended = await withSession(w.author);
    const guest = browser();
    await guest.get('/');
    const before = await snapshot(w);
    for (const [who, c] of [['guest', guest], ['other member', other], ['suspended author', suspended]] as const) {
      const newTopic = await c.post('/t', { category_id: String(cat.id), title: 'Should never exist', body: 'nope' });
      const reply = await c.post(`/t/${w.topic.id}/posts`, { body: 'nope' });
      if (who === 'other member') {
        expect(newTopic.statusCode, who).toBe(303);
        expect(reply.statusCode, who).toBe(303);
        // Members may post: take those rows back out of the comparison below.
        await ctx.db.deleteFrom('posts').where('body_md', '=', 'nope').where('topic_id', '=', w.topic.id).execute();
      } else {
        expect(newTopic.statusCode, who).toBe(303);
        expect(newTopic.headers.location, who).toMatch(/^\/login\?next=/);
        expect(reply.statusCode, who).toBe(303);
        expect(reply.headers.location, who).toMatch(/^\/login\?next=/);
      }
      for (const url of [`/posts/${w.reply.id}/edit`, `/posts/${w.reply.id}/delete`, `/posts/${w.first.id}/delete`, `/posts/${w.gone.id}/restore`]) {
        const res = await c.post(url, { body: 'hijacked' });
        expect([403, 404], `${who}: ${url} → ${res.statusCode}`).toContain(res.statusCode);
      }
    }
    const after = await snapshot(w);
    // Only the other member's own new topic may differ.
    expect({ ...after, topics: after.topics.filter((t) => t.title !== 'Should never exist'), users: undefined, sessions: undefined }).toEqual({
      ...before,
      users: undefined,
      sessions: undefined,
    });
  });
});

describe('headers', () => {
  function csp(res: LightMyRequestResponse): Record<string, string> {
    const raw = String(res.headers['content-security-policy'] ?? '');
    return Object.fromEntries(raw.split(';').map((d) => d.trim()).filter(Boolean).map((d) => [d.split(/\s+/)[0]!, d.split(/\s+/).slice(1).join(' ')]));
  }

  it('sends a strict CSP and the other helmet headers on pages, fragments and error pages', async () => {
    const { topic } = await createTopic(ctx.db, member, cat);
    const c = browser();
    for (const res of [await c.get('/'), await c.get('/', { htmx: true }), await c.get(`/t/${topic.id}`), await c.get('/no-such-page')]) {
      const policy = csp(res);
      expect(policy['script-src']).toBe("'self'");
      expect(policy['object-src']).toBe("'none'");
      expect(policy['base-uri']).toBe("'self'");
      expect(policy['frame-ancestors']).toBe("'none'");
      expect(policy['default-src']).toBe("'self'");
      expect(policy['form-action']).toBe("'self'");
      expect(Object.values(policy).join(' ')).not.toContain('unsafe-eval');
      expect(policy['script-src']).not.toContain('unsafe-inline');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
    // Plain HTTP in tests: no HSTS (it is sent when the site is served over HTTPS).
    expect((await c.get('/')).headers['strict-transport-security']).toBeUndefined();
    const secure = await ctx.another({ secureCookies: true });
    expect((await secure.inject({ method: 'GET', url: '/' })).headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });

  it('has no inline scripts for the CSP to block', async () => {
    const c = await signedIn(member);
    const { topic } = await createTopic(ctx.db, member, cat);
    for (const url of ['/', `/t/${topic.id}`, '/new', `/u/${member.username}`, '/login']) {
      const doc = dom((await c.get(url)).body);
      for (const script of Array.from(doc.querySelectorAll('script'))) {
        expect(script.getAttribute('src'), url).toMatch(/^\/static\//);
        expect(text(script), url).toBe('');
      }
    }
  });

  it('sends Cache-Control: private, no-store to a signed-in user, and never that cacheable content to guests', async () => {
    const c = await signedIn(member);
    const { topic } = await createTopic(ctx.db, member, cat);
    for (const url of ['/', `/t/${topic.id}`, `/u/${member.username}`, '/new', '/no-such-page']) {
      expect((await c.get(url)).headers['cache-control'], url).toBe('private, no-store');
    }
    expect((await c.get('/', { htmx: true })).headers['cache-control']).toBe('private, no-store');
    const guest = await browser().get('/');
    expect(guest.headers['cache-control']).toBe('no-cache');
    expect(guest.headers.vary).toContain('Cookie');
    expect(guest.headers.vary).toContain('HX-Request');
  });

  it('serves the page’s htmx file with a long, immutable cache', async () => {
    const doc = dom((await browser().get('/')).body);
    const src = Array.from(doc.querySelectorAll('script[src]')).map((s) => s.getAttribute('src')!).find((s) => /\/htmx-[\d.]+\.min\.js$/.test(s));
    expect(src).toMatch(/^\/static\/vendor\/htmx-\d+\.\d+\.\d+\.min\.js$/);
    const res = await browser().get(src!);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    const cache = String(res.headers['cache-control']);
    expect(cache).toContain('max-age=31536000');
    expect(cache).toContain('immutable');
    expect(cache).toContain('public');
    expect(res.body).toContain('htmx');
    expect(res.headers['set-cookie']).toBeUndefined();
    // Another version is not served.
    expect((await browser().get('/static/vendor/htmx-0.0.1.min.js')).statusCode).toBe(404);
  });

  it('does not let static files escape their folder', async () => {
    for (const url of ['/static/../package.json', '/static/%2e%2e/package.json', '/static/..%2fpackage.json', '/static/%2e%2e%2f%2e%2e%2fetc/passwd']) {
      const res = await browser().get(url);
      expect([400, 403, 404], `${url} → ${res.statusCode}`).toContain(res.statusCode);
      expect(res.body).not.toContain('"dependencies"');
    }
  });
});

describe('bad input', () => {
  /** Posts a raw body with the client's cookies and CSRF token. */
  async function raw(c: Client, url: string, payload: string | Buffer, contentType = 'application/x-www-form-urlencoded') {
    return ctx.app.inject({
      method: 'POST',
      url,
      headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': contentType, 'x-csrf-token': c.csrf ?? '' },
      payload,
      remoteAddress: '10.40.254.1',
    });
  }

  it('answers 400, not 500, to NUL bytes, invalid UTF-8 and broken escapes in a form', async () => {
    const c = await signedIn(member);
    const tokenField = `_csrf=${encodeURIComponent(c.csrf!)}`;
    const bodies = [
      `login=ab%00cd&password=x&${tokenField}`,
      `login=ab&password=x%00&${tokenField}`,
      `login=%FF%FE&password=x&${tokenField}`,
      `login=%C3%28&password=x&${tokenField}`,
      `login=%E0%A4&password=x&${tokenField}`,
      `login=%&password=x&${tokenField}`,
      `login=%zz&password=x&${tokenField}`,
      `lo%00gin=ab&password=x&${tokenField}`,
    ];
    for (const body of bodies) {
      const res = await raw(c, '/login', body);
      expect(res.statusCode, body).toBe(400);
      expect(errorTitle(res), body).toBe(en.t('errors.badRequest.title'));
    }
    // Raw bytes that are not UTF-8 at all.
    const bytes = Buffer.concat([Buffer.from('title=caf'), Buffer.from([0xe9]), Buffer.from(`&body=x&category_id=${cat.id}&${tokenField}`)]);
    expect((await raw(c, '/t', bytes)).statusCode).toBe(400);
    const nulTitle = await raw(c, '/t', `category_id=${cat.id}&title=Hello%00world%20title&body=x&${tokenField}`);
    expect(nulTitle.statusCode).toBe(400);
    expect(await ctx.db.selectFrom('topics').select('id').where('title', 'like', 'Hello%').executeTakeFirst()).toBeUndefined();
  });

  it('answers 400, not 500, to a NUL in a JSON body', async () => {
    const c = await signedIn(member);
    const json = (o: Record<string, string>) => JSON.stringify({ ...o, _csrf: c.csrf });
    const signup = await raw(c, '/signup', json({ username: 'jsonnul', email: 'json\u0000nul@example.com', password: 'long enough password' }), 'application/json');
    expect(signup.statusCode).toBe(400);
    const login = await raw(c, '/login', json({ login: 'a\u0000b', password: 'x' }), 'application/json');
    expect(login.statusCode).toBe(400);
    const topic = await raw(c, '/t', json({ category_id: String(cat.id), title: 'A title with a \u0000 in it', body: 'x' }), 'application/json');
    expect(topic.statusCode).toBe(400);
    expect((await raw(c, '/preview', '{"body": ', 'application/json')).statusCode).toBe(400);
    expect(await ctx.db.selectFrom('users').select('id').where('username', '=', 'jsonnul').executeTakeFirst()).toBeUndefined();
  });

  it('answers 400 to a NUL or a broken escape in the query string or the path', async () => {
    const c = await signedIn(member);
    for (const url of ['/?x=%00', '/c/general?before=%00', `/u/${member.username}?tab=a%00b`, '/?q=%', '/?q=%E0%A4', '/u/%00', '/u/ab%00cd', '/c/%00', '/t/1/%00']) {
      const res = await c.get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.headers['content-type'], url).toContain('text/html');
    }
  });

  it('never answers 500 to malformed ids and names: 404 or 400', async () => {
    const { topic } = await createTopic(ctx.db, member, cat);
    const c = browser();
    const urls = [
      '/t/abc', '/t/99999999999', '/t/2147483648', '/t/0', '/t/-1', '/t/1e3', '/t/0x10', `/t/${'9'.repeat(25)}`, '/t/%20',
      '/t/abc/reply', '/t/99999999999/slug', '/p/-1', '/p/abc', '/p/99999999999', '/p/1.5', '/posts/abc/edit', '/posts/-1/revisions',
      `/u/${'a'.repeat(61)}`, `/u/${'a'.repeat(200)}`, '/u/%FF', `/c/${'c'.repeat(101)}`, '/c/%FF', '/c/NO-SUCH',
      '/admin/categories/abc',
    ];
    for (const url of urls) {
      const res = await c.get(url);
      expect([400, 404], `${url} → ${res.statusCode}`).toContain(res.statusCode);
    }
    // A path the router cannot decode still gets the friendly HTML error page.
    const undecodable = await c.get('/u/%FF');
    expect(undecodable.statusCode).toBe(400);
    expect(undecodable.headers['content-type']).toContain('text/html');
    expect(dom(undecodable.body).querySelector('#error h1')).not.toBeNull();
    // Beyond the router's parameter limit (200 characters) the answer is 414.
    expect((await c.get(`/u/${'a'.repeat(300)}`)).statusCode).toBe(414);
    expect((await c.get(`/t/${topic.id}`)).statusCode).toBe(200);
  });

  it('checks ?page: 0, -1, 1.5 and abc are 400, a page past the end is 404', async () => {
    const { topic } = await createTopic(ctx.db, member, cat);
    const c = browser();
    for (const page of ['0', '-1', '1.5', 'abc', '', '1e2', '9999999']) {
      const res = await c.get(`/t/${topic.id}/${topic.slug}?page=${page}`);
      expect(res.statusCode, `page=${page}`).toBe(400);
    }
    expect((await c.get(`/t/${topic.id}/${topic.slug}?page=999`)).statusCode).toBe(404);
    expect((await c.get(`/t/${topic.id}/${topic.slug}?page=2`)).statusCode).toBe(404);
    expect((await c.get(`/t/${topic.id}/${topic.slug}?page=1`)).statusCode).toBe(200);
    for (const before of ['abc', '0_0', '1_99999999999', `${'9'.repeat(20)}_1`]) {
      expect([400, 404], before).toContain((await c.get(`/?before=${before}`)).statusCode);
      expect([400, 404], before).toContain((await c.get(`/c/${cat.slug}?before=${before}`)).statusCode);
    }
  });

  it('refuses a body over the limit (413) and an unknown content type (415) with the friendly page', async () => {
    const c = await signedIn(member);
    const big = await raw(c, '/preview', `body=${'x'.repeat(2 * 1024 * 1024 + 10)}`);
    expect(big.statusCode).toBe(413);
    expect(errorTitle(big)).toBe(en.t('errors.tooLarge.title'));
    for (const type of ['application/xml', 'multipart/form-data; boundary=x', 'image/png', 'application/octet-stream']) {
      const res = await raw(c, '/preview', 'body=x', type);
      expect(res.statusCode, type).toBe(415);
      expect(res.headers['content-type'], type).toContain('text/html');
    }
  });

  it('escapes what users wrote wherever it is shown', async () => {
    const evil = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    const badCat = await createCategory(ctx.db, { name: `Cat ${evil}`, description: evil });
    const { topic } = await createTopic(ctx.db, member, badCat, { title: `Title ${evil}`, body: evil });
    await createReply(ctx.db, member, topic.id, `[link](javascript:alert(3)) ${evil}`);
    const c = await signedIn(admin);
    for (const url of ['/', `/c/${badCat.slug}`, `/t/${topic.id}`, `/u/${member.username}`, '/admin/categories', `/admin/categories/${badCat.id}`]) {
      const res = await c.get(url);
      expect(res.statusCode, url).toBe(200);
      const doc = dom(res.body);
      expect(doc.querySelector('img[onerror]'), url).toBeNull();
      expect(Array.from(doc.querySelectorAll('script')).every((s) => s.getAttribute('src')), url).toBe(true);
      expect(doc.querySelector('a[href^="javascript:"]'), url).toBeNull();
    }
  });
});

describe('service endpoints and errors', () => {
  it('/healthz and /readyz answer 200 and are not cached', async () => {
    for (const url of ['/healthz', '/readyz']) {
      const res = await ctx.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.json()).toEqual({ ok: true });
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('/readyz reports a database that fell behind the build (e.g. restored from an older backup)', async () => {
    const db = ctx.db as unknown as Kysely<any>; // Kysely's own bookkeeping table is not in the app's types
    const last = await db.selectFrom('kysely_migration').selectAll().orderBy('name', 'desc').executeTakeFirstOrThrow();
    await db.deleteFrom('kysely_migration').where('name', '=', last.name).execute();
    try {
      const behind = await ctx.app.inject({ method: 'GET', url: '/readyz' });
      expect(behind.statusCode).toBe(503);
      expect(behind.json()).toEqual({ ok: false, reason: 'migrations pending' });
    } finally {
      await db.insertInto('kysely_migration').values(last).execute();
    }
    expect((await ctx.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('shows the friendly HTML page for a 404, and just the fragment to htmx', async () => {
    const c = browser();
    const res = await c.get('/there/is/nothing/here');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('text/html');
    const doc = dom(res.body);
    expect(doc.documentElement.getAttribute('lang')).toBe('en');
    expect(text(doc.querySelector('#error h1'))).toBe(en.t('errors.notFound.title'));
    expect(text(doc.querySelector('#error p'))).toBe(en.t('errors.notFound.text'));
    expect(doc.querySelector('#error a[href="/"]')).not.toBeNull();
    expect(doc.querySelector('header')).not.toBeNull();

    const ru = await new Client(ctx.app, 'ru').get('/t/999999');
    expect(ru.statusCode).toBe(404);
    expect(text(dom(ru.body).querySelector('#error h1'))).toBe(translator('ru').t('errors.notFound.title'));

    const hx = await c.get('/there/is/nothing/here', { htmx: true });
    expect(hx.statusCode).toBe(404);
    expect(hx.body).not.toContain('<html');
    expect(dom(hx.body).querySelector('#error')).not.toBeNull();
    expect(hx.headers.vary).toContain('HX-Request');
  });
});
