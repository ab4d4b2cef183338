import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { applyEvents } from '../../server/features/reputation/ledger.js';
import { reputationDaysDrift, reputationDrift } from '../../server/features/reputation/reputation.queries.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import type { Client } from '../helpers/client.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let qa: Category;
let qaStaff: Category;
let talk: Category;
let staff: User;

beforeAll(async () => {
  ctx = await createTestApp();
  qa = await createCategory(ctx.db, { name: 'Help desk', kind: 'questions' });
  qaStaff = await createCategory(ctx.db, { name: 'Team questions', kind: 'questions', read_access: 'staff' });
  talk = await createCategory(ctx.db, { name: 'Lounge', kind: 'discussion' });
  staff = await createUser(ctx.db, { role: 'staff' });
});
afterAll(async () => ctx.close());

const DAY = 86_400_000;
const signedIn = (user: User): Promise<Client> => people.signedIn(ctx.app, user);
const guest = () => people.browser(ctx.app);

/** Ledger events for a user `daysAgo` days back, written the way the app writes them (users.reputation moves too). */
async function gain(user: User, delta: number, daysAgo: number): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const source = `test:${user.id}:${Math.random()}`;
    await applyEvents(trx, [{ user_id: user.id, delta, reason: 'test', source, post_id: null, actor_id: null }]);
    await trx.updateTable('reputation_events').set({ created_at: new Date(Date.now() - daysAgo * DAY) }).where('source', '=', source).execute();
  });
}

interface Row { rank: number; username: string; points: string; href: string | null }

/** One list of the page ('reputation' or 'answerers') as rows. */
function board(html: string, list: 'reputation' | 'answerers'): Row[] {
  return [...dom(html).querySelectorAll(`#leaders-${list}-list li`)].map((li) => ({
    rank: Number(text(li.querySelector('.leader-rank'))),
    username: li.getAttribute('data-username')!,
    points: text(li.querySelector('.leader-points')),
    href: li.querySelector('a.leader-name')?.getAttribute('href') ?? null,
  }));
}

/** The rows of the given users only, in page order (other tests' users share the database). */
function only(rows: Row[], users: User[]): Row[] {
  const names = new Set(users.map((u) => u.username));
  return rows.filter((r) => names.has(r.username));
}

async function page(period?: string, c: Client = guest()) {
  const res = await c.get(`/leaderboard${period ? `?period=${period}` : ''}`);
  expect(res.statusCode).toBe(200);
  return res.body;
}

describe('GET /leaderboard', () => {
  it('works for guests: tabs are plain links, the current one marked; the nav links to it; an unknown period shows the week', async () => {
    const html = await page();
    const doc = dom(html);
    const tabs = [...doc.querySelectorAll('.leaderboard-tabs a')];
    expect(tabs.map((a) => a.getAttribute('href'))).toEqual(['/leaderboard?period=week', '/leaderboard?period=month', '/leaderboard?period=all']);
    expect(doc.querySelector('.leaderboard-tabs a[aria-current="page"]')?.getAttribute('href')).toBe('/leaderboard?period=week');
    expect(doc.querySelector('.main-nav a[href="/leaderboard"]')).not.toBeNull();
    expect(dom(await page('month')).querySelector('.leaderboard-tabs a[aria-current="page"]')?.getAttribute('href')).toBe('/leaderboard?period=month');
    expect(dom(await page('forever')).querySelector('.leaderboard-tabs a[aria-current="page"]')?.getAttribute('href')).toBe('/leaderboard?period=week');
    // A guest's page carries no form, hence no CSRF cookie.
    expect((await guest().get('/leaderboard')).headers['set-cookie']).toBeUndefined();
  });

  it('an htmx tab click gets only the boards fragment', async () => {
    const res = await guest().get('/leaderboard?period=all', { htmx: true });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<html');
    expect(res.body).toContain('id="leaders-reputation"');
  });

  it('counts only what was gained within the period; all time is the reputation; ordered by points, ties share a rank', async () => {
    const [a, b, c, d, e] = await Promise.all([1, 2, 3, 4, 5].map(() => createUser(ctx.db)));
    await gain(a!, 10, 0);
    await gain(b!, 30, 20);
    await gain(b!, 3, 1);
    await gain(c!, 100, 60);
    await gain(c!, 1, 2);
    await gain(d!, 50, 60);
    await gain(d!, -5, 3); // lost this week: not listed for the week or the month
    await gain(e!, 10, 6); // ties with a this week
    const users = [a!, b!, c!, d!, e!];
    const names = (rows: Row[]) => rows.map((r) => [r.username, r.points]);

    const week = only(board(await page('week'), 'reputation'), users);
    expect(names(week)).toEqual([[a!.username, '10 points'], [e!.username, '10 points'], [b!.username, '3 points'], [c!.username, '1 point']]);
    expect(week[0]!.rank).toBe(week[1]!.rank);
    expect(week[2]!.rank).toBeGreaterThan(week[1]!.rank);

    const month = only(board(await page('month'), 'reputation'), users);
    expect(names(month)).toEqual([[b!.username, '33 points'], [a!.username, '10 points'], [e!.username, '10 points'], [c!.username, '1 point']]);

    const all = only(board(await page('all'), 'reputation'), users);
    expect(names(all)).toEqual([[c!.username, '101 points'], [d!.username, '45 points'], [b!.username, '33 points'], [a!.username, '10 points'], [e!.username, '10 points']]);
    // Every list is ranked from 1 and never longer than 50.
    const full = board(await page('all'), 'reputation');
    expect(full[0]!.rank).toBe(1);
    expect(full.length).toBeLessThanOrEqual(50);
    expect(full.map((r) => r.rank)).toEqual([...full.map((r) => r.rank)].sort((x, y) => x - y));
    expect(await reputationDrift(ctx.db)).toEqual([]);
    expect(await reputationDaysDrift(ctx.db)).toEqual([]);
  });

  it('a period starts mid-day: its first day counts from the start on; moved and deleted ledger rows move the sums', async () => {
    const [a, b] = await Promise.all([createUser(ctx.db), createUser(ctx.db)]);
    const MIN = 60_000 / DAY;
    await gain(a!, 5, 7 + 2 * MIN); // two minutes before the week began: the month only
    await gain(a!, 7, 7 - 2 * MIN); // two minutes after: the week too
    await gain(b!, 4, 7 - 2 * MIN);
    await gain(b!, 2, 0);
    const points = async (period: string) => only(board(await page(period), 'reputation'), [a!, b!]).map((r) => [r.username, r.points]);
    expect(await points('week')).toEqual([[a!.username, '7 points'], [b!.username, '6 points']]);
    expect(await points('month')).toEqual([[a!.username, '12 points'], [b!.username, '6 points']]);
    // A ledger row corrected to an older day, and one removed: the daily sums follow both.
    await ctx.db.updateTable('reputation_events').set({ created_at: new Date(Date.now() - 40 * DAY) }).where('user_id', '=', a!.id).where('delta', '=', 7).execute();
    await ctx.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('reputation_events').where('user_id', '=', b!.id).where('delta', '=', 4).execute();
      await trx.updateTable('users').set({ reputation: 2 }).where('id', '=', b!.id).execute();
    });
    expect(await points('week')).toEqual([[b!.username, '2 points']]);
    expect(await points('month')).toEqual([[a!.username, '5 points'], [b!.username, '2 points']]);
    expect(await reputationDaysDrift(ctx.db)).toEqual([]);
  });

  it('a reaction received over HTTP shows up this week, and goes when it is withdrawn', async () => {
    const author = await createUser(ctx.db);
    const fan = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, author, talk);
    const post = await createReply(ctx.db, author, topic.id, 'Worth a like.');
    const c = await signedIn(fan);
    expect((await c.post(`/posts/${post.id}/reactions`, { reaction: 'thumbs_up' })).statusCode).toBeLessThan(400);
    const row = only(board(await page('week'), 'reputation'), [author]);
    expect(row.map((r) => [r.points, r.href])).toEqual([['1 point', `/u/${author.username}`]]);
    expect((await c.post(`/posts/${post.id}/reactions`, { reaction: 'thumbs_up' })).statusCode).toBeLessThan(400);
    expect(only(board(await page('week'), 'reputation'), [author])).toEqual([]);
  });

  it('leaves out suspended members (they come back when the suspension ends)', async () => {
    const bad = await createUser(ctx.db, { suspended_until: new Date(Date.now() + 7 * DAY), suspended_reason: 'spam ring' });
    const past = await createUser(ctx.db, { suspended_until: new Date(Date.now() - DAY) });
    await gain(bad, 500, 0);
    await gain(past, 400, 0);
    for (const period of ['week', 'month', 'all']) {
      const html = await page(period);
      expect(only(board(html, 'reputation'), [bad, past]).map((r) => r.username)).toEqual([past.username]);
      expect(html).not.toContain('spam ring');
    }
  });

  it('shows only public data: name, avatar, profile link and points — no e-mail addresses', async () => {
    const u = await createUser(ctx.db, { email: 'secret.person@example.org' });
    await ctx.db.updateTable('users').set({ display_name: 'Public Name' }).where('id', '=', u.id).execute();
    await gain(u, 7, 0);
    for (const c of [guest(), await signedIn(staff)]) {
      const html = await page('week', c);
      expect(html).not.toContain('secret.person');
      expect(html).not.toContain('@example.org');
      const li = dom(html).querySelector(`#leaders-reputation-list li[data-username="${u.username}"]`);
      expect(text(li?.querySelector('.leader-name'))).toBe('Public Name');
      expect(li?.querySelector('svg.avatar')).not.toBeNull();
    }
  });
});

describe('top answerers', () => {
  async function question(category = qa) {
    // Only staff write in a staff-only category.
    const role = category.read_access === 'staff' ? 'staff' : 'member';
    const asker = await createUser(ctx.db, { role });
    const answerer = await createUser(ctx.db, { role });
    const other = await createUser(ctx.db, { role });
    const { topic } = await createTopic(ctx.db, asker, category, { title: 'How do I reset my router?' });
    const reply = await createReply(ctx.db, answerer, topic.id, 'Hold the button for ten seconds.');
    const second = await createReply(ctx.db, other, topic.id, 'Unplug it.');
    return { asker, answerer, other, topic, reply, second };
  }

  const answerers = async (users: User[], period = 'week', c: Client = guest()) =>
    only(board(await page(period, c), 'answerers'), users).map((r) => [r.username, r.points]);

  const profileCount = async (user: User, c: Client = guest()) => text(dom((await c.get(`/u/${user.username}`)).body).querySelector('#stat-accepted dd'));

  it('counts the current accepted answer: after an unaccept it no longer counts, a changed answer moves the count', async () => {
    const { asker, answerer, other, reply, second } = await question();
    const c = await signedIn(asker);
    expect((await c.post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);
    for (const period of ['week', 'month', 'all']) expect(await answerers([answerer, other, asker], period)).toEqual([[answerer.username, '1 accepted answer']]);
    expect(await profileCount(answerer)).toBe('1');

    expect((await c.post(`/posts/${reply.id}/unaccept`)).statusCode).toBe(303);
    expect(await answerers([answerer, other, asker], 'all')).toEqual([]);
    expect(await profileCount(answerer)).toBe('0');

    expect((await c.post(`/posts/${second.id}/accept`)).statusCode).toBe(303);
    expect(await answerers([answerer, other, asker], 'all')).toEqual([[other.username, '1 accepted answer']]);
    expect(await profileCount(other)).toBe('1');
    expect(await profileCount(answerer)).toBe('0');
    expect(await reputationDrift(ctx.db)).toEqual([]);
  });

  it('orders by accepted answers and counts each answerer once per accepted answer', async () => {
    const star = await createUser(ctx.db);
    const helper = await createUser(ctx.db);
    for (let i = 0; i < 3; i++) {
      const asker = await createUser(ctx.db);
      const { topic } = await createTopic(ctx.db, asker, qa);
      const r = await createReply(ctx.db, i < 2 ? star : helper, topic.id, `Answer ${i}`);
      expect((await (await signedIn(asker)).post(`/posts/${r.id}/accept`)).statusCode).toBe(303);
    }
    expect(await answerers([star, helper], 'month')).toEqual([[star.username, '2 accepted answers'], [helper.username, '1 accepted answer']]);
  });

  it('a deleted accepted answer stops counting', async () => {
    const { asker, answerer, reply } = await question();
    expect((await (await signedIn(asker)).post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);
    expect(await answerers([answerer], 'all')).toHaveLength(1);
    expect((await (await signedIn(answerer)).post(`/posts/${reply.id}/delete`)).statusCode).toBe(303);
    expect(await answerers([answerer], 'all')).toEqual([]);
    expect(await profileCount(answerer)).toBe('0');
  });

  it('answers accepted in a staff-only category count only for viewers who may read it', async () => {
    const { asker, answerer, reply } = await question(qaStaff);
    const s = await signedIn(staff);
    expect((await (await signedIn(asker)).post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);
    expect(await answerers([answerer], 'all')).toEqual([]);
    expect(await profileCount(answerer)).toBe('0');
    expect(await answerers([answerer], 'all', s)).toEqual([[answerer.username, '1 accepted answer']]);
    expect(await profileCount(answerer, s)).toBe('1');
  });

  it('an answer accepted before the period does not count in it (by the time of acceptance)', async () => {
    const { asker, answerer, reply, topic } = await question();
    expect((await (await signedIn(asker)).post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);
    await ctx.db.updateTable('topics').set({ solved_at: new Date(Date.now() - 10 * DAY) }).where('id', '=', topic.id).execute();
    expect(await answerers([answerer], 'week')).toEqual([]);
    expect(await answerers([answerer], 'month')).toHaveLength(1);
  });
});
