import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { DEFAULT_SETTINGS, type ModerationSettings, updateSettings } from '../../server/features/settings/settings.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createTopic, createUser } from '../helpers/factories.js';
import { dom, formField, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let cat: Category;
let author: User;

beforeAll(async () => {
  ctx = await createTestApp();
  cat = await createCategory(ctx.db);
  author = await createUser(ctx.db, { trust_level: 2 });
});
afterAll(async () => ctx.close());

async function moderation(over: Partial<ModerationSettings> = {}) {
  await updateSettings(ctx.db, { moderation: { ...structuredClone(DEFAULT_SETTINGS.moderation), ...over } });
}
beforeEach(async () => moderation());

const topicFor = async () => (await createTopic(ctx.db, author, cat)).topic;
const replies = async (topicId: number) =>
  (await ctx.db.selectFrom('posts').select('body_md').where('topic_id', '=', topicId).where('post_number', '>', 1).orderBy('post_number').execute()).map((r) => r.body_md);

describe('seconds between posts', () => {
  it('refuses a second reply within 5 s (TL1): 429 + Retry-After, the message and the text kept, without JavaScript', async () => {
    const topic = await topicFor();
    const c = await people.signedIn(ctx.app, await createUser(ctx.db));
    expect((await c.post(`/t/${topic.id}/posts`, { body: 'first' })).statusCode).toBe(303);
    const res = await c.post(`/t/${topic.id}/posts`, { body: 'second, too soon' });
    expect(res.statusCode).toBe(429);
    const retry = Number(res.headers['retry-after']);
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(5);
    const doc = dom(res.body);
    expect(doc.querySelector('html')).not.toBeNull();
    expect(text(doc.querySelector('#reply-form-error'))).toMatch(/once every 5 seconds\. Please try again in \d seconds?\./);
    expect(formField(doc, 'body').value).toBe('second, too soon');
    expect(await replies(topic.id)).toEqual(['first']);
  });

  it('with htmx: 429 with the reply form fragment swapped in place, carrying the message', async () => {
    const topic = await topicFor();
    const c = await people.signedIn(ctx.app, await createUser(ctx.db));
    expect((await c.post(`/t/${topic.id}/posts`, { body: 'first' }, { htmx: true })).statusCode).toBe(201);
    const res = await c.post(`/t/${topic.id}/posts`, { body: 'again' }, { htmx: true });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.headers['hx-retarget']).toBe('#reply-form');
    expect(res.body).not.toContain('<html');
    const doc = dom(res.body);
    expect(text(doc.querySelector('#reply-form #reply-form-error'))).toContain('once every 5 seconds');
    expect(doc.querySelector('#f-body')?.textContent).toBe('again');
  });

  it('TL0 waits 30 s; the limit is shared by two app instances on one database', async () => {
    const topic = await topicFor();
    const newbie = await createUser(ctx.db, { trust_level: 0 });
    const a = await people.signedIn(ctx.app, newbie);
    const other = await ctx.another();
    const b = await people.signedIn(other, newbie);
    expect((await a.post(`/t/${topic.id}/posts`, { body: 'from instance A' })).statusCode).toBe(303);
    const res = await b.post(`/t/${topic.id}/posts`, { body: 'from instance B' });
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(20);
    expect(text(dom(res.body).querySelector('#reply-form-error'))).toContain('once every 30 seconds');
  });

  it('staff are exempt', async () => {
    const topic = await topicFor();
    const c = await people.signedIn(ctx.app, await createUser(ctx.db, { role: 'moderator' }));
    for (const body of ['one', 'two', 'three']) expect((await c.post(`/t/${topic.id}/posts`, { body })).statusCode).toBe(303);
  });
});

describe('new topics per day', () => {
  it('TL0 may start 3 topics a day; the 4th is refused (429) on the re-rendered form with values kept; TL1 goes on', async () => {
    await moderation({ seconds_between_posts: [0, 0] });
    const newbie = await people.signedIn(ctx.app, await createUser(ctx.db, { trust_level: 0 }));
    for (let i = 1; i <= 3; i++) expect((await newbie.post('/t', { category_id: cat.id, title: `Newbie topic number ${i}`, body: 'text' })).statusCode).toBe(303);
    const res = await newbie.post('/t', { category_id: cat.id, title: 'Newbie topic number 4', body: 'kept body' });
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(86_000);
    const doc = dom(res.body);
    expect(text(doc.querySelector('#form-error'))).toMatch(/You can start 3 new topics a day\. Please try again in 2[34] hours\./);
    expect(formField(doc, 'title').value).toBe('Newbie topic number 4');
    expect(formField(doc, 'body').value).toBe('kept body');

    const member = await people.signedIn(ctx.app, await createUser(ctx.db));
    for (let i = 1; i <= 4; i++) expect((await member.post('/t', { category_id: cat.id, title: `Member topic number ${i}`, body: 'text' })).statusCode).toBe(303);
  });

  it('is counted across instances', async () => {
    await moderation({ seconds_between_posts: [0, 0], topics_per_day: [1, 1] });
    const user = await createUser(ctx.db);
    const a = await people.signedIn(ctx.app, user);
    const b = await people.signedIn(await ctx.another(), user);
    expect((await a.post('/t', { category_id: cat.id, title: 'The only one today', body: 'x' })).statusCode).toBe(303);
    expect((await b.post('/t', { category_id: cat.id, title: 'One more from B', body: 'x' })).statusCode).toBe(429);
  });
});

describe('replies on the first day', () => {
  it('a TL0 member on their first day writes at most N replies; an older TL0 account is not limited by it', async () => {
    await moderation({ seconds_between_posts: [0, 0], first_day_replies: 2 });
    const topic = await topicFor();
    const fresh = await people.signedIn(ctx.app, await createUser(ctx.db, { trust_level: 0 }));
    expect((await fresh.post(`/t/${topic.id}/posts`, { body: 'r1' })).statusCode).toBe(303);
    expect((await fresh.post(`/t/${topic.id}/posts`, { body: 'r2' })).statusCode).toBe(303);
    const res = await fresh.post(`/t/${topic.id}/posts`, { body: 'r3' }, { htmx: true });
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(80_000);
    expect(text(dom(res.body).querySelector('#reply-form-error'))).toContain('On your first day you can write 2 replies');

    const older = await people.signedIn(ctx.app, await createUser(ctx.db, { trust_level: 0, created_at: new Date(Date.now() - 3 * 86_400_000) }));
    for (const body of ['a', 'b', 'c']) expect((await older.post(`/t/${topic.id}/posts`, { body })).statusCode).toBe(303);
  });
});

describe('slow mode', () => {
  it('one post per member per N seconds in that topic; other topics and other members are free; staff exempt', async () => {
    await moderation({ seconds_between_posts: [0, 0] });
    const slow = await topicFor();
    const fast = await topicFor();
    await ctx.db.updateTable('topics').set({ slow_mode_seconds: 600 }).where('id', '=', slow.id).execute();
    const c = await people.signedIn(ctx.app, await createUser(ctx.db));
    expect(text(dom((await c.get(`/t/${slow.id}`)).body).querySelector('#reply-form #slow-mode-note'))).toBe('Slow mode: one post per member every 10 minutes.');
    expect(dom((await c.get(`/t/${fast.id}`)).body).querySelector('#slow-mode-note')).toBeNull();
    expect((await c.post(`/t/${slow.id}/posts`, { body: 'one' })).statusCode).toBe(303);
    const res = await c.post(`/t/${slow.id}/posts`, { body: 'two' });
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(590);
    expect(text(dom(res.body).querySelector('#reply-form-error'))).toBe('This topic is in slow mode: one post per member every 10 minutes. Please try again in 10 minutes.');
    expect((await c.post(`/t/${fast.id}/posts`, { body: 'elsewhere' })).statusCode).toBe(303);
    const d = await people.signedIn(ctx.app, await createUser(ctx.db));
    expect((await d.post(`/t/${slow.id}/posts`, { body: 'someone else' })).statusCode).toBe(303);
    const mod = await people.signedIn(ctx.app, await createUser(ctx.db, { role: 'moderator' }));
    expect((await mod.post(`/t/${slow.id}/posts`, { body: 'm1' })).statusCode).toBe(303);
    expect((await mod.post(`/t/${slow.id}/posts`, { body: 'm2' })).statusCode).toBe(303);
    expect(await replies(slow.id)).toEqual(['one', 'someone else', 'm1', 'm2']);
  });

  it('speaks Russian to a Russian reader', async () => {
    const slow = await topicFor();
    await ctx.db.updateTable('topics').set({ slow_mode_seconds: 120 }).where('id', '=', slow.id).execute();
    const c = people.browser(ctx.app, people.nextIp(), 'ru');
    await c.login((await createUser(ctx.db)).username);
    await c.post(`/t/${slow.id}/posts`, { body: 'раз' });
    const res = await c.post(`/t/${slow.id}/posts`, { body: 'два' });
    expect(res.statusCode).toBe(429);
    expect(text(dom(res.body).querySelector('#reply-form-error'))).toMatch(/^Писать можно не чаще чем раз в 5 секунд\./);
  });
});

describe('the wrong person', () => {
  it('a guest is sent to log in, a silenced member is refused (403), and nothing is counted for them', async () => {
    const topic = await topicFor();
    const guest = people.browser(ctx.app);
    expect((await guest.post(`/t/${topic.id}/posts`, { body: 'hi' })).statusCode).toBe(303);
    const silenced = await people.signedIn(ctx.app, await createUser(ctx.db, { silenced_until: new Date(Date.now() + 3600_000) }));
    expect((await silenced.post(`/t/${topic.id}/posts`, { body: 'hi' })).statusCode).toBe(403);
    expect(await replies(topic.id)).toEqual([]);
  });
});
