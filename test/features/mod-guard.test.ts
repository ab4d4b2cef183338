import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import type { Client } from '../helpers/client.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import * as people from '../helpers/people.js';

/**
 * The /mod and /admin areas exist only for those allowed in: every route of both (every method, ids filled with real
 * records) answers 404 to a guest, a member and a suspended moderator — and a refused POST changes nothing.
 */

let ctx: TestContext;
let ids: Record<string, number>;

/** Every route Fastify knows, as [METHOD, path], read from printRoutes' tree (each segment carries its own slashes). */
function allRoutes(app: FastifyInstance): [string, string][] {
  const out = new Map<string, [string, string]>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│├└─\s]*?)(?:├── |└── )(.+?)(?: \(([^)]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack[depth] = m[2]!;
    const path = stack.join('');
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) if (method !== 'HEAD') out.set(`${method} ${path}`, [method, path]);
  }
  return [...out.values()];
}

/** The guarded routes: /mod and /admin, and anything below. */
function guardedRoutes(): [string, string][] {
  return allRoutes(ctx.app).filter(([, path]) => /^\/(mod|admin)(\/|$)/.test(path));
}

/** A path with its parameters filled by real records (the right kind for where the parameter sits). */
function fill(path: string): string {
  return path
    .replace(/\/users\/:id/, `/users/${ids.target}`)
    .replace(/\/sanctions\/:id/, `/sanctions/${ids.sanction}`)
    .replace(/\/t\/:id/, `/t/${ids.topic}`)
    .replace(/\/posts\/:id/, `/posts/${ids.post}`)
    .replace(/\/approvals\/:id/, `/approvals/${ids.queued}`)
    .replace(/\/scheduled\/:id/, `/scheduled/${ids.scheduled}`)
    .replace(/\/categories\/:id/, `/categories/${ids.category}`)
    .replace(/\/badges\/:id/, `/badges/${ids.badge}`)
    .replace(/:itemId/, String(ids.item))
    .replace(/:decision/, 'agree')
    .replace(/:id/g, String(ids.topic))
    .replace(/:\w+/g, 'x');
}

/** A body that would pass most forms, so a refusal cannot come from validation. */
const BODY = {
  reason: 'because', note: 'n', kind: 'silence', duration: '24', category_id: '', into: '', title: 'A perfectly good title', seconds: '600', role: 'admin',
  trust_level: '4', locked: '1', confirm: '1', delete_post: '1', name: 'Renamed', slug: 'renamed', post_ids: '', user: 'x', username: 'x',
};

/** A digest of everything a moderation or admin action could change (sessions and rate limits aside). */
async function fingerprint(): Promise<string> {
  const tables = ['moderation_actions', 'sanctions', 'topics', 'posts', 'categories', 'settings', 'flags', 'review_items', 'queued_posts', 'badges', 'user_badges', 'reputation_events'];
  const parts: string[] = [];
  for (const t of tables) {
    const r = await sql<{ h: string | null }>`select md5(string_agg(x::text, '|' order by x::text)) as h from ${sql.table(t)} x`.execute(ctx.db);
    parts.push(`${t}:${r.rows[0]?.h}`);
  }
  const users = await sql<{ h: string }>`select md5(string_agg(concat_ws(',', id, role, trust_level, trust_level_locked, silenced_until, suspended_until, post_count, topic_count, reputation), '|' order by id)) as h from users`.execute(ctx.db);
  return `${parts.join(' ')} users:${users.rows[0]!.h}`;
}

beforeAll(async () => {
  ctx = await createTestApp();
  const mod = await createUser(ctx.db, { role: 'moderator' });
  const target = await createUser(ctx.db);
  const cat = await createCategory(ctx.db);
  const { topic } = await createTopic(ctx.db, target, cat);
  const reply = await createReply(ctx.db, target, topic.id);
  const sanction = await ctx.db.insertInto('sanctions').values({ user_id: target.id, kind: 'silence', reason: 'r', ends_at: new Date(Date.now() + 86400_000), actor_id: mod.id }).returning('id').executeTakeFirstOrThrow();
  await ctx.db.updateTable('users').set({ silenced_until: new Date(Date.now() + 86400_000) }).where('id', '=', target.id).execute();
  const item = await ctx.db.insertInto('review_items').values({ post_id: reply.id, score: 3 }).returning('id').executeTakeFirstOrThrow();
  const queued = await ctx.db.insertInto('queued_posts').values({ user_id: target.id, topic_id: topic.id, body_md: 'Held back', held_reason: 'new_user' }).returning('id').executeTakeFirstOrThrow();
  const badge = await ctx.db.selectFrom('badges').select('id').orderBy('id').executeTakeFirst();
  const scheduled = await ctx.db.insertInto('scheduled_topics').values({ user_id: mod.id, category_id: cat.id, title: 'A scheduled announcement', body_md: 'Soon.', publish_at: new Date(Date.now() + 86400_000) }).returning('id').executeTakeFirstOrThrow();
  ids = { target: target.id, sanction: sanction.id, topic: topic.id, post: reply.id, item: item.id, queued: queued.id, category: cat.id, badge: badge?.id ?? 1, scheduled: scheduled.id };
  BODY.category_id = String(cat.id);
  BODY.into = String(topic.id);
  BODY.post_ids = String(reply.id);
});
afterAll(async () => ctx.close());

describe('the route table', () => {
  it('has the moderation and admin routes this test walks', () => {
    const paths = guardedRoutes().map(([m, p]) => `${m} ${p}`);
    for (const r of ['GET /mod/log', 'GET /mod/queue', 'GET /mod/users/:id', 'POST /mod/users/:id/sanctions', 'POST /mod/sanctions/:id/lift', 'POST /mod/t/:id/merge', 'POST /admin/users/:id/role']) {
      expect(paths).toContain(r);
    }
    expect(paths.length).toBeGreaterThan(30);
  });
});

describe.each([
  ['a guest', async () => people.browser(ctx.app)],
  ['a member', async () => people.signedIn(ctx.app, await createUser(ctx.db, { trust_level: 4 }))],
  ['a suspended moderator', async () => people.withSession(ctx.app, ctx.db, await createUser(ctx.db, { role: 'moderator', suspended_until: new Date(Date.now() + 86400_000) }))],
  ['a suspended admin', async () => people.withSession(ctx.app, ctx.db, await createUser(ctx.db, { role: 'admin', suspended_until: new Date(Date.now() + 86400_000) }))],
])('%s', (_who, makeClient) => {
  let client: Client;
  beforeAll(async () => {
    client = await makeClient();
  });

  it('gets 404 from every /mod and /admin route, and a POST changes nothing', async () => {
    const before = await fingerprint();
    const answered: string[] = [];
    for (const [method, path] of guardedRoutes()) {
      const url = fill(path);
      const res = method === 'GET' ? await client.get(url) : await client.post(url, BODY);
      answered.push(`${method} ${url} → ${res.statusCode}`);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      if (method !== 'GET') expect(await fingerprint(), `${method} ${url} changed something`).toBe(before);
    }
    expect(answered.length).toBeGreaterThan(30);
  });
});

describe('the same walk as the right person (the walk can tell the difference)', () => {
  it('a moderator reaches every /mod GET route; an admin every /admin GET route', async () => {
    const modClient = await people.signedIn(ctx.app, await createUser(ctx.db, { role: 'moderator' }));
    const adminClient = await people.signedIn(ctx.app, await createUser(ctx.db, { role: 'admin' }));
    for (const [method, path] of guardedRoutes().filter(([m]) => m === 'GET')) {
      const c = path.startsWith('/mod') ? modClient : adminClient;
      const res = await c.get(fill(path));
      expect(res.statusCode, `${method} ${fill(path)}`).toBeLessThan(400);
    }
    // And the fingerprint sees a real change.
    const before = await fingerprint();
    expect((await modClient.post(fill('/mod/t/:id/lock'), BODY)).statusCode).toBe(303);
    expect(await fingerprint()).not.toBe(before);
  });
});
