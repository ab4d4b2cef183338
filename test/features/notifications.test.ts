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

/** Unread notifications of a user, counted afresh. */
async function unread(user: User): Promise<number> {
  const { n } = await ctx.db.selectFrom('notifications').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', user.id).where('read_at', 'is', null).executeTakeFirstOrThrow();
  return Number(n);
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
    // The answer, and the badge it earned (first accepted answer; a first post's badge comes with posting, not here).
    expect(await unread(member)).toBe(2);
    const home = await m.get('/');
    expect(bell(home.body)).toEqual({ label: 'Notifications: 2 unread', count: '2' });
    const page = await m.get('/notifications');
    const items = [...dom(page.body).querySelectorAll('.notification.is-unread')];
    const item = items.find((li) => text(li.querySelector('.notification-text')).includes('accepted your answer'))!;
    expect(text(item.querySelector('.notification-text'))).toBe(`${asker.username} accepted your answer in “How do I reset the router?”.`);

    const id = item.querySelector('form')!.getAttribute('action')!.split('/')[2];
    const open = await m.post(`/notifications/${id}/open`);
    expect(open.statusCode).toBe(303);
    expect(open.headers.location).toBe(`/p/${reply.id}`);
    expect(await unread(member)).toBe(1);
    expect(bell((await m.get('/')).body)).toEqual({ label: 'Notifications: 1 unread', count: '1' });
    // Opening it again changes nothing (the count never goes below what is unread).
    expect((await m.post(`/notifications/${id}/open`)).statusCode).toBe(303);
    expect(await unread(member)).toBe(1);
    expect((await m.post('/notifications/read-all')).statusCode).toBe(303);
    expect(bell((await m.get('/')).body)).toEqual({ label: 'Notifications', count: '' });
  });

  it('a first post earns a badge and the member is told, in their own language', async () => {
    const newcomer = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, asker, qa);
    const c = await people.signedIn(ctx.app, newcomer);
    expect((await c.post(`/t/${topic.id}/posts`, { body: 'My very first reply here.' })).statusCode).toBe(303);
    expect(await unread(newcomer)).toBe(1);
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
    expect(await unread(owner)).toBe(1);
    expect((await other.post('/notifications/abc/open')).statusCode).toBe(400);
  });

  it('the bell shows exactly what is unread, even while notifications arrive and are read at the same time', async () => {
    const busy = await createUser(ctx.db);
    const c = await people.signedIn(ctx.app, busy);
    const writes = Array.from({ length: 20 }, () => ctx.db.transaction().execute((trx) => notify(trx, { userId: busy.id, kind: 'post_restored' })));
    const reads = Array.from({ length: 3 }, () => c.post('/notifications/read-all'));
    await Promise.all([...writes, ...reads]);
    const left = await unread(busy);
    expect(bell((await c.get('/')).body).count).toBe(left ? String(left) : '');
    expect((await c.post('/notifications/read-all')).statusCode).toBe(303);
    expect(await unread(busy)).toBe(0);
    // Past 99 the bell says 99+ (and the count query stops at 100).
    for (let i = 0; i < 120; i++) await ctx.db.transaction().execute((trx) => notify(trx, { userId: busy.id, kind: 'post_restored' }));
    expect(bell((await c.get('/')).body)).toEqual({ label: 'Notifications: 100 unread', count: '99+' });
  });

  it('nobody is told about their own action', async () => {
    const self = await createUser(ctx.db);
    const told = await ctx.db.transaction().execute((trx) => notify(trx, { userId: self.id, actorId: self.id, kind: 'answer_accepted' }));
    expect(told).toBe(false);
    expect(await unread(self)).toBe(0);
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

describe('moderation tells the people concerned', () => {
  async function kinds(user: User): Promise<string[]> {
    const rows = await ctx.db.selectFrom('notifications').select('kind').where('user_id', '=', user.id).orderBy('id').execute();
    return rows.map((r) => r.kind);
  }

  it('auto-hide tells the author; a moderator’s disagree restores the post and tells author and flaggers', async () => {
    const cat = await createCategory(ctx.db);
    const author = await createUser(ctx.db, { trust_level: 1 });
    const flaggers = await Promise.all([1, 2, 3].map(() => createUser(ctx.db, { trust_level: 2 })));
    const mod = await createUser(ctx.db, { role: 'moderator' });
    const { topic } = await createTopic(ctx.db, asker, cat, { title: 'A perfectly normal topic' });
    const post = await createReply(ctx.db, author, topic.id, 'A post some members dislike.');
    // Three TL2 flags weigh 3 each: the third reaches the default threshold of 8.
    for (const f of flaggers) expect((await (await people.signedIn(ctx.app, f)).post(`/posts/${post.id}/flags`, { reason: 'off_topic' })).statusCode).toBe(303);
    expect(await kinds(author)).toEqual(['post_hidden']);
    const a = await people.signedIn(ctx.app, author);
    const page = dom((await a.get('/notifications')).body);
    expect(text(page.querySelector('.notification-text'))).toContain('Your post in “A perfectly normal topic” was hidden');
    expect(text(page.querySelector('.notification-reason'))).toBe('Reason: Off-topic');

    const item = await ctx.db.selectFrom('review_items').select('id').where('post_id', '=', post.id).executeTakeFirstOrThrow();
    const m = await people.signedIn(ctx.app, mod);
    expect((await m.post(`/mod/queue/${item.id}/disagree`, { reason: '' })).statusCode).toBe(303);
    expect(await kinds(author)).toEqual(['post_hidden', 'post_restored']);
    for (const f of flaggers) expect(await kinds(f)).toEqual(['flag_disagreed']);
    expect(await kinds(mod)).toEqual([]);
  });

  it('agree with a silence tells the author why and until when, in their language', async () => {
    const cat = await createCategory(ctx.db);
    const author = await createUser(ctx.db, { trust_level: 1 });
    await ctx.db.updateTable('users').set({ locale: 'ru' }).where('id', '=', author.id).execute();
    const flagger = await createUser(ctx.db, { trust_level: 1 });
    const mod = await createUser(ctx.db, { role: 'moderator' });
    const { topic } = await createTopic(ctx.db, asker, cat, { title: 'Another ordinary topic' });
    const post = await createReply(ctx.db, author, topic.id, 'Rude words here.');
    await (await people.signedIn(ctx.app, flagger)).post(`/posts/${post.id}/flags`, { reason: 'abuse' });
    const item = await ctx.db.selectFrom('review_items').select('id').where('post_id', '=', post.id).executeTakeFirstOrThrow();
    const m = await people.signedIn(ctx.app, mod);
    expect((await m.post(`/mod/queue/${item.id}/agree`, { reason: 'Грубость', sanction: 'silence', hours: '24' })).statusCode).toBe(303);
    expect(await kinds(author)).toEqual(['post_hidden', 'silenced']);
    expect(await kinds(flagger)).toEqual(['flag_agreed']);
    const a = await people.signedIn(ctx.app, author);
    const doc = dom((await a.get('/notifications')).body);
    const texts = [...doc.querySelectorAll('.notification-text')].map((el) => text(el));
    expect(texts[0]).toMatch(/^Ваша учётная запись ограничена до .+: можно читать и ставить реакции, но не писать\.$/);
    expect(text(doc.querySelector('.sanction-notice'))).toContain('Причина: Грубость');
  });
});

describe('notifications never leak what the reader may not read', () => {
  it('a topic moved into a staff-only category loses its title in the list, and opening it is not found', async () => {
    const cat = await createCategory(ctx.db);
    const team = await createCategory(ctx.db, { read_access: 'staff' });
    const member = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, asker, cat, { title: 'Soon to be a team secret' });
    const reply = await createReply(ctx.db, member, topic.id, 'My reply.');
    await ctx.db.transaction().execute((trx) => notify(trx, { userId: member.id, kind: 'post_restored', topicId: topic.id, postId: reply.id }));
    const c = await people.signedIn(ctx.app, member);
    expect((await c.get('/notifications')).body).toContain('Soon to be a team secret');
    await ctx.db.updateTable('topics').set({ category_id: team.id }).where('id', '=', topic.id).execute();
    const page = await c.get('/notifications');
    expect(page.body).not.toContain('Soon to be a team secret');
    const id = dom(page.body).querySelector('.notification form')!.getAttribute('action')!.split('/')[2];
    const open = await c.post(`/notifications/${id}/open`);
    expect(open.headers.location).toBe(`/p/${reply.id}`);
    expect((await c.get(open.headers.location as string)).statusCode).toBe(404);
  });
});
