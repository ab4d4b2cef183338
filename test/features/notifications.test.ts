import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { notify } from '../../server/features/notifications/notifications.service.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let asker: User;
let helper: User;
let qa: Category;

beforeAll(async () => {
  ctx = await createTestApp();
  asker = await createUser(ctx.db);
  helper = await createUser(ctx.db);
  qa = await createCategory(ctx.db, { kind: 'questions' });
});
afterAll(async () => ctx.close());

async function unread(user: User): Promise<{ counter: number; rows: number }> {
  const { unread_notifications } = await ctx.db.selectFrom('users').select('unread_notifications').where('id', '=', user.id).executeTakeFirstOrThrow();
  const { n } = await ctx.db.selectFrom('notifications').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', user.id).where('read_at', 'is', null).executeTakeFirstOrThrow();
  return { counter: unread_notifications, rows: Number(n) };
}

function bell(html: string) {
  const a = dom(html).querySelector('a.bell');
  return { label: a?.getAttribute('aria-label') ?? null, count: text(a?.querySelector('.bell-count')) };
}

describe('notifications', () => {
  it('an accepted answer tells its author: the bell counts it, the page says who and where, opening goes to the post', async () => {
    const member = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, asker, qa, { title: 'How do I reset the router?' });
    const reply = await createReply(ctx.db, member, topic.id, 'Hold the reset button for ten seconds.');
    const a = await people.signedIn(ctx.app, asker);
    expect((await a.post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);

    const m = await people.signedIn(ctx.app, member);
    // The answer, and the badges it earned (first post, first accepted answer).
    expect(await unread(member)).toEqual({ counter: 3, rows: 3 });
    const home = await m.get('/');
    expect(bell(home.body)).toEqual({ label: 'Notifications: 3 unread', count: '3' });
    const page = await m.get('/notifications');
    const items = [...dom(page.body).querySelectorAll('.notification.is-unread')];
    const item = items.find((li) => text(li.querySelector('.notification-text')).includes('accepted your answer'))!;
    expect(text(item.querySelector('.notification-text'))).toBe(`${asker.username} accepted your answer in “How do I reset the router?”.`);

    const id = item.querySelector('form')!.getAttribute('action')!.split('/')[2];
    const open = await m.post(`/notifications/${id}/open`);
    expect(open.statusCode).toBe(303);
    expect(open.headers.location).toBe(`/p/${reply.id}`);
    expect(await unread(member)).toEqual({ counter: 2, rows: 2 });
    expect(bell((await m.get('/')).body)).toEqual({ label: 'Notifications: 2 unread', count: '2' });
    // Opening it again changes nothing (the count never goes below what is unread).
    expect((await m.post(`/notifications/${id}/open`)).statusCode).toBe(303);
    expect(await unread(member)).toEqual({ counter: 2, rows: 2 });
    expect((await m.post('/notifications/read-all')).statusCode).toBe(303);
    expect(bell((await m.get('/')).body)).toEqual({ label: 'Notifications', count: '' });
  });

  it('a first post earns a badge and the member is told, in their own language', async () => {
    const newcomer = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, asker, qa);
    const c = await people.signedIn(ctx.app, newcomer);
    expect((await c.post(`/t/${topic.id}/posts`, { body: 'My very first reply here.' })).statusCode).toBe(303);
    expect(await unread(newcomer)).toEqual({ counter: 1, rows: 1 });
    const en = await c.get('/notifications');
    expect(text(dom(en.body).querySelector('.notification-text'))).toMatch(/^You were granted the badge “.+”\.$/);
    await c.get('/locale/ru?next=/notifications');
    const ru = await c.get('/notifications');
    expect(text(dom(ru.body).querySelector('.notification-text'))).toMatch(/^Вы получили награду «.+»\.$/);
  });

  it('nobody opens or reads someone else’s notification: 404, and it stays unread', async () => {
    const owner = await createUser(ctx.db);
    await ctx.db.transaction().execute((trx) => notify(trx, { userId: owner.id, kind: 'post_restored', topicId: null }));
    const row = await ctx.db.selectFrom('notifications').select('id').where('user_id', '=', owner.id).executeTakeFirstOrThrow();
    const other = await people.signedIn(ctx.app, helper);
    expect((await other.post(`/notifications/${row.id}/open`)).statusCode).toBe(404);
    expect(text(dom((await other.get('/notifications')).body).querySelector('.notifications'))).not.toContain('visible again');
    const guest = people.browser(ctx.app);
    expect((await guest.post(`/notifications/${row.id}/open`)).statusCode).toBe(404);
    expect((await guest.post('/notifications/read-all')).statusCode).toBe(404);
    const page = await guest.get('/notifications');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/login?next=/notifications');
    const suspended = await createUser(ctx.db, { suspended_until: new Date(Date.now() + 86400_000) });
    const s = await people.withSession(ctx.app, ctx.db, suspended);
    expect((await s.get('/notifications')).statusCode).toBe(303);
    expect(await unread(owner)).toEqual({ counter: 1, rows: 1 });
    expect((await other.post('/notifications/abc/open')).statusCode).toBe(400);
  });

  it('the unread count stays exact when notifications arrive and are read at the same time', async () => {
    const busy = await createUser(ctx.db);
    const c = await people.signedIn(ctx.app, busy);
    const writes = Array.from({ length: 20 }, () => ctx.db.transaction().execute((trx) => notify(trx, { userId: busy.id, kind: 'post_restored' })));
    const reads = Array.from({ length: 3 }, () => c.post('/notifications/read-all'));
    await Promise.all([...writes, ...reads]);
    const after = await unread(busy);
    expect(after.counter).toBe(after.rows);
    expect((await c.post('/notifications/read-all')).statusCode).toBe(303);
    expect(await unread(busy)).toEqual({ counter: 0, rows: 0 });
  });

  it('nobody is told about their own action', async () => {
    const self = await createUser(ctx.db);
    const told = await ctx.db.transaction().execute((trx) => notify(trx, { userId: self.id, actorId: self.id, kind: 'answer_accepted' }));
    expect(told).toBe(false);
    expect(await unread(self)).toEqual({ counter: 0, rows: 0 });
  });

  it('pages by key, 30 at a time, with a real link to older ones', async () => {
    const many = await createUser(ctx.db);
    for (let i = 0; i < 35; i++) await ctx.db.transaction().execute((trx) => notify(trx, { userId: many.id, kind: 'post_restored' }));
    const c = await people.signedIn(ctx.app, many);
    const first = dom((await c.get('/notifications')).body);
    expect(first.querySelectorAll('.notification')).toHaveLength(30);
    const next = first.querySelector('a[rel="next"]')!.getAttribute('href')!;
    expect(dom((await c.get(next)).body).querySelectorAll('.notification')).toHaveLength(5);
  });
});
