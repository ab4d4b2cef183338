import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { buildApp } from '../../server/app.js';
import { openDatabase } from '../../server/db/index.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import type { Client } from '../helpers/client.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import * as people from '../helpers/people.js';
import { until } from '../helpers/sse.js';

// Guests' pages kept per instance (web/guest-cache.ts), dropped on every instance when a trigger announces a change.
let ctx: TestContext;
let other: FastifyInstance;
let author: User;
let member: User;
let mod: User;
let cat: Category;
let memberClient: Client;
let modClient: Client;

beforeAll(async () => {
  ctx = await createTestApp({ guestCacheSeconds: 60 });
  other = await ctx.another();
  author = await createUser(ctx.db, { username: 'cache_author' });
  member = await createUser(ctx.db);
  mod = await createUser(ctx.db, { role: 'moderator' });
  cat = await createCategory(ctx.db, { name: 'Cached', slug: 'cached' });
  memberClient = await people.signedIn(ctx.app, member);
  modClient = await people.signedIn(ctx.app, mod);
});
afterAll(async () => ctx.close());

const cacheHeader = (res: { headers: Record<string, unknown> }) => res.headers['x-guest-cache'];

/**
 * Loads `url` until it is served from the cache. Right after a factory wrote something, its NOTIFY may still be on
 * the way: a page rendered before it arrives is (rightly) not kept.
 */
async function warm(guest: Client, url: string): Promise<void> {
  await until(async () => cacheHeader(await guest.get(url)) === 'hit', 5000);
}

/** Loads `url` as `guest` until the page contains (or no longer contains) `text`: changes reach the cache at commit, through NOTIFY. */
async function untilPage(guest: Client, url: string, test: (body: string) => boolean): Promise<string> {
  let body = '';
  await until(async () => test((body = (await guest.get(url)).body)), 5000);
  return body;
}

describe('guest page cache', () => {
  it('serves a guest the same page from memory, and never a signed-in member', async () => {
    const { topic } = await createTopic(ctx.db, author, cat, { title: 'Cached topic for guests', body: 'Opening words' });
    const guest = people.browser(ctx.app);
    const first = await guest.get(`/t/${topic.id}/${topic.slug}`);
    expect(first.statusCode).toBe(200);
    expect(cacheHeader(first)).toBe('miss');
    await warm(guest, `/t/${topic.id}/${topic.slug}`);
    const second = await people.browser(ctx.app).get(`/t/${topic.id}/${topic.slug}`);
    expect(cacheHeader(second)).toBe('hit');
    expect(second.body).toBe(first.body);
    expect(second.headers['content-type']).toMatch(/^text\/html/);
    expect(second.headers['cache-control']).toBe('no-cache');
    expect(second.headers['content-security-policy']).toBeTruthy();

    const mine = await memberClient.get(`/t/${topic.id}/${topic.slug}`);
    expect(cacheHeader(mine)).toBeUndefined();
    expect(mine.body).toContain('action="/logout"');
    expect(mine.headers['cache-control']).toBe('private, no-store');
  });

  it('keys pages by language and by htmx, and keeps nothing for a visitor holding a session cookie', async () => {
    const { topic } = await createTopic(ctx.db, author, cat, { title: 'Language keyed topic', body: 'Body' });
    const url = `/t/${topic.id}`;
    await warm(people.browser(ctx.app, undefined, 'en'), url);
    const ru = await people.browser(ctx.app, undefined, 'ru').get(url);
    expect(cacheHeader(ru)).toBe('miss');
    expect(ru.body).toContain('lang="ru"');
    expect(cacheHeader(await people.browser(ctx.app, undefined, 'ru').get(url))).toBe('hit');

    const stale = people.browser(ctx.app);
    stale.cookies.set('veche_session', 'x'.repeat(43));
    const res = await stale.get(url);
    expect(res.statusCode).toBe(200);
    expect(cacheHeader(res)).toBeUndefined();

    // A missing topic's 404 is never kept.
    for (let i = 0; i < 2; i++) {
      const missing = await people.browser(ctx.app).get('/t/987654');
      expect(missing.statusCode).toBe(404);
      expect(cacheHeader(missing)).toBeUndefined();
    }
  });

  it('drops a topic page and the lists on every instance when a reply is posted on another', async () => {
    const { topic } = await createTopic(ctx.db, author, cat, { title: 'Replies reach cached pages', body: 'Question' });
    const url = `/t/${topic.id}/${topic.slug}`;
    const guestA = people.browser(ctx.app);
    const guestB = people.browser(other);
    for (const g of [guestA, guestB]) {
      await warm(g, url);
      await warm(g, '/c/cached');
      await warm(g, '/leaderboard?period=week');
    }
    const res = await memberClient.post(`/t/${topic.id}/posts`, { body: 'A brand new answer from a member' });
    expect(res.statusCode).toBe(303);
    for (const g of [guestA, guestB]) {
      await untilPage(g, url, (body) => body.includes('A brand new answer from a member'));
      // The category list now shows two posts for the topic (its reply count moved).
      const list = await untilPage(g, '/c/cached', (body) => body.includes('Replies reach cached pages'));
      expect(list).toBeTruthy();
    }
    expect(cacheHeader(await guestB.get(url))).toBe('hit');
    // Every list went with it (the leaderboard moves with posts and reactions too).
    await until(async () => cacheHeader(await guestA.get('/leaderboard?period=week')) === 'miss', 5000);
  });

  it('drops a post a moderator hides, and a topic whose category becomes staff-only', async () => {
    const { topic } = await createTopic(ctx.db, author, cat, { title: 'Moderated cached topic', body: 'Fine words' });
    const bad = await createReply(ctx.db, member, topic.id, 'Rude words nobody should read');
    const url = `/t/${topic.id}`;
    const guest = people.browser(other);
    await warm(guest, url);
    expect((await guest.get(url)).body).toContain('Rude words nobody should read');
    expect((await modClient.post(`/mod/posts/${bad.id}/hide`, { reason: 'rude' })).statusCode).toBe(303);
    await untilPage(guest, url, (body) => !body.includes('Rude words nobody should read'));

    const secret = await createCategory(ctx.db, { name: 'Soon secret', slug: 'soon-secret' });
    const { topic: hush } = await createTopic(ctx.db, author, secret, { title: 'Soon only for staff', body: 'Plans' });
    await warm(guest, `/t/${hush.id}`);
    await ctx.db.updateTable('categories').set({ read_access: 'staff' }).where('id', '=', secret.id).execute();
    await until(async () => (await guest.get(`/t/${hush.id}`)).statusCode === 404, 5000);
  });

  it('drops pages that show a person whose name changes', async () => {
    const { topic } = await createTopic(ctx.db, member, cat, { title: 'Whose name is cached', body: 'Hello' });
    const url = `/t/${topic.id}`;
    const guest = people.browser(ctx.app);
    await warm(guest, url);
    const res = await memberClient.post('/settings', { display_name: 'Renamed Member Person', bio: '', locale: 'en' });
    expect(res.statusCode).toBe(303);
    await untilPage(guest, url, (body) => body.includes('Renamed Member Person'));
  });

  // Instances in one test process share one database handle, and with it their settings; this one has its own pool,
  // as a separate server would (PostgreSQL only: an embedded database has one handle).
  it.skipIf(!process.env.TEST_DATABASE_URL)("shows a banner published on one instance at once on another instance's cached pages", async () => {
    const own = await openDatabase({ url: ctx.config.databaseUrl, dataDir: null, poolMax: 2 });
    const separate = await buildApp({ config: ctx.config, db: own.db });
    try {
      await separate.ready();
      const staff = await createUser(ctx.db, { role: 'staff' });
      const staffClient = await people.signedIn(ctx.app, staff);
      const guest = people.browser(separate);
      await warm(guest, '/');
      // It has just read the settings (and would keep them for a few seconds): the change must reach it anyway.
      await separate.inject({ method: 'GET', url: '/login' });
      const until7 = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 16);
      const res = await staffClient.post('/mod/banner', { text: 'Cached pages show this banner', until: until7 });
      expect(res.statusCode).toBe(303);
      await untilPage(guest, '/', (body) => body.includes('Cached pages show this banner'));
      await staffClient.post('/mod/banner/clear');
    } finally {
      await separate.close();
      await own.close();
    }
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('serves nothing from memory while its listening connection is lost, and starts empty after', async () => {
    const { topic } = await createTopic(ctx.db, author, cat, { title: 'Cached while the listener drops', body: 'Hi' });
    const url = `/t/${topic.id}`;
    const guest = people.browser(ctx.app);
    await warm(guest, url);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'veche-live' and datname = current_database()`.execute(ctx.db);
    await until(() => !ctx.app.live.listening, 5000);
    // A change made now is announced to nobody: the page is rendered afresh instead.
    await ctx.db.updateTable('topics').set({ title: 'Retitled while nobody listened' }).where('id', '=', topic.id).execute();
    const during = await guest.get(url);
    expect(cacheHeader(during)).toBeUndefined();
    expect(during.body).toContain('Retitled while nobody listened');
    await until(() => ctx.app.live.listening, 8000);
    // The page kept before the loss (old title) is gone: the reconnect dropped everything.
    const after = await guest.get(url);
    expect(cacheHeader(after)).toBe('miss');
    expect(after.body).toContain('Retitled while nobody listened');
  });
});
