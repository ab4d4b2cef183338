// Reactions: the daily limit and exact counts under concurrency (the rest is in reactions.test.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { resetSettings, updateSettings } from '../../server/features/settings/settings.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { Client } from '../helpers/client.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';
import * as r from '../helpers/reactions.js';

let ctx: TestContext;
let author: User;
let member: User;
let cat: Category;

beforeAll(async () => {
  ctx = await createTestApp();
  author = await createUser(ctx.db);
  member = await createUser(ctx.db);
  cat = await createCategory(ctx.db);
});
afterAll(async () => ctx.close());
afterEach(async () => resetSettings(ctx.db));

const signedIn = (user: User) => people.signedIn(ctx.app, user);

const countsOf = (postId: number) => r.countsOf(ctx.db, postId);
const reactionRows = (postId: number) => r.reactionRows(ctx.db, postId);
const expectConsistent = () => r.expectConsistent(ctx.db);

/** A fresh reply by `author` (reactions go to replies and first posts alike). */
async function newPost() {
  const { topic } = await createTopic(ctx.db, author, cat);
  const post = await createReply(ctx.db, author, topic.id, 'Something worth reacting to.');
  return { topic, post };
}




/** The same signed-in browser, talking to another app instance (shares the cookie jar). */
function on(c: Client, app: Client['app']): Client {
  return Object.assign(Object.create(Client.prototype) as Client, c, { app });
}

function button(doc: Document, postId: number, kind: string) {
  return doc.querySelector(`#reactions-${postId} button[name="reaction"][value="${kind}"]`) ?? null;
}

describe('daily limit by trust level', () => {
  it('answers 429 with Retry-After and a message naming the limit, on every instance; taking a reaction back still works', async () => {
    await updateSettings(ctx.db, { reaction_daily_limits: [1, 2, 3, 4, 5] });
    const user = await createUser(ctx.db, { trust_level: 1 });
    const { post: a } = await newPost();
    const { post: b } = await newPost();
    const c = await signedIn(user);
    expect((await c.post(`/posts/${a.id}/reactions`, { reaction: 'heart' })).statusCode).toBe(303);
    expect((await c.post(`/posts/${a.id}/reactions`, { reaction: 'wow' })).statusCode).toBe(303);
    const refused = await c.post(`/posts/${b.id}/reactions`, { reaction: 'heart' });
    expect(refused.statusCode).toBe(429);
    const retry = Number(refused.headers['retry-after']);
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(86400);
    expect(text(dom(refused.body).querySelector('main'))).toContain('all 2 of today’s reactions');

    const hx = await c.post(`/posts/${b.id}/reactions`, { reaction: 'heart' }, { htmx: true });
    expect(hx.statusCode).toBe(429);
    expect(hx.headers['retry-after']).toBeTruthy();
    const bar = dom(hx.body);
    expect(text(bar.querySelector(`#reactions-${b.id} [role="alert"]`))).toContain('2');
    expect(button(bar, b.id, 'heart')?.getAttribute('aria-pressed')).toBe('false');

    // The count lives in PostgreSQL: a second instance refuses too.
    c.app = await ctx.another();
    expect((await c.post(`/posts/${b.id}/reactions`, { reaction: 'laugh' })).statusCode).toBe(429);
    // Taking one back frees a place.
    expect((await c.post(`/posts/${a.id}/reactions`, { reaction: 'wow' })).statusCode).toBe(303);
    expect((await c.post(`/posts/${b.id}/reactions`, { reaction: 'heart' })).statusCode).toBe(303);
    expect(await reactionRows(b.id)).toEqual([{ user_id: user.id, kind: 'heart' }]);
    await expectConsistent();
  });

  it('holds exactly under parallel requests, and higher trust levels get more', async () => {
    await updateSettings(ctx.db, { reaction_daily_limits: [1, 1, 3, 4, 5] });
    const tl2 = await createUser(ctx.db, { trust_level: 2 });
    const posts = await Promise.all(Array.from({ length: 4 }, () => newPost()));
    const c = await signedIn(tl2);
    const second = await ctx.another();
    const kinds = ['thumbs_up', 'heart', 'laugh'];
    const results = await Promise.all(
      posts.flatMap(({ post }) =>
        kinds.map((kind, i) => {
          return on(c, i % 2 ? second : ctx.app).post(`/posts/${post.id}/reactions`, { reaction: kind });
        }),
      ),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes.filter((s) => s === 303)).toHaveLength(3);
    expect(codes.filter((s) => s === 429)).toHaveLength(9);
    const given = await ctx.db.selectFrom('reactions').select('id').where('user_id', '=', tl2.id).execute();
    expect(given).toHaveLength(3);
    await expectConsistent();
  });
});

describe('counts under concurrency', () => {
  it('50 users reacting at once leave counts and reputation exact', async () => {
    const { post } = await newPost();
    const before = (await ctx.db.selectFrom('users').select('reputation').where('id', '=', author.id).executeTakeFirstOrThrow()).reputation;
    const users = await Promise.all(Array.from({ length: 50 }, () => createUser(ctx.db)));
    const clients = await Promise.all(users.map((u) => signedIn(u)));
    const second = await ctx.another();
    const results = await Promise.all(
      clients.map((c, i) => {
        if (i % 2) c.app = second;
        return c.post(`/posts/${post.id}/reactions`, { reaction: i % 5 === 0 ? 'angry' : 'thumbs_up' }, { htmx: i % 3 === 0 });
      }),
    );
    expect(results.filter((r) => r.statusCode !== 303 && r.statusCode !== 200).map((r) => `${r.statusCode} ${r.body.slice(0, 200)}`)).toEqual([]);
    expect(await countsOf(post.id)).toEqual({ thumbs_up: 40, angry: 10 });
    const after = (await ctx.db.selectFrom('users').select('reputation').where('id', '=', author.id).executeTakeFirstOrThrow()).reputation;
    // 😡 weighs 0: only the 40 likes count.
    expect(after - before).toBe(40);
    await expectConsistent();
  });

  it('one user toggling the same reaction 20 times in parallel leaves counts and reputation exact', async () => {
    const { post } = await newPost();
    const c = await signedIn(member);
    const second = await ctx.another();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        return on(c, i % 2 ? second : ctx.app).post(`/posts/${post.id}/reactions`, { reaction: 'heart' });
      }),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(20).fill(303));
    // An even number of toggles: nothing is left, and the ledger nets to zero for this post.
    expect(await reactionRows(post.id)).toEqual([]);
    expect(await countsOf(post.id)).toEqual({});
    const net = await ctx.db.selectFrom('reputation_events').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('delta'), eb.lit(0)).as('n')).where('post_id', '=', post.id).executeTakeFirstOrThrow();
    expect(Number(net.n)).toBe(0);
    await expectConsistent();
  });
});
