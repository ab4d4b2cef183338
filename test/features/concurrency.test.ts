import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { countDrift } from '../../server/features/topics/topics.queries.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { Client } from '../helpers/client.js';
import { createCategory, createTopic, createUser } from '../helpers/factories.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp();
});
afterAll(async () => ctx.close());

describe('under concurrency', () => {
  it('50 replies at once get post numbers 1..51 with no gaps or duplicates, and counters match a fresh count', async () => {
    const cat = await createCategory(ctx.db);
    const opener = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, opener, cat);
    const users = await Promise.all(Array.from({ length: 50 }, () => createUser(ctx.db)));
    const clients = await Promise.all(
      users.map(async (u, i) => {
        const c = new Client(ctx.app, 'en', `10.0.0.${i + 1}`);
        await c.login(u.username);
        return c;
      }),
    );
    // Half the requests go through a second app instance on the same database.
    const second = await ctx.another();
    const results = await Promise.all(
      clients.map((c, i) => {
        if (i % 2) c.app = second;
        return c.post(`/t/${topic.id}/posts`, { body: `concurrent reply ${i}` });
      }),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(50).fill(303));
    const numbers = await ctx.db.selectFrom('posts').select('post_number').where('topic_id', '=', topic.id).orderBy('post_number').execute();
    expect(numbers.map((r) => r.post_number)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    const t = await ctx.db.selectFrom('topics').select(['reply_count', 'last_post_number']).where('id', '=', topic.id).executeTakeFirstOrThrow();
    expect(t).toEqual({ reply_count: 50, last_post_number: 51 });
    const c = await ctx.db.selectFrom('categories').select(['topic_count', 'post_count']).where('id', '=', cat.id).executeTakeFirstOrThrow();
    expect(c).toEqual({ topic_count: 1, post_count: 51 });
    // Timestamps follow the numbering.
    const times = await ctx.db.selectFrom('posts').select('created_at').where('topic_id', '=', topic.id).orderBy('post_number').execute();
    for (let i = 1; i < times.length; i++) expect(times[i]!.created_at.getTime()).toBeGreaterThanOrEqual(times[i - 1]!.created_at.getTime());
    expect(await countDrift(ctx.db)).toEqual({ topics: [], categories: [] });
  });

  it('parallel new topics, deletes and restores leave every counter equal to a fresh count', async () => {
    const cat = await createCategory(ctx.db);
    const staff = await createUser(ctx.db, { role: 'staff' });
    const c = new Client(ctx.app);
    await c.login(staff.username);
    const created = await Promise.all(Array.from({ length: 12 }, (_, i) => c.post('/t', { category_id: cat.id, title: `Parallel topic ${i}`, body: 'body' })));
    expect(created.every((r) => r.statusCode === 303)).toBe(true);
    const posts = await ctx.db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id').select('posts.id').where('topics.category_id', '=', cat.id).execute();
    // Delete every post twice at once, then restore half twice at once: idempotent and exact.
    await Promise.all(posts.flatMap((p) => [c.post(`/posts/${p.id}/delete`), c.post(`/posts/${p.id}/delete`)]));
    await Promise.all(posts.slice(0, 6).flatMap((p) => [c.post(`/posts/${p.id}/restore`), c.post(`/posts/${p.id}/restore`)]));
    const row = await ctx.db.selectFrom('categories').select(['topic_count', 'post_count']).where('id', '=', cat.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ topic_count: 6, post_count: 6 });
    expect(await countDrift(ctx.db)).toEqual({ topics: [], categories: [] });
  });

  it('two simultaneous first sign-ups on an empty forum make exactly one admin', async () => {
    const fresh = await createTestApp();
    try {
      const a = new Client(fresh.app);
      const b = new Client(fresh.app);
      await Promise.all([a.get('/signup'), b.get('/signup')]);
      const res = await Promise.all([
        a.post('/signup', { username: 'first_one', email: 'one@example.com', password: 'long enough password' }),
        b.post('/signup', { username: 'first_two', email: 'two@example.com', password: 'long enough password' }),
      ]);
      expect(res.map((r) => r.statusCode)).toEqual([303, 303]);
      const admins = await fresh.db.selectFrom('users').select(sql<number>`count(*)::int`.as('n')).where('role', '=', 'admin').executeTakeFirstOrThrow();
      expect(admins.n).toBe(1);
    } finally {
      await fresh.close();
    }
  });
});
