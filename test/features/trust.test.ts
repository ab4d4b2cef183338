import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { DEFAULT_TRUST_LEVELS, updateTrustLevelSettings } from '../../server/features/settings/settings.js';
import { checkTrustLevels, runTrustLevelJob, throttledTrustCheck } from '../../server/features/trust/trust.service.js';
import { type Job, runJobOnce, startJobs } from '../../server/jobs/runner.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { dom } from '../helpers/html.js';
import * as people from '../helpers/people.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';

let ctx: TestContext;
let category: Category;
let author: User;
const engine = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';

beforeAll(async () => {
  ctx = await createTestApp();
  // Flushes in this file happen only when a test asks (the timer would otherwise flush every few seconds).
  await ctx.app.activity.stop();
  category = await createCategory(ctx.db);
  author = await createUser(ctx.db);
});
afterAll(async () => ctx.close());

/** A topic with `replies` replies (so its last post number is replies + 1). */
async function topicWith(replies: number) {
  const { topic } = await createTopic(ctx.db, author, category);
  for (let i = 0; i < replies; i++) await createReply(ctx.db, author, topic.id, `Reply ${i + 1}.`);
  return topic;
}

const stats = (userId: number) => ctx.db.selectFrom('user_stats').selectAll().where('user_id', '=', userId).executeTakeFirst();
const reads = (userId: number) =>
  ctx.db.selectFrom('topic_reads').select(['topic_id', 'last_read_post_number']).where('user_id', '=', userId).orderBy('topic_id').execute();
const level = async (userId: number) =>
  ctx.db.selectFrom('users').select(['trust_level', 'trust_level_locked']).where('id', '=', userId).executeTakeFirstOrThrow();

/** Activity that meets TL2 (and so TL1), written straight into the tables. */
async function seedTl2Activity(user: User) {
  await ctx.db.insertInto('user_stats').values({ user_id: user.id, topics_entered: 20, posts_read: 100, time_read_seconds: 3600, days_visited: 15, updated_at: new Date() }).execute();
  const giver = await createUser(ctx.db);
  const topics = await Promise.all([topicWith(0), topicWith(0), topicWith(0)]);
  const replies = [];
  for (const t of topics) replies.push(await createReply(ctx.db, user, t.id, 'My reply.'));
  await ctx.db.insertInto('reactions').values({ post_id: replies[0]!.id, user_id: giver.id, kind: 'heart', weight: 1 }).execute();
  const { post } = await createTopic(ctx.db, giver, category);
  await ctx.db.insertInto('reactions').values({ post_id: post.id, user_id: user.id, kind: 'heart', weight: 1 }).execute();
}

describe('reading activity', () => {
  it('many page views write nothing until one flush, which leaves exact counters', async () => {
    const reader = await createUser(ctx.db, { trust_level: 0 });
    const c = await people.signedIn(ctx.app, reader);
    const t = await topicWith(3);
    for (let i = 0; i < 10; i++) expect((await c.get(`/t/${t.id}/${t.slug}`)).statusCode).toBe(200);
    // Guests are not recorded.
    await people.browser(ctx.app).get(`/t/${t.id}/${t.slug}`);
    expect(ctx.app.activity.size).toBe(1);
    expect(await reads(reader.id)).toEqual([]);
    expect(await stats(reader.id)).toBeUndefined();

    expect(await ctx.app.activity.flush()).toEqual([reader.id]);
    expect(ctx.app.activity.size).toBe(0);
    expect(await reads(reader.id)).toEqual([{ topic_id: t.id, last_read_post_number: 4 }]);
    expect(await stats(reader.id)).toMatchObject({ topics_entered: 1, posts_read: 4, days_visited: 1 });
    expect(await ctx.db.selectFrom('user_visits').select('user_id').where('user_id', '=', reader.id).execute()).toHaveLength(1);

    // Two new replies: reading them adds 2 posts, not another topic; an empty flush changes nothing.
    await createReply(ctx.db, author, t.id);
    await createReply(ctx.db, author, t.id);
    await c.get(`/t/${t.id}`);
    await ctx.app.activity.flush();
    await ctx.app.activity.flush();
    expect(await reads(reader.id)).toEqual([{ topic_id: t.id, last_read_post_number: 6 }]);
    expect(await stats(reader.id)).toMatchObject({ topics_entered: 1, posts_read: 6, days_visited: 1 });
  });

  it('two app instances on one database flush into the same counters, whatever the order', async () => {
    const other = await ctx.another();
    await other.activity.stop();
    const reader = await createUser(ctx.db);
    const a = await people.signedIn(ctx.app, reader);
    const b = await people.signedIn(other, reader);
    const t = await topicWith(3);
    const u = await topicWith(1);
    await a.get(`/t/${t.id}`);
    await createReply(ctx.db, author, t.id);
    await createReply(ctx.db, author, t.id);
    await b.get(`/t/${t.id}`);
    await b.get(`/t/${u.id}`);
    await a.get(`/t/${u.id}`);
    await Promise.all([ctx.app.activity.flush(), other.activity.flush()]);
    expect(await reads(reader.id)).toEqual([
      { topic_id: t.id, last_read_post_number: 6 },
      { topic_id: u.id, last_read_post_number: 2 },
    ]);
    expect(await stats(reader.id)).toMatchObject({ topics_entered: 2, posts_read: 8, days_visited: 1 });
  });

  it('credits reading time from the gaps between views (capped) and promotes to TL1 at the flush', async () => {
    const reader = await createUser(ctx.db, { trust_level: 0 });
    const start = Date.now();
    // 6 views of 6 topics, 3 minutes apart, each gap credited at most 2 minutes: exactly 10 minutes; 36 posts.
    for (let i = 0; i < 6; i++) ctx.app.activity.recordTopicView(reader.id, (await topicWith(5)).id, 6, new Date(start + i * 180_000));
    await ctx.app.activity.flush();
    expect(await stats(reader.id)).toMatchObject({ topics_entered: 6, posts_read: 36, time_read_seconds: 600 });
    expect((await level(reader.id)).trust_level).toBe(1);
  });

  it('does not promote a locked level at the flush', async () => {
    const reader = await createUser(ctx.db, { trust_level: 0 });
    await ctx.db.updateTable('users').set({ trust_level_locked: true }).where('id', '=', reader.id).execute();
    const start = Date.now();
    for (let i = 0; i < 6; i++) ctx.app.activity.recordTopicView(reader.id, (await topicWith(5)).id, 6, new Date(start + i * 180_000));
    await ctx.app.activity.flush();
    expect(await level(reader.id)).toEqual({ trust_level: 0, trust_level_locked: true });
  });
});

describe('the check after a flush', () => {
  it('reads no history for a level the rules never change (TL4, or locked): one statement, no change', async () => {
    let statements = 0;
    const counting = ctx.db.withPlugin({
      transformQuery: (args) => {
        statements += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const leader = await createUser(ctx.db, { trust_level: 4 });
    const locked = await createUser(ctx.db, { trust_level: 0 });
    await ctx.db.updateTable('users').set({ trust_level_locked: true }).where('id', '=', locked.id).execute();
    expect(await checkTrustLevels(counting, [leader.id, locked.id])).toEqual([]);
    expect(statements).toBe(1);
    const reader = await createUser(ctx.db, { trust_level: 0 });
    statements = 0;
    await checkTrustLevels(counting, [reader.id]);
    expect(statements).toBeGreaterThan(2);
  });

  it('runs at most once per interval per reader, so an active reader does not re-read their history every flush', async () => {
    let now = Date.now();
    const check = throttledTrustCheck(ctx.db, 600_000, () => now);
    const reader = await createUser(ctx.db, { trust_level: 0 });
    const lock = (locked: boolean) => ctx.db.updateTable('users').set({ trust_level_locked: locked }).where('id', '=', reader.id).execute();
    // Eligible for TL1 (10 minutes of reading over 6 topics), but locked at the first check.
    const start = Date.now();
    for (let i = 0; i < 6; i++) ctx.app.activity.recordTopicView(reader.id, (await topicWith(5)).id, 6, new Date(start + i * 180_000));
    await lock(true);
    await ctx.app.activity.flush();
    expect(await check([reader.id])).toEqual([]);
    await lock(false);
    // Within the interval nothing is read again; after it, the next check promotes.
    now += 599_000;
    expect(await check([reader.id])).toEqual([]);
    expect((await level(reader.id)).trust_level).toBe(0);
    now += 2_000;
    expect(await check([reader.id])).toEqual([{ user_id: reader.id, from: 0, to: 1 }]);
    expect((await level(reader.id)).trust_level).toBe(1);
  });
});

describe('the trust-level job', () => {
  it('promotes TL1 to TL2 on TL2 activity (reactions, replies in 3 topics, visits)', async () => {
    const user = await createUser(ctx.db, { trust_level: 1 });
    await seedTl2Activity(user);
    const changes = await runTrustLevelJob(ctx.db);
    expect(changes).toContainEqual({ user_id: user.id, from: 1, to: 2 });
    expect((await level(user.id)).trust_level).toBe(2);
  });

  it('promotes to TL3 on sustained recent activity (thresholds from settings), unless too many posts were hidden', async () => {
    const easy = structuredClone(DEFAULT_TRUST_LEVELS) as typeof DEFAULT_TRUST_LEVELS;
    Object.assign(easy.tl3, { days_visited_pct: 1, replied_topics: 1, topics_read_pct: 0, posts_read_pct: 0, reactions_given: 0, reactions_received: 0, max_posts_hidden: 0 });
    await updateTrustLevelSettings(ctx.db, easy);
    try {
      const good = await createUser(ctx.db, { trust_level: 2 });
      const flagged = await createUser(ctx.db, { trust_level: 2 });
      const t = await topicWith(0);
      for (const u of [good, flagged]) {
        await ctx.db.insertInto('user_stats').values({ user_id: u.id, updated_at: new Date() }).execute();
        await ctx.db.insertInto('user_visits').values({ user_id: u.id, day: new Date().toISOString().slice(0, 10) }).execute();
        await createReply(ctx.db, u, t.id);
      }
      const hidden = await createReply(ctx.db, flagged, t.id);
      await ctx.db.updateTable('posts').set({ hidden_at: new Date(), hidden_reason: 'spam' }).where('id', '=', hidden.id).execute();
      await runTrustLevelJob(ctx.db);
      expect((await level(good.id)).trust_level).toBe(3);
      expect((await level(flagged.id)).trust_level).toBe(2);
    } finally {
      await updateTrustLevelSettings(ctx.db, DEFAULT_TRUST_LEVELS);
    }
  });

  it('demotes a lapsed TL3 after the grace period, never TL4 nor a locked level', async () => {
    const longAgo = new Date(Date.now() - 30 * 86400_000);
    const lapsed = await createUser(ctx.db, { trust_level: 3 });
    const fresh = await createUser(ctx.db, { trust_level: 3 });
    const leader = await createUser(ctx.db, { trust_level: 4 });
    const locked = await createUser(ctx.db, { trust_level: 3 });
    await ctx.db.updateTable('users').set({ trust_level_changed_at: longAgo }).where('id', 'in', [lapsed.id, leader.id, locked.id]).execute();
    await ctx.db.updateTable('users').set({ trust_level_changed_at: new Date() }).where('id', '=', fresh.id).execute();
    await ctx.db.updateTable('users').set({ trust_level_locked: true }).where('id', '=', locked.id).execute();
    await runTrustLevelJob(ctx.db);
    expect((await level(lapsed.id)).trust_level).toBe(2);
    expect((await level(fresh.id)).trust_level).toBe(3);
    expect((await level(leader.id)).trust_level).toBe(4);
    expect((await level(locked.id)).trust_level).toBe(3);
  });
});

describe('POST /admin/users/:id/trust', () => {
  it('lets an admin set and lock a level, which the job then respects; unlocking lets the rules act again', async () => {
    const admin = await createUser(ctx.db, { role: 'admin' });
    const user = await createUser(ctx.db, { trust_level: 1 });
    await seedTl2Activity(user);
    const c = await people.signedIn(ctx.app, admin);
    const page = dom((await c.get('/admin/users')).body);
    expect(page.querySelector(`#trust-form-${user.id} select[name="trust_level"]`)).not.toBeNull();

    const res = await c.post(`/admin/users/${user.id}/trust`, { trust_level: '1', locked: '1' });
    expect(res.statusCode).toBe(303);
    expect(await level(user.id)).toEqual({ trust_level: 1, trust_level_locked: true });
    const box = dom((await c.get('/admin/users')).body).querySelector(`#trust-form-${user.id} input[name="locked"]`);
    expect(box?.hasAttribute('checked')).toBe(true);
    await runTrustLevelJob(ctx.db);
    expect(await level(user.id)).toEqual({ trust_level: 1, trust_level_locked: true });

    await c.post(`/admin/users/${user.id}/trust`, { trust_level: '1' });
    expect(await level(user.id)).toEqual({ trust_level: 1, trust_level_locked: false });
    await runTrustLevelJob(ctx.db);
    expect((await level(user.id)).trust_level).toBe(2);

    // TL4 only by staff; an out-of-range level is refused.
    await c.post(`/admin/users/${user.id}/trust`, { trust_level: '4' });
    expect((await level(user.id)).trust_level).toBe(4);
    expect((await c.post(`/admin/users/${user.id}/trust`, { trust_level: '5' })).statusCode).toBe(400);
    expect((await c.post('/admin/users/99999999/trust', { trust_level: '2' })).statusCode).toBe(404);
    // Like roles, not one's own (and no form for it on one's own row).
    expect(dom((await c.get('/admin/users')).body).querySelector(`#trust-form-${admin.id}`)).toBeNull();
    expect((await c.post(`/admin/users/${admin.id}/trust`, { trust_level: '0' })).statusCode).toBe(403);
    expect((await level(admin.id)).trust_level).toBe(1);
    expect((await level(user.id)).trust_level).toBe(4);
  });

  it('does not exist (404) for a guest, a member, a moderator, staff, or a suspended admin', async () => {
    const target = await createUser(ctx.db, { trust_level: 1 });
    const personas: [string, User | null][] = [
      ['guest', null],
      ['member', await createUser(ctx.db, { trust_level: 4 })],
      ['moderator', await createUser(ctx.db, { role: 'moderator' })],
      ['staff', await createUser(ctx.db, { role: 'staff' })],
      ['suspended admin', await createUser(ctx.db, { role: 'admin', suspended_until: new Date(Date.now() + 86400_000) })],
    ];
    for (const [who, user] of personas) {
      const c = !user ? people.browser(ctx.app) : user.suspended_until ? await people.withSession(ctx.app, ctx.db, user) : await people.signedIn(ctx.app, user);
      if (!c.csrf) await c.get('/login');
      const res = await c.post(`/admin/users/${target.id}/trust`, { trust_level: '4', locked: '1' });
      expect(res.statusCode, who).toBe(404);
    }
    expect(await level(target.id)).toEqual({ trust_level: 1, trust_level_locked: false });
  });
});

describe('job runner', () => {
  const counting = (name: string, intervalMs = 60_000) => {
    const job = { name, intervalMs, runs: 0, run: async () => void job.runs++ } satisfies Job & { runs: number };
    return job;
  };

  it('runs a job once per interval across instances (job_runs), unless forced', async () => {
    const job = counting('test-once');
    expect(await runJobOnce(ctx.db, engine, job)).toBe(true);
    expect(await runJobOnce(ctx.db, engine, job)).toBe(false);
    expect(await runJobOnce(ctx.db, engine, job, { force: true })).toBe(true);
    expect(job.runs).toBe(2);
    expect(await ctx.db.selectFrom('job_runs').select(['finished_at', 'error']).where('name', '=', 'test-once').executeTakeFirst()).toMatchObject({ error: null });
  });

  it.runIf(engine === 'postgres')('on PostgreSQL skips a run while another instance holds the job lock', async () => {
    const job = counting('test-locked');
    await ctx.db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(hashtext('veche.jobs'), hashtext('test-locked'))`.execute(conn);
      try {
        expect(await runJobOnce(ctx.db, engine, job, { force: true })).toBe(false);
      } finally {
        await sql`select pg_advisory_unlock(hashtext('veche.jobs'), hashtext('test-locked'))`.execute(conn);
      }
    });
    expect(job.runs).toBe(0);
    expect(await runJobOnce(ctx.db, engine, job, { force: true })).toBe(true);
    expect(job.runs).toBe(1);
  });

  it('records a failing run and rethrows', async () => {
    const job: Job = { name: 'test-fails', intervalMs: 60_000, run: async () => { throw new Error('boom'); } };
    await expect(runJobOnce(ctx.db, engine, job)).rejects.toThrow('boom');
    expect((await ctx.db.selectFrom('job_runs').select('error').where('name', '=', 'test-fails').executeTakeFirstOrThrow()).error).toBe('boom');
  });

  it('startJobs runs registered timers and stop() waits for them', async () => {
    const job = counting('test-timer', 1000);
    const runner = startJobs({ db: ctx.db, engine, log: { warn: () => {} }, jobs: [job] });
    await new Promise((r) => setTimeout(r, 1300));
    await runner.stop();
    expect(job.runs).toBe(1);
  });
});
