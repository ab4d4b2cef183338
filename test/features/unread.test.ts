import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import type { Client } from '../helpers/client.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let talk: Category;
let staffOnly: Category;
let author: User;
let staff: User;

const DAY = 86_400_000;

beforeAll(async () => {
  ctx = await createTestApp();
  // Flushed by hand: the periodic flush would make read marks appear at random moments.
  await ctx.app.activity.stop();
  talk = await createCategory(ctx.db, { name: 'Lounge' });
  staffOnly = await createCategory(ctx.db, { name: 'Team room', read_access: 'staff', post_access: 'staff' });
  author = await createUser(ctx.db);
  staff = await createUser(ctx.db, { role: 'staff' });
});
afterAll(async () => ctx.close());

/** A member who joined a month ago (so the "new" window is the last 14 days, not "since sign-up"). */
const reader = () => createUser(ctx.db, { created_at: new Date(Date.now() - 30 * DAY) });

/** Ids of the topic rows on a page. */
function rowIds(html: string): number[] {
  return [...dom(html).querySelectorAll('li.topic-row')].map((li) => Number(li.id.replace('topic-', '')));
}

function row(html: string, topicId: number) {
  return dom(html).getElementById(`topic-${topicId}`);
}

/** Opens a topic page as this client and writes the buffered read marks. */
async function read(client: Client, topicId: number) {
  const res = await client.get(`/t/${topicId}`);
  expect(res.statusCode).toBe(200);
  await ctx.app.activity.flush();
}

async function mark(user: User, topicId: number) {
  return (await ctx.db.selectFrom('topic_reads').select('last_read_post_number').where('user_id', '=', user.id).where('topic_id', '=', topicId).executeTakeFirst())?.last_read_post_number ?? null;
}

describe('new topics', () => {
  it('lists recent topics the member never opened: not their own, not old, deleted or staff-only ones; opening one takes it off', async () => {
    const me = await reader();
    const client = await people.signedIn(ctx.app, me);
    const fresh = (await createTopic(ctx.db, author, talk)).topic;
    const mine = (await createTopic(ctx.db, me, talk)).topic;
    const old = (await createTopic(ctx.db, author, talk)).topic;
    await ctx.db.updateTable('topics').set({ created_at: new Date(Date.now() - 20 * DAY) }).where('id', '=', old.id).execute();
    const gone = (await createTopic(ctx.db, author, talk)).topic;
    await ctx.db.updateTable('topics').set({ deleted_at: new Date() }).where('id', '=', gone.id).execute();
    const secret = (await createTopic(ctx.db, staff, staffOnly)).topic;

    const page = await client.get('/new-topics');
    expect(page.statusCode).toBe(200);
    const ids = rowIds(page.body);
    expect(ids).toContain(fresh.id);
    for (const hidden of [mine.id, old.id, gone.id, secret.id]) expect(ids).not.toContain(hidden);
    expect(text(row(page.body, fresh.id)?.querySelector('.new-topic-mark'))).toBe('New');
    expect(dom(page.body).querySelector('[aria-current="page"]')?.getAttribute('href')).toBe('/new-topics');

    await read(client, fresh.id);
    expect(rowIds((await client.get('/new-topics')).body)).not.toContain(fresh.id);
    expect(row((await client.get('/')).body, fresh.id)?.querySelector('.new-topic-mark')).toBeNull();
  });

  it('staff see new staff-only topics; a member who joined after a topic was started does not get it as new', async () => {
    const secret = (await createTopic(ctx.db, author, talk)).topic;
    const staffTopic = (await createTopic(ctx.db, staff, staffOnly)).topic;
    const colleague = await createUser(ctx.db, { role: 'staff', created_at: new Date(Date.now() - 30 * DAY) });
    expect(rowIds((await (await people.signedIn(ctx.app, colleague)).get('/new-topics')).body)).toContain(staffTopic.id);
    const newcomer = await createUser(ctx.db);
    expect(rowIds((await (await people.signedIn(ctx.app, newcomer)).get('/new-topics')).body)).not.toContain(secret.id);
  });

  it('"mark all as seen" takes every new topic off the list (CSRF, 303) without crediting reading', async () => {
    const me = await reader();
    const client = await people.signedIn(ctx.app, me);
    const a = (await createTopic(ctx.db, author, talk)).topic;
    const page = await client.get('/new-topics');
    const form = dom(page.body).querySelector('#unread-dismiss');
    expect(form?.getAttribute('action')).toBe('/new-topics/dismiss');
    const until = form!.querySelector('input[name="until"]')!.getAttribute('value')!;

    expect((await client.post('/new-topics/dismiss', { until }, { noCsrf: true })).statusCode).toBe(403);
    expect(await mark(me, a.id)).toBeNull();
    const res = await client.post('/new-topics/dismiss', { until });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/new-topics');
    expect(await mark(me, a.id)).toBe(1);
    expect(rowIds((await client.get('/new-topics')).body)).not.toContain(a.id);
    const stats = await ctx.db.selectFrom('user_stats').select('topics_entered').where('user_id', '=', me.id).executeTakeFirst();
    expect(stats?.topics_entered ?? 0).toBe(0);
  });
});

describe('unread topics', () => {
  it('a reply by someone else puts an opened topic on the list with its count, in every list, linked to the first unread post', async () => {
    const me = await reader();
    const client = await people.signedIn(ctx.app, me);
    const { topic } = await createTopic(ctx.db, author, talk);
    await read(client, topic.id);
    expect(rowIds((await client.get('/unread')).body)).not.toContain(topic.id);

    const first = await createReply(ctx.db, author, topic.id, 'First news.');
    await createReply(ctx.db, author, topic.id, 'Second news.');
    // The reader's own reply is not news to them.
    await createReply(ctx.db, me, topic.id, 'My own words.');

    for (const url of ['/unread', '/', `/c/${talk.slug}`]) {
      const page = await client.get(url);
      const badge = row(page.body, topic.id)?.querySelector('a.unread-count');
      expect(text(badge), url).toBe('2 new');
      expect(badge?.getAttribute('href')).toBe(`/t/${topic.id}/${topic.slug}#post-${first.id}`);
      expect(badge?.getAttribute('aria-label')).toBe('2 unread posts: go to the first one');
    }
    expect(text(dom((await client.get('/unread')).body).querySelector('#unread-count-unread'))).not.toBe('0');

    // Guests get neither counts nor marks (and the same list otherwise).
    const guest = people.browser(ctx.app);
    for (const url of ['/', `/c/${talk.slug}`]) {
      const page = await guest.get(url);
      expect(rowIds(page.body)).toContain(topic.id);
      expect(dom(page.body).querySelector('.unread-count, .new-topic-mark')).toBeNull();
    }

    await read(client, topic.id);
    expect(rowIds((await client.get('/unread')).body)).not.toContain(topic.id);
    expect(row((await client.get('/')).body, topic.id)?.querySelector('.unread-count')).toBeNull();
  });

  it('a page view marks the posts of that page only: the rest of a long topic stays unread, and the badge leads to page 2', async () => {
    const me = await reader();
    const client = await people.signedIn(ctx.app, me);
    const { topic } = await createTopic(ctx.db, author, talk);
    const replies = [];
    for (let i = 0; i < 24; i++) replies.push(await createReply(ctx.db, author, topic.id, `Reply number ${i + 2}`));
    await read(client, topic.id);
    expect(await mark(me, topic.id)).toBe(20);
    const badge = row((await client.get('/unread')).body, topic.id)?.querySelector('a.unread-count');
    expect(text(badge)).toBe('5 new');
    expect(badge?.getAttribute('href')).toBe(`/t/${topic.id}/${topic.slug}?page=2#post-${replies[19]!.id}`);
    await client.get(`/t/${topic.id}/${topic.slug}?page=2`);
    await ctx.app.activity.flush();
    expect(await mark(me, topic.id)).toBe(25);
    expect(rowIds((await client.get('/unread')).body)).not.toContain(topic.id);
  });

  it('the count is in Russian for a Russian reader and the link reaches a later page', async () => {
    const me = await reader();
    const client = await people.signedIn(ctx.app, me);
    client.locale = 'ru';
    const { topic } = await createTopic(ctx.db, author, talk);
    await ctx.db.insertInto('topic_reads').values({ user_id: me.id, topic_id: topic.id, last_read_post_number: 1 }).execute();
    let target = 0;
    for (let i = 0; i < 21; i++) {
      const p = await createReply(ctx.db, author, topic.id, `Reply ${i}`);
      if (i === 19) target = p.id; // post number 21: the first of page 2
    }
    await ctx.db.updateTable('topic_reads').set({ last_read_post_number: 20 }).where('user_id', '=', me.id).where('topic_id', '=', topic.id).execute();
    const badge = row((await client.get('/unread')).body, topic.id)?.querySelector('a.unread-count');
    expect(text(badge)).toBe('2 новых');
    expect(badge?.getAttribute('href')).toBe(`/t/${topic.id}/${topic.slug}?page=2#post-${target}`);
  });

  it('"mark all read" moves the marks to the end, but keeps what arrived after the list was shown', async () => {
    const me = await reader();
    const client = await people.signedIn(ctx.app, me);
    const a = (await createTopic(ctx.db, author, talk)).topic;
    const b = (await createTopic(ctx.db, author, talk)).topic;
    await read(client, a.id);
    await read(client, b.id);
    await createReply(ctx.db, author, a.id);
    await createReply(ctx.db, author, b.id);
    const page = await client.get('/unread');
    expect(rowIds(page.body)).toEqual(expect.arrayContaining([a.id, b.id]));
    const until = dom(page.body).querySelector('#unread-dismiss input[name="until"]')!.getAttribute('value')!;
    await new Promise((r) => setTimeout(r, 10));
    await createReply(ctx.db, author, b.id, 'Arrived after the list was shown.');

    const res = await client.post('/unread/dismiss', { until });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/unread');
    expect(await mark(me, a.id)).toBe(2);
    expect(await mark(me, b.id)).toBe(1);
    const after = rowIds((await client.get('/unread')).body);
    expect(after).not.toContain(a.id);
    expect(after).toContain(b.id);

    // With htmx the browser is sent to the list.
    const hx = await client.post('/unread/dismiss', {}, { htmx: true });
    expect(hx.statusCode).toBe(204);
    expect(hx.headers['hx-redirect']).toBe('/unread');
    expect(await mark(me, b.id)).toBe(3);
    expect(dom((await client.get('/unread')).body).querySelector('#unread-dismiss')).toBeNull();
  });

  it('muted topics and topics in muted categories are on neither list', async () => {
    const me = await reader();
    const client = await people.signedIn(ctx.app, me);
    const quiet = await createCategory(ctx.db, { name: 'Quiet corner' });
    const opened = (await createTopic(ctx.db, author, talk)).topic;
    await read(client, opened.id);
    const inQuiet = (await createTopic(ctx.db, author, quiet)).topic;
    expect((await client.post(`/t/${opened.id}/watch`, { level: 'muted' })).statusCode).toBe(303);
    expect((await client.post(`/c/${quiet.slug}/watch`, { level: 'muted' })).statusCode).toBe(303);
    await createReply(ctx.db, author, opened.id);

    expect(rowIds((await client.get('/unread')).body)).not.toContain(opened.id);
    expect(rowIds((await client.get('/new-topics')).body)).not.toContain(inQuiet.id);
    // Nor do their rows elsewhere carry a count or a mark.
    const home = (await client.get('/')).body;
    expect(row(home, opened.id)?.querySelector('.unread-count')).toBeNull();
    expect(row(home, inQuiet.id)?.querySelector('.new-topic-mark')).toBeNull();
    expect(row(home, inQuiet.id)).not.toBeNull();
    // Unmuting the topic (back to normal) brings it back.
    await client.post(`/t/${opened.id}/watch`, { level: 'normal' });
    expect(rowIds((await client.get('/unread')).body)).toContain(opened.id);
    expect(text(row((await client.get('/')).body, opened.id)?.querySelector('.unread-count'))).toBe('1 new');
  });

  it('a topic moved into a staff-only category leaves the member\'s unread list', async () => {
    const me = await reader();
    const client = await people.signedIn(ctx.app, me);
    const { topic } = await createTopic(ctx.db, author, talk);
    await read(client, topic.id);
    await createReply(ctx.db, author, topic.id);
    expect(rowIds((await client.get('/unread')).body)).toContain(topic.id);
    await ctx.db.updateTable('topics').set({ category_id: staffOnly.id }).where('id', '=', topic.id).execute();
    expect(rowIds((await client.get('/unread')).body)).not.toContain(topic.id);
    await ctx.db.updateTable('topics').set({ category_id: talk.id }).where('id', '=', topic.id).execute();
  });
});

describe('pages, fragments and the wrong person', () => {
  it('guests are sent to log in, from the lists and the dismiss forms', async () => {
    const guest = people.browser(ctx.app);
    for (const [url, next] of [['/unread', '%2Funread'], ['/new-topics', '%2Fnew-topics']] as const) {
      const res = await guest.get(url);
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe(`/login?next=${next}`);
      const post = await guest.post(`${url}/dismiss`, {});
      expect(post.statusCode).toBe(303);
      expect(post.headers.location).toBe(`/login?next=${next}`);
    }
    // The nav links are for members only.
    expect(dom((await guest.get('/')).body).querySelector('.main-nav a[href="/unread"]')).toBeNull();
  });

  it('a suspended member is sent to log in; one member\'s dismissal leaves another\'s lists alone', async () => {
    const members = await createCategory(ctx.db, { name: 'Members lounge', read_access: 'members' });
    const inside = (await createTopic(ctx.db, author, members)).topic;
    const outside = (await createTopic(ctx.db, author, talk)).topic;
    const banned = await createUser(ctx.db, { created_at: new Date(Date.now() - 30 * DAY), suspended_until: new Date(Date.now() + DAY) });
    const suspended = await people.withSession(ctx.app, ctx.db, banned);
    // A suspended account has no session in force: like a guest, it is sent to log in.
    const res = await suspended.get('/new-topics');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fnew-topics');

    const one = await people.signedIn(ctx.app, await reader());
    const otherUser = await reader();
    const other = await people.signedIn(ctx.app, otherUser);
    expect((await one.post('/new-topics/dismiss', {})).statusCode).toBe(303);
    expect(await mark(otherUser, inside.id)).toBeNull();
    expect(rowIds((await other.get('/new-topics')).body)).toEqual(expect.arrayContaining([inside.id, outside.id]));
  });

  it('load more: the fragment alone for htmx, keyed by the last row; a malformed cursor is not found', async () => {
    const me = await reader();
    const client = await people.signedIn(ctx.app, me);
    const cat = await createCategory(ctx.db, { name: 'Busy' });
    for (let i = 0; i < 31; i++) await createTopic(ctx.db, author, cat);
    const page = await client.get('/new-topics');
    expect(page.headers.vary).toContain('HX-Request');
    expect(dom(page.body).querySelector('.main-nav a[href="/new-topics"]')?.getAttribute('aria-current')).toBe('page');
    expect(rowIds(page.body)).toHaveLength(30);
    const more = dom(page.body).querySelector('#load-more a')!.getAttribute('href')!;
    expect(more).toMatch(/^\/new-topics\?before=\d+_\d+$/);
    const frag = await client.get(more, { htmx: true });
    expect(frag.statusCode).toBe(200);
    expect(frag.body).not.toContain('<html');
    expect(frag.headers.vary).toContain('HX-Request');
    const next = rowIds(frag.body);
    expect(next.length).toBeGreaterThan(0);
    expect(next.some((id) => rowIds(page.body).includes(id))).toBe(false);
    expect((await client.get('/unread?before=nonsense')).statusCode).toBe(404);
    // Counts cap at 99+ would need 100 topics; here the tab shows the real number.
    expect(Number(text(dom(page.body).querySelector('#unread-count-new')))).toBeGreaterThanOrEqual(31);
  });

  it('the reading beacon feeds the activity buffer: members only, readable posts only, CSRF', async () => {
    const me = await reader();
    const client = await people.signedIn(ctx.app, me);
    const { topic } = await createTopic(ctx.db, author, talk);
    await read(client, topic.id);
    const later = await createReply(ctx.db, author, topic.id);
    const secret = await createTopic(ctx.db, staff, staffOnly);

    const guest = people.browser(ctx.app);
    expect((await guest.post(`/t/${topic.id}/read`, { post_id: String(later.id) })).statusCode).toBe(401);
    expect((await client.post(`/t/${topic.id}/read`, { post_id: String(later.id) }, { noCsrf: true })).statusCode).toBe(403);
    expect((await client.post(`/t/${secret.topic.id}/read`, { post_id: String(secret.post.id) }, { htmx: true })).statusCode).toBe(404);
    // A post of another topic does not move this topic's mark.
    expect((await client.post(`/t/${topic.id}/read`, { post_id: String(secret.post.id) }, { htmx: true })).statusCode).toBe(404);
    expect((await client.post(`/t/${topic.id}/read`, { post_id: 'x' }, { htmx: true })).statusCode).toBe(404);
    expect(ctx.app.activity.size).toBe(0);

    const ok = await client.post(`/t/${topic.id}/read`, { post_id: String(later.id) }, { htmx: true });
    expect(ok.statusCode).toBe(204);
    expect(await mark(me, topic.id)).toBe(1); // buffered, not written yet
    await ctx.app.activity.flush();
    expect(await mark(me, topic.id)).toBe(2);
    expect(await mark(me, secret.topic.id)).toBeNull();
  });

  it('the topic page loads the reading script for members only', async () => {
    const { topic } = await createTopic(ctx.db, author, talk);
    const member = await people.signedIn(ctx.app, await reader());
    expect(dom((await member.get(`/t/${topic.id}`)).body).querySelector('script[src="/static/js/reads.js"]')).not.toBeNull();
    expect(dom((await member.get('/')).body).querySelector('script[src="/static/js/reads.js"]')).toBeNull();
    expect(dom((await people.browser(ctx.app).get(`/t/${topic.id}`)).body).querySelector('script[src="/static/js/reads.js"]')).toBeNull();
    await ctx.app.activity.flush();
  });
});

describe('cost', () => {
  it('row counts for 30+ topics come with the list: the same number of queries as for 2 topics', async () => {
    const me = await reader();
    const client = await people.signedIn(ctx.app, me);
    const small = await createCategory(ctx.db, { name: 'Small' });
    const big = await createCategory(ctx.db, { name: 'Big' });
    const topics = [];
    for (let i = 0; i < 2; i++) topics.push((await createTopic(ctx.db, author, small)).topic);
    for (let i = 0; i < 32; i++) topics.push((await createTopic(ctx.db, author, big)).topic);
    await ctx.db.insertInto('topic_reads').values(topics.map((t) => ({ user_id: me.id, topic_id: t.id, last_read_post_number: 1 }))).execute();
    for (const t of topics) await createReply(ctx.db, author, t.id);

    const executor = ctx.db.getExecutor();
    const spy = vi.spyOn(executor, 'executeQuery');
    // The fewest of two runs: a per-instance cache (settings) may expire during one of them.
    const queriesFor = async (url: string) => {
      const counts: number[] = [];
      let badges = 0;
      for (let i = 0; i < 2; i++) {
        spy.mockClear();
        const res = await client.get(url);
        expect(res.statusCode).toBe(200);
        counts.push(spy.mock.calls.length);
        badges = dom(res.body).querySelectorAll('a.unread-count').length;
      }
      return { count: Math.min(...counts), badges };
    };
    try {
      const few = await queriesFor(`/c/${small.slug}`);
      const many = await queriesFor(`/c/${big.slug}`);
      expect(few.badges).toBe(2);
      expect(many.badges).toBe(30);
      expect(many.count).toBe(few.count);
      const guest = people.browser(ctx.app);
      spy.mockClear();
      await guest.get(`/c/${big.slug}`);
      expect(spy.mock.calls.length).toBeLessThanOrEqual(few.count);
      // Guests' list queries do not touch read state at all.
      const sqlOf = (call: unknown[]) => (call[0] as { sql: string }).sql;
      expect(spy.mock.calls.length).toBeGreaterThan(0);
      expect(spy.mock.calls.filter((c) => sqlOf(c).includes('topic_reads'))).toHaveLength(0);
    } finally {
      spy.mockRestore();
    }
  });
});
