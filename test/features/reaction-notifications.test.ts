import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';
import { databaseUrlOf, listen, openStream } from '../helpers/sse.js';

let ctx: TestContext;
let a: FastifyInstance;
let b: FastifyInstance;
let baseA: string;
let cat: Category;

/** A post by a fresh author (its first post in a fresh topic) and the author. */
async function postByNewAuthor(opts: { title?: string } = {}) {
  const owner = await createUser(ctx.db, { username: `anna_${Math.random().toString(36).slice(2, 8)}` });
  const { topic, post } = await createTopic(ctx.db, owner, cat, { title: opts.title ?? 'How do I reset the router?' });
  return { owner, topic, post };
}

async function react(app: FastifyInstance, user: User, postId: number, reaction = 'thumbs_up') {
  const c = await people.signedIn(app, user);
  return c.post(`/posts/${postId}/reactions`, { reaction });
}

function reactionRows(userId: number) {
  return ctx.db.selectFrom('notifications').selectAll().where('user_id', '=', userId).where('kind', '=', 'reaction').orderBy('id').execute();
}

/** The texts of the user's reaction notifications as the notifications page shows them (badges left out). */
async function pageTexts(user: User, locale = 'en') {
  const c = await people.signedIn(a, user);
  // The switch is saved to the account, so it is made every time (the previous call may have chosen the other).
  c.locale = locale;
  await c.get(`/locale/${locale}?next=/`);
  return [...dom((await c.get('/notifications')).body).querySelectorAll('.notification-text')].map((el) => text(el)).filter((t) => /reacted|отреагир/.test(t));
}

beforeAll(async () => {
  ctx = await createTestApp();
  const url = await databaseUrlOf(ctx.db, ctx.config.databaseUrl);
  a = await ctx.another({ databaseUrl: url });
  b = await ctx.another({ databaseUrl: url });
  baseA = await listen(a);
  cat = await createCategory(ctx.db);
});
afterAll(async () => ctx.close());

describe('grouped reaction notifications', () => {
  it('the first reaction tells the author; further ones update the same unread row: last actor and a count', async () => {
    const { owner, topic, post } = await postByNewAuthor();
    const boris = await createUser(ctx.db, { username: `boris_${owner.id}` });
    const vera = await createUser(ctx.db, { username: `vera_${owner.id}` });
    expect((await react(b, boris, post.id)).statusCode).toBe(303);
    let rows = await reactionRows(owner.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor_id: boris.id, topic_id: topic.id, post_id: post.id, read_at: null });
    expect(rows[0]!.data).toMatchObject({ count: 1 });
    expect(await pageTexts(owner)).toEqual([`${boris.username} reacted to your post in “How do I reset the router?”.`]);

    expect((await react(a, vera, post.id, 'heart')).statusCode).toBe(303);
    rows = await reactionRows(owner.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor_id: vera.id });
    expect(rows[0]!.data).toMatchObject({ count: 2 });
    expect(await pageTexts(owner)).toEqual([`${vera.username} and 1 other person reacted to your post in “How do I reset the router?”.`]);

    // Boris adds a second kind: still two people.
    await react(b, boris, post.id, 'laugh');
    rows = await reactionRows(owner.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.data).toMatchObject({ count: 2 });
    expect(rows[0]).toMatchObject({ actor_id: boris.id });
  });

  it('plural forms in English and Russian', async () => {
    const { owner, post } = await postByNewAuthor({ title: 'Роутер не видит сеть' });
    const people5 = await Promise.all([0, 1, 2, 3, 4].map(() => createUser(ctx.db)));
    for (const [i, u] of people5.entries()) {
      await react(a, u, post.id);
      const last = u.username;
      const en = (await pageTexts(owner))[0];
      const ru = (await pageTexts(owner, 'ru'))[0];
      if (i === 0) {
        expect(en).toBe(`${last} reacted to your post in “Роутер не видит сеть”.`);
        expect(ru).toBe(`${last} отреагировал(а) на ваше сообщение в теме «Роутер не видит сеть».`);
      }
      if (i === 1) expect(ru).toBe(`${last} и ещё 1 участник отреагировали на ваше сообщение в теме «Роутер не видит сеть».`);
      if (i === 2) {
        expect(en).toBe(`${last} and 2 others reacted to your post in “Роутер не видит сеть”.`);
        expect(ru).toBe(`${last} и ещё 2 участника отреагировали на ваше сообщение в теме «Роутер не видит сеть».`);
      }
      if (i === 4) expect(ru).toBe(`${last} и ещё 4 участника отреагировали на ваше сообщение в теме «Роутер не видит сеть».`);
    }
    const more = await Promise.all([0, 1].map(() => createUser(ctx.db)));
    for (const u of more) await react(a, u, post.id);
    expect((await pageTexts(owner, 'ru'))[0]).toBe(`${more[1]!.username} и ещё 6 участников отреагировали на ваше сообщение в теме «Роутер не видит сеть».`);
  });

  it('once read, the next reaction starts a new notification; taking a reaction back creates nothing', async () => {
    const { owner, post } = await postByNewAuthor();
    const [x, y] = [await createUser(ctx.db), await createUser(ctx.db)];
    await react(a, x, post.id);
    const oc = await people.signedIn(a, owner);
    const [first] = await reactionRows(owner.id);
    // Opening it marks it read and goes to the exact post.
    const open = await oc.post(`/notifications/${first!.id}/open`);
    expect(open.statusCode).toBe(303);
    expect(open.headers.location).toBe(`/p/${post.id}`);
    expect((await oc.get(`/p/${post.id}`)).headers.location).toMatch(new RegExp(`#post-${post.id}$`));

    // x takes the reaction back (a toggle): nothing new, nothing unread.
    await react(a, x, post.id);
    expect(await reactionRows(owner.id)).toHaveLength(1);
    expect((await reactionRows(owner.id)).filter((r) => !r.read_at)).toHaveLength(0);

    await react(a, y, post.id);
    const rows = await reactionRows(owner.id);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ actor_id: y.id, read_at: null });
    expect(rows[1]!.data).toMatchObject({ count: 1 });
  });

  it('muted members, a muted topic, one’s own post and refused reactions tell nobody', async () => {
    const { owner, topic, post } = await postByNewAuthor();
    const pest = await createUser(ctx.db);
    const oc = await people.signedIn(a, owner);
    expect((await oc.post(`/u/${pest.username}/mute`)).statusCode).toBe(303);
    expect((await react(a, pest, post.id)).statusCode).toBe(303);
    expect(await reactionRows(owner.id)).toHaveLength(0);

    // The owner's own reply cannot be reacted to by the owner (403), and tells nobody.
    const own = await createReply(ctx.db, owner, topic.id, 'My own reply');
    expect((await react(a, owner, own.id)).statusCode).toBe(403);
    expect(await reactionRows(owner.id)).toHaveLength(0);

    // A muted topic is quiet too.
    expect((await oc.post(`/t/${topic.id}/watch`, { level: 'muted' })).statusCode).toBe(303);
    expect((await react(a, await createUser(ctx.db), post.id)).statusCode).toBe(303);
    expect(await reactionRows(owner.id)).toHaveLength(0);

    // A guest is sent to log in; a suspended member cannot react: still nothing.
    expect((await people.browser(a).post(`/posts/${post.id}/reactions`, { reaction: 'heart' })).statusCode).toBe(303);
    const suspended = await createUser(ctx.db, { suspended_until: new Date(Date.now() + 86400_000) });
    const sc = await people.withSession(a, ctx.db, suspended);
    // (a suspended member's session does not sign them in: they are a guest and sent to log in)
    expect((await sc.post(`/posts/${post.id}/reactions`, { reaction: 'heart' })).headers.location).toMatch(/^\/login/);
    expect(await reactionRows(owner.id)).toHaveLength(0);
  });

  it('10 members reacting at once through two instances: exactly one unread notification with count 10', async () => {
    const { owner, post } = await postByNewAuthor();
    const members = await Promise.all(Array.from({ length: 10 }, () => createUser(ctx.db)));
    const clients = await Promise.all(members.map((m, i) => people.signedIn(i % 2 ? a : b, m)));
    const results = await Promise.all(clients.map((c) => c.post(`/posts/${post.id}/reactions`, { reaction: 'heart' })));
    expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(303));
    const rows = await reactionRows(owner.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.data).toMatchObject({ count: 10 });
    expect(members.map((m) => m.id)).toContain(rows[0]!.actor_id);
  });

  it('the author’s bell updates live (connected to A while the reaction goes through B)', async () => {
    const { owner, post } = await postByNewAuthor();
    const s = await openStream(baseA, await people.signedIn(a, owner));
    await s.waitFor((x) => x.events.length === 1);
    expect(s.events[0]!.data.unread).toBe(0);
    await react(b, await createUser(ctx.db), post.id);
    // The reaction (and the "first reaction received" badge it earns, granted after commit) reach the bell.
    await s.waitFor((x) => Number(x.events.at(-1)?.data.unread) >= 1);
    const unread = async () => Number((await ctx.db.selectFrom('notifications').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', owner.id).where('read_at', 'is', null).executeTakeFirstOrThrow()).n);
    await s.waitFor((x) => x.events.at(-1)?.data.unread === 2);
    expect(await unread()).toBe(2);
    // A second reaction updates the same row: it is announced, and the count on the bell stays.
    const before = s.events.length;
    await react(b, await createUser(ctx.db), post.id);
    await s.waitFor((x) => x.events.length > before);
    expect(s.events.at(-1)!.data.unread).toBe(2);
    expect(await unread()).toBe(2);
    s.close();
  });

  it('an author who can no longer read the post’s category is not told', async () => {
    const staffCat = await createCategory(ctx.db, { read_access: 'staff' });
    const { owner, topic, post } = await postByNewAuthor();
    await ctx.db.updateTable('topics').set({ category_id: staffCat.id }).where('id', '=', topic.id).execute();
    expect((await react(a, await createUser(ctx.db, { role: 'moderator' }), post.id)).statusCode).toBe(303);
    expect(await reactionRows(owner.id)).toHaveLength(0);
  });
});
