import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom as parse } from '../helpers/html.js';
import * as people from '../helpers/people.js';
import { databaseUrlOf, listen, openStream, sleep, type Stream } from '../helpers/sse.js';

let ctx: TestContext;
/** Instance A: where the browsers listen. Instance B: where replies are posted. Same database, separate hubs. */
let a: FastifyInstance;
let b: FastifyInstance;
let baseA: string;
let author: User;
let cat: Category;
let staffOnly: Category;

const posts = (s: Stream) => s.events.filter((e) => e.event === 'post').map((e) => e.data);

/** A member signed in on A with a stream open for the topic's page. */
async function watcher(topicId: number, user?: User) {
  const u = user ?? (await createUser(ctx.db));
  const client = await people.signedIn(a, u);
  const stream = await openStream(baseA, client, `/notifications/stream?topic=${topicId}`);
  expect(stream.status).toBe(200);
  await stream.waitFor((s) => s.events.length === 1);
  return { user: u, client, stream };
}

/** A reply posted over HTTP through instance B. */
async function replyOnB(user: User, topicId: number, body = 'A reply posted on the other instance.') {
  const c = await people.signedIn(b, user);
  const res = await c.post(`/t/${topicId}/posts`, { body });
  expect(res.statusCode).toBe(303);
  const id = Number(/#post-(\d+)$/.exec(res.headers.location as string)?.[1]);
  return ctx.db.selectFrom('posts').select(['id', 'post_number']).where('id', '=', id).executeTakeFirstOrThrow();
}

beforeAll(async () => {
  ctx = await createTestApp();
  const url = await databaseUrlOf(ctx.db, ctx.config.databaseUrl);
  a = await ctx.another({ databaseUrl: url });
  b = await ctx.another({ databaseUrl: url });
  baseA = await listen(a);
  author = await createUser(ctx.db);
  cat = await createCategory(ctx.db);
  staffOnly = await createCategory(ctx.db, { read_access: 'staff' });
});
afterAll(async () => ctx.close());

describe('new replies on an open topic page', () => {
  it('a reply posted through instance B is announced to a reader connected to A — ids only, no content', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const { stream } = await watcher(topic.id);
    const replier = await createUser(ctx.db);
    const post = await replyOnB(replier, topic.id, 'Secret words that must not travel in the event');
    await stream.waitFor((s) => posts(s).length === 1);
    expect(posts(stream)[0]).toEqual({ topic: topic.id, post: post.id, n: 2 });
    expect(JSON.stringify(stream.events)).not.toContain('Secret');
    stream.close();
  });

  it('the author’s own reply reaches the author’s other open pages; a reply in another topic is not announced', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const { topic: other } = await createTopic(ctx.db, author, cat);
    const me = await watcher(topic.id);
    const plain = await openStream(baseA, me.client);
    await plain.waitFor((s) => s.events.length === 1);
    const mine = await replyOnB(me.user, topic.id);
    await createReply(ctx.db, await createUser(ctx.db), other.id);
    // A third reply, by someone else, proves the other topic's reply was skipped, not merely late.
    const third = await createReply(ctx.db, await createUser(ctx.db), topic.id);
    await me.stream.waitFor((s) => posts(s).length >= 2);
    await sleep(200);
    expect(posts(me.stream)).toEqual([{ topic: topic.id, post: mine.id, n: 2 }, { topic: topic.id, post: third.id, n: 3 }]);
    // A stream opened without ?topic= hears of no topic at all.
    expect(posts(plain)).toEqual([]);
    me.stream.close();
    plain.close();
  });

  it('the new posts are fetched through a permission-checked GET that renders the topic page’s own post partial', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const { client, stream } = await watcher(topic.id);
    const r1 = await createReply(ctx.db, await createUser(ctx.db), topic.id, 'First new reply');
    const r2 = await createReply(ctx.db, await createUser(ctx.db), topic.id, 'Second new reply');
    await stream.waitFor((s) => posts(s).length === 2);
    const res = await client.get(`/t/${topic.id}/after/1`, { htmx: true });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-last-post-number']).toBe('3');
    expect(res.headers.vary).toContain('HX-Request');
    expect(res.body).not.toContain('<html');
    const doc = parse(res.body);
    expect([...doc.querySelectorAll('article.post')].map((el) => el.getAttribute('id'))).toEqual([`post-${r1.id}`, `post-${r2.id}`]);
    expect(doc.querySelector(`#post-${r2.id} .post-body`)?.textContent).toContain('Second new reply');
    // The reader may react to them (the same bar as on the page), and the reply count comes out of band.
    expect(doc.querySelector(`#reactions-${r1.id} form`)).not.toBeNull();
    expect(doc.querySelector('#topic-reply-count')?.getAttribute('hx-swap-oob')).toBe('true');
    // Only what comes after the given number; nothing after the last.
    expect(parse((await client.get(`/t/${topic.id}/after/2`, { htmx: true })).body).querySelectorAll('article.post')).toHaveLength(1);
    const none = await client.get(`/t/${topic.id}/after/3`, { htmx: true });
    expect(none.statusCode).toBe(200);
    expect(parse(none.body).querySelectorAll('article.post')).toHaveLength(0);
    expect(none.headers['x-last-post-number']).toBe('3');
    // Without htmx (someone following the address) it leads to the topic page.
    const plain = await client.get(`/t/${topic.id}/after/1`);
    expect(plain.statusCode).toBe(303);
    expect(plain.headers.location).toBe(`/t/${topic.id}/${topic.slug}`);
    expect((await client.get(`/t/${topic.id}/after/abc`, { htmx: true })).statusCode).toBe(400);
    stream.close();
  });

  it('a topic moved into a staff-only category delivers nothing to a member, and the fetch is not found', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const member = await watcher(topic.id);
    const moderator = await watcher(topic.id, await createUser(ctx.db, { role: 'moderator' }));
    await ctx.db.updateTable('topics').set({ category_id: staffOnly.id }).where('id', '=', topic.id).execute();
    const reply = await createReply(ctx.db, await createUser(ctx.db, { role: 'staff' }), topic.id, 'Staff talk');
    // Staff still hear of it: the event was sent and delivered where allowed.
    await moderator.stream.waitFor((s) => posts(s).length === 1);
    expect(posts(moderator.stream)[0]).toMatchObject({ post: reply.id });
    await sleep(200);
    expect(posts(member.stream)).toEqual([]);
    expect((await member.client.get(`/t/${topic.id}/after/1`, { htmx: true })).statusCode).toBe(404);
    expect((await moderator.client.get(`/t/${topic.id}/after/1`, { htmx: true })).statusCode).toBe(200);
    // Nor can the member open a stream for it any more; a guest cannot fetch it either.
    const again = await openStream(baseA, member.client, `/notifications/stream?topic=${topic.id}`);
    expect(again.status).toBe(404);
    expect((await people.browser(a).get(`/t/${topic.id}/after/1`, { htmx: true })).statusCode).toBe(404);
    member.stream.close();
    moderator.stream.close();
  });

  it('wrong people: a guest gets no stream; a suspended member none either; a missing topic is not found', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const guest = await openStream(baseA, null, `/notifications/stream?topic=${topic.id}`);
    expect(guest.status).toBe(401);
    const suspended = await createUser(ctx.db, { suspended_until: new Date(Date.now() + 86400_000) });
    const sc = await people.withSession(a, ctx.db, suspended);
    expect((await openStream(baseA, sc, `/notifications/stream?topic=${topic.id}`)).status).toBe(401);
    const c = await people.signedIn(a, await createUser(ctx.db));
    expect((await openStream(baseA, c, '/notifications/stream?topic=999999')).status).toBe(404);
    expect((await openStream(baseA, c, '/notifications/stream?topic=x1')).status).toBe(404);
    expect((await c.get('/t/999999/after/1', { htmx: true })).statusCode).toBe(404);
    // A guest may fetch a public topic's posts (what the page itself shows them).
    await createReply(ctx.db, author, topic.id, 'Public reply');
    const g = await people.browser(a).get(`/t/${topic.id}/after/1`, { htmx: true });
    expect(g.statusCode).toBe(200);
    expect(parse(g.body).querySelectorAll('article.post')).toHaveLength(1);
  });

  it('the topic page carries the live bar on its last page only, for signed-in readers, with plural labels', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    for (let i = 0; i < 21; i += 1) await createReply(ctx.db, author, topic.id, `Reply ${i}`);
    const c = await people.signedIn(a, await createUser(ctx.db));
    const last = parse((await c.get(`/t/${topic.id}/${topic.slug}?page=2`)).body).querySelector('#live-topic');
    expect(last?.getAttribute('data-topic')).toBe(String(topic.id));
    expect(last?.getAttribute('data-after')).toBe('22');
    expect(last?.getAttribute('data-one')).toBe('{count} new reply — show');
    expect(last?.getAttribute('data-other')).toBe('{count} new replies — show');
    expect(last?.getAttribute('role')).toBe('status');
    expect(last?.querySelector('.live-topic-slot')?.hasAttribute('hidden')).toBe(true);
    expect(parse((await c.get(`/t/${topic.id}/${topic.slug}`)).body).querySelector('#live-topic')).toBeNull();
    expect(parse((await people.browser(a).get(`/t/${topic.id}/${topic.slug}?page=2`)).body).querySelector('#live-topic')).toBeNull();
    // In Russian, all four plural forms.
    const ru = await people.signedIn(a, await createUser(ctx.db));
    ru.locale = 'ru';
    await ru.get('/locale/ru?next=/');
    const bar = parse((await ru.get(`/t/${topic.id}/${topic.slug}?page=2`)).body).querySelector('#live-topic');
    expect(bar?.getAttribute('data-few')).toBe('{count} новых ответа — показать');
    expect(bar?.getAttribute('data-many')).toBe('{count} новых ответов — показать');
  });

  it('the bells of those a reply tells (watchers, the topic’s author) update live; nobody else’s', async () => {
    const starter = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, starter, cat);
    const fan = await createUser(ctx.db);
    await ctx.db.insertInto('topic_watches').values({ user_id: fan.id, topic_id: topic.id, level: 'watching' }).execute();
    const bystander = await createUser(ctx.db);
    const streams = await Promise.all([starter, fan, bystander].map(async (u) => openStream(baseA, await people.signedIn(a, u))));
    for (const s of streams) await s.waitFor((x) => x.events.length === 1);
    await replyOnB(await createUser(ctx.db), topic.id);
    const bell = (s: Stream) => s.events.filter((e) => e.event === 'notification').map((e) => e.data.unread);
    await streams[0]!.waitFor((x) => bell(x).at(-1) === 1);
    await streams[1]!.waitFor((x) => bell(x).at(-1) === 1);
    await sleep(200);
    expect(bell(streams[2]!)).toEqual([0]);
    for (const s of streams) s.close();
  });

  it('a page reconnecting with ?after=N hears at once of the posts it missed (not the viewer’s own)', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const me = await createUser(ctx.db);
    const r2 = await createReply(ctx.db, await createUser(ctx.db), topic.id);
    await createReply(ctx.db, me, topic.id, 'Mine');
    const r4 = await createReply(ctx.db, await createUser(ctx.db), topic.id);
    const c = await people.signedIn(a, me);
    const s = await openStream(baseA, c, `/notifications/stream?topic=${topic.id}&after=1`);
    expect(s.status).toBe(200);
    await s.waitFor((x) => posts(x).length === 2);
    expect(posts(s)).toEqual([{ topic: topic.id, post: r2.id, n: 2 }, { topic: topic.id, post: r4.id, n: 4 }]);
    s.close();
    // Up to date: nothing to catch up on; a malformed number is refused.
    const upToDate = await openStream(baseA, c, `/notifications/stream?topic=${topic.id}&after=4`);
    await upToDate.waitFor((x) => x.events.length === 1);
    await sleep(100);
    expect(posts(upToDate)).toEqual([]);
    upToDate.close();
    expect((await openStream(baseA, c, `/notifications/stream?topic=${topic.id}&after=-1`)).status).toBe(400);
  });

  it('a rolled-back reply announces nothing', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const { stream } = await watcher(topic.id);
    const { announceNewPost } = await import('../../server/live/events.js');
    await ctx.db
      .transaction()
      .execute(async (trx) => {
        await announceNewPost(trx, { id: 1, topic_id: topic.id, post_number: 99, user_id: author.id });
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    const real = await createReply(ctx.db, await createUser(ctx.db), topic.id);
    await stream.waitFor((s) => posts(s).length >= 1);
    await sleep(100);
    expect(posts(stream)).toEqual([{ topic: topic.id, post: real.id, n: 2 }]);
    stream.close();
  });
});
