import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { notify } from '../../server/features/notifications/notifications.service.js';
import { LiveHub, type LiveUpdate } from '../../server/live/hub.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import type { Client } from '../helpers/client.js';
import * as people from '../helpers/people.js';
import { cookieOf, databaseUrlOf, openStream, sleep, type Stream } from '../helpers/sse.js';

let ctx: TestContext;
/** Instance A: where the browsers listen. Instance B: where things happen. Same database, separate hubs. */
let a: FastifyInstance;
let b: FastifyInstance;
let baseA: string;
let asker: User;
let qa: Category;

/** The database URL the test apps talk to (on PostgreSQL each test file gets its own database), or null on PGlite. */
const databaseUrl = () => databaseUrlOf(ctx.db, ctx.config.databaseUrl);

/** Opens GET path on instance A with the client's cookies and reads events as they come. */
const open = (c: Client | null, path = '/notifications/stream', headers: Record<string, string> = {}) => openStream(baseA, c, path, headers);

/** The bell counts a stream has received, in order. */
const unreadOf = (s: Stream) => s.events.map((e) => Number(e.data.unread));

/** A notification for `user` made through instance B over HTTP: the asker accepts the user's answer there. */
async function acceptAnswerOnB(user: User): Promise<void> {
  const { topic } = await createTopic(ctx.db, asker, qa);
  const reply = await createReply(ctx.db, user, topic.id, 'Try turning it off and on again.');
  const onB = await people.signedIn(b, asker);
  expect((await onB.post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);
}

async function unreadInDb(user: User): Promise<number> {
  const { n } = await ctx.db.selectFrom('notifications').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', user.id).where('read_at', 'is', null).executeTakeFirstOrThrow();
  return Number(n);
}

beforeAll(async () => {
  ctx = await createTestApp();
  const url = await databaseUrl();
  a = await ctx.another({ databaseUrl: url });
  b = await ctx.another({ databaseUrl: url });
  await a.listen({ port: 0, host: '127.0.0.1' });
  baseA = `http://127.0.0.1:${(a.server.address() as AddressInfo).port}`;
  asker = await createUser(ctx.db);
  qa = await createCategory(ctx.db, { kind: 'questions' });
});
afterAll(async () => ctx.close());

describe('live notifications over Server-Sent Events', () => {
  it('listens on this engine: PostgreSQL through its own client, PGlite through its listen API', () => {
    expect(a.live.mode).toBe(process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite');
  });

  it('a notification created on instance B reaches the user connected to instance A, with the new count, unbuffered', async () => {
    const member = await createUser(ctx.db);
    const c = await people.signedIn(a, member);
    const s = await open(c, '/notifications/stream', { 'accept-encoding': 'gzip, br' });
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(s.headers['cache-control']).toBe('no-store');
    expect(s.headers['x-accel-buffering']).toBe('no');
    expect(s.headers['content-encoding']).toBeUndefined();
    // The count as of connecting comes first.
    await s.waitFor((x) => x.events.length === 1);
    expect(s.events[0]).toEqual({ event: 'notification', data: { unread: 0, text: '0', label: 'Notifications' } });

    await acceptAnswerOnB(member);
    // The accepted answer is announced (badges it earns are granted after commit by a statement of their own).
    await s.waitFor((x) => (unreadOf(x).at(-1) ?? 0) >= 1);
    const n = s.events.at(-1)!.data.unread;
    expect(n).toBeLessThanOrEqual(await unreadInDb(member));
    expect(s.events.at(-1)!.data).toEqual({ unread: n, text: String(n), label: n === 1 ? 'Notifications: 1 unread' : `Notifications: ${n} unread` });
    s.close();
  });

  it('the same stream answers at /events; a guest gets 401 on both', async () => {
    const member = await createUser(ctx.db);
    const s = await open(await people.signedIn(a, member), '/events');
    expect(s.status).toBe(200);
    await s.waitFor((x) => x.events.length === 1);
    s.close();
    for (const path of ['/events', '/notifications/stream']) {
      const g = await open(null, path);
      expect(g.status).toBe(401);
      expect(g.headers['content-type'] ?? '').not.toContain('event-stream');
      await g.waitFor((x) => x.ended);
    }
    // The client script is only sent to signed-in viewers.
    expect((await people.browser(a).get('/')).body).not.toContain('/static/js/live.js');
    expect((await (await people.signedIn(a, member)).get('/')).body).toContain('<script src="/static/js/live.js" defer></script>');
    expect((await people.browser(a).get('/static/js/live.js')).statusCode).toBe(200);
  });

  it('an event for user X never reaches user Y, even with both connected to the same instance', async () => {
    const x = await createUser(ctx.db);
    const y = await createUser(ctx.db);
    // X starts with 20 unread, so any count Y could ever be shown (at most a handful) is told apart from X's.
    await ctx.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 20; i += 1) await notify(trx, { userId: x.id, kind: 'badge_granted', data: {} });
    });
    const sx = await open(await people.signedIn(a, x));
    const sy = await open(await people.signedIn(a, y));
    await sx.waitFor((s) => s.events.length === 1);
    await sy.waitFor((s) => s.events.length === 1);
    expect(unreadOf(sx)).toEqual([20]);

    await acceptAnswerOnB(x);
    await sx.waitFor((s) => (unreadOf(s).at(-1) ?? 0) > 20);
    await sleep(300);
    expect(unreadOf(sy)).toEqual([0]);

    // Y's own notification does arrive, with Y's count, and nothing of Y's reaches X.
    await acceptAnswerOnB(y);
    await sy.waitFor((s) => (unreadOf(s).at(-1) ?? 0) >= 1);
    await sleep(300);
    expect(unreadOf(sy).every((n) => n < 20)).toBe(true);
    expect(unreadOf(sx).every((n) => n >= 20)).toBe(true);
    sx.close();
    sy.close();
  });

  it('only a committed notification is announced: a rolled-back one tells nobody', async () => {
    const member = await createUser(ctx.db);
    const s = await open(await people.signedIn(a, member));
    await s.waitFor((x) => x.events.length === 1);
    await ctx.db
      .transaction()
      .execute(async (trx) => {
        await notify(trx, { userId: member.id, kind: 'badge_granted', data: {} });
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    await sleep(300);
    expect(unreadOf(s)).toEqual([0]);
    await ctx.db.transaction().execute((trx) => notify(trx, { userId: member.id, kind: 'badge_granted', data: {} }));
    await s.waitFor((x) => unreadOf(x).at(-1) === 1);
    s.close();
  });

  it('a user may hold 5 streams; the 6th is refused with 429, and a closed one frees its place', async () => {
    const member = await createUser(ctx.db);
    const c = await people.signedIn(a, member);
    const streams = [];
    for (let i = 0; i < 5; i += 1) streams.push(await open(c));
    for (const s of streams) expect(s.status).toBe(200);
    const sixth = await open(c);
    expect(sixth.status).toBe(429);
    expect(sixth.headers['retry-after']).toBe('30');
    // Another user is not affected by this one's limit.
    const other = await open(await people.signedIn(a, await createUser(ctx.db)));
    expect(other.status).toBe(200);
    other.close();

    streams[0]!.close();
    for (let i = 0; i < 100 && a.live.connections(member.id) > 4; i += 1) await sleep(20);
    expect(a.live.connections(member.id)).toBe(4);
    // The lease is given back when the stream closes (asynchronously).
    let again = await open(c);
    for (let i = 0; i < 50 && again.status === 429; i += 1) {
      await sleep(20);
      again = await open(c);
    }
    expect(again.status).toBe(200);
    for (const s of [again, ...streams.slice(1)]) s.close();
  });

  it('keeps streams alive with heartbeats and ends them all when the instance stops', async () => {
    const member = await createUser(ctx.db);
    const hub = new LiveHub(ctx.db, { databaseUrl: await databaseUrl(), heartbeatMs: 30, log: ctx.app.log });
    await hub.start();
    const got: (LiveUpdate | 'ping' | 'end')[] = [];
    const remove = hub.add(member.id, { send: (u) => got.push(u), ping: () => got.push('ping'), end: () => got.push('end') });
    expect(remove).not.toBeNull();
    await sleep(120);
    expect(got.filter((g) => g === 'ping').length).toBeGreaterThanOrEqual(2);
    // A notification reaches this hub too (every instance listens), then stopping ends the stream.
    await ctx.db.transaction().execute((trx) => notify(trx, { userId: member.id, kind: 'badge_granted', data: {} }));
    for (let i = 0; i < 100 && !got.some((g) => typeof g === 'object'); i += 1) await sleep(20);
    expect(got.find((g) => typeof g === 'object')).toEqual({ kind: 'notification', unread: 1 });
    await hub.stop();
    expect(got.at(-1)).toBe('end');
    expect(hub.connections(member.id)).toBe(0);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('on PostgreSQL, a lost listening connection is re-established and the stream resynced', async () => {
    const member = await createUser(ctx.db);
    const s = await open(await people.signedIn(a, member));
    await s.waitFor((x) => x.events.length === 1);
    // Kill every listener of this test database (each instance's dedicated client).
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'veche-live' and datname = current_database()`.execute(ctx.db);
    // A notification while A is away: the reconnect resends the count.
    await ctx.db.transaction().execute((trx) => notify(trx, { userId: member.id, kind: 'badge_granted', data: {} }));
    await s.waitFor((x) => unreadOf(x).at(-1) === 1, 8000);
    // And new ones are heard again.
    await ctx.db.transaction().execute((trx) => notify(trx, { userId: member.id, kind: 'badge_granted', data: {} }));
    await s.waitFor((x) => unreadOf(x).at(-1) === 2, 8000);
    expect(a.live.mode).toBe('postgres');
    s.close();
  });

  it('closing an instance ends its open streams instead of hanging', async () => {
    const c = await ctx.another({ databaseUrl: await databaseUrl() });
    await c.listen({ port: 0, host: '127.0.0.1' });
    const member = await createUser(ctx.db);
    const client = await people.signedIn(c, member);
    const port = (c.server.address() as AddressInfo).port;
    const ended = new Promise<void>((resolve) => {
      http.get(`http://127.0.0.1:${port}/notifications/stream`, { headers: { cookie: cookieOf(client) } }, (res) => {
        res.resume();
        res.on('end', resolve);
        res.on('close', resolve);
      });
    });
    for (let i = 0; i < 100 && c.live.connections(member.id) === 0; i += 1) await sleep(20);
    expect(c.live.connections(member.id)).toBe(1);
    await c.close();
    await ended;
  });
});
