import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../server/db/types.js';
import { hashToken } from '../../server/lib/crypto.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { Client, DEFAULT_PASSWORD } from '../helpers/client.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import * as people from '../helpers/people.js';
import { databaseUrlOf, listen, openStream, sleep, type Stream, until } from '../helpers/sse.js';

let ctx: TestContext;
let a: FastifyInstance;
let b: FastifyInstance;
let baseA: string;
let baseB: string;

const leasesOf = async (user: User) =>
  Number((await ctx.db.selectFrom('stream_leases').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', user.id).executeTakeFirstOrThrow()).n);

/** Opens a stream and waits for its first event (the bell), so the server has registered it. */
async function opened(base: string, c: Client): Promise<Stream> {
  const s = await openStream(base, c);
  if (s.status === 200) await s.waitFor((x) => x.events.length >= 1);
  return s;
}

beforeAll(async () => {
  ctx = await createTestApp();
  const url = await databaseUrlOf(ctx.db, ctx.config.databaseUrl);
  a = await ctx.another({ databaseUrl: url });
  b = await ctx.another({ databaseUrl: url });
  baseA = await listen(a);
  baseB = await listen(b);
});
afterAll(async () => ctx.close());

describe('open streams per user, across instances', () => {
  it('5 streams in total over two instances; the 6th on either is refused with 429 and a clear message', async () => {
    const member = await createUser(ctx.db);
    const ca = await people.signedIn(a, member);
    const streams = [await opened(baseA, ca), await opened(baseA, ca), await opened(baseA, ca), await opened(baseB, ca), await opened(baseB, ca)];
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await leasesOf(member)).toBe(5);
    for (const base of [baseA, baseB]) {
      const refused = await openStream(base, ca);
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('30');
      expect(refused.headers['content-type']).toBe('text/plain; charset=utf-8');
      await refused.waitFor((x) => x.ended);
      expect(refused.body).toBe('Live updates are already on in 5 of your windows. Close one of them and this page will catch up by itself in a minute or two.');
    }
    // Someone else is not affected.
    const other = await opened(baseB, await people.signedIn(b, await createUser(ctx.db)));
    expect(other.status).toBe(200);
    other.close();

    // Closing one on B frees a place on A.
    streams[4]!.close();
    await until(async () => (await leasesOf(member)) === 4);
    const again = await opened(baseA, ca);
    expect(again.status).toBe(200);
    for (const s of [again, ...streams]) s.close();
    await until(async () => (await leasesOf(member)) === 0);
  });

  it('parallel opens through both instances cannot overshoot the limit', async () => {
    const member = await createUser(ctx.db);
    const c = await people.signedIn(a, member);
    const all = await Promise.all(Array.from({ length: 9 }, (_, i) => openStream(i % 2 ? baseA : baseB, c)));
    expect(all.filter((s) => s.status === 200)).toHaveLength(5);
    expect(all.filter((s) => s.status === 429)).toHaveLength(4);
    expect(await leasesOf(member)).toBe(5);
    for (const s of all) s.close();
  });

  it('leases left by a crashed instance stop counting once they expire; live ones are renewed by the instance’s check', async () => {
    const member = await createUser(ctx.db);
    const c = await people.signedIn(a, member);
    // A vanished instance left 5 leases: refused until they expire.
    await ctx.db.insertInto('stream_leases').values(Array.from({ length: 5 }, () => ({ user_id: member.id, instance: 'gone', expires_at: sql<Date>`now() + interval '1 minute'` }))).execute();
    expect((await openStream(baseA, c)).status).toBe(429);
    await ctx.db.updateTable('stream_leases').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('instance', '=', 'gone').execute();
    const s = await opened(baseA, c);
    expect(s.status).toBe(200);
    const rows = await ctx.db.selectFrom('stream_leases').selectAll().where('user_id', '=', member.id).execute();
    expect(rows.map((r) => r.instance)).toEqual([a.live.instance]);

    // The periodic check (one statement for the instance) moves its leases' expiry forward.
    await ctx.db.updateTable('stream_leases').set({ expires_at: sql<Date>`now() + interval '5 seconds'` }).where('user_id', '=', member.id).execute();
    await a.live.check();
    const renewed = await ctx.db.selectFrom('stream_leases').select(sql<number>`extract(epoch from expires_at - now())::int`.as('left')).where('user_id', '=', member.id).executeTakeFirstOrThrow();
    expect(renewed.left).toBeGreaterThan(60);

    // A lease that vanished meanwhile (cleared as expired while the instance stalled) ends its stream.
    await ctx.db.deleteFrom('stream_leases').where('user_id', '=', member.id).execute();
    await a.live.check();
    await s.waitFor((x) => x.ended);
    expect(a.live.connections(member.id)).toBe(0);
  });

  it('a guest gets 401 and takes no lease', async () => {
    const before = Number((await ctx.db.selectFrom('stream_leases').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect((await openStream(baseA, null)).status).toBe(401);
    const after = Number((await ctx.db.selectFrom('stream_leases').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect(after).toBe(before);
  });

  it('an instance that stops releases its leases', async () => {
    const c3 = await ctx.another({ databaseUrl: await databaseUrlOf(ctx.db, ctx.config.databaseUrl) });
    const base = await listen(c3);
    const member = await createUser(ctx.db);
    const s = await opened(base, await people.signedIn(c3, member));
    expect(await leasesOf(member)).toBe(1);
    await c3.close();
    await s.waitFor((x) => x.ended);
    expect(await leasesOf(member)).toBe(0);
  });
});

describe('open streams end with their session', () => {
  it('logging out through instance B ends that session’s stream on A at once; the user’s other session keeps its stream', async () => {
    const member = await createUser(ctx.db);
    const phone = await people.signedIn(a, member);
    const laptop = await people.signedIn(a, member);
    const sp = await opened(baseA, phone);
    const sl = await opened(baseA, laptop);
    // Someone else logging out changes nothing for this member.
    const stranger = await people.signedIn(b, await createUser(ctx.db));
    await stranger.post('/logout');

    const onB = new Client(b, 'en', people.nextIp());
    onB.cookies = new Map(phone.cookies);
    await onB.get('/');
    expect((await onB.post('/logout')).statusCode).toBe(303);
    await sp.waitFor((x) => x.ended, 3000);
    await sleep(200);
    expect(sl.ended).toBe(false);
    expect(a.live.connections(member.id)).toBe(1);
    await until(async () => (await leasesOf(member)) === 1);
    sl.close();
  });

  it('a password change ends the streams of every other session; a suspension ends them all', async () => {
    const member = await createUser(ctx.db);
    const here = await people.signedIn(a, member);
    const elsewhere = await people.signedIn(a, member);
    const sHere = await opened(baseA, here);
    const sElse = await opened(baseA, elsewhere);
    const res = await here.post('/settings/password', { current_password: DEFAULT_PASSWORD, new_password: 'a much newer passphrase', confirm_password: 'a much newer passphrase' });
    expect(res.statusCode).toBe(303);
    await sElse.waitFor((x) => x.ended, 3000);
    // The browser that changed it got a new session too (the old token is gone), so its old stream ends as well;
    // it reconnects with the new cookie.
    await sHere.waitFor((x) => x.ended, 3000);
    const fresh = await opened(baseA, here);
    expect(fresh.status).toBe(200);

    const mod = await people.signedIn(b, await createUser(ctx.db, { role: 'moderator' }));
    expect((await mod.post(`/mod/users/${member.id}/sanctions`, { kind: 'suspend', duration: '24', reason: 'Spam' })).statusCode).toBe(303);
    await fresh.waitFor((x) => x.ended, 3000);
    expect(a.live.connections(member.id)).toBe(0);
    // And the suspended member cannot open another.
    expect((await openStream(baseA, here)).status).toBe(401);
  });

  it('the periodic check ends a stream whose session expired or whose user was suspended without a session change', async () => {
    const member = await createUser(ctx.db);
    const c = await people.signedIn(a, member);
    const s = await opened(baseA, c);
    const other = await createUser(ctx.db);
    const so = await opened(baseA, await people.signedIn(a, other));
    // Expiry passes without any delete (no event): only the check notices.
    const token = c.cookies.get('veche_session')!;
    await ctx.db.updateTable('sessions').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('token_hash', '=', hashToken(token)).execute();
    await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 3600_000) }).where('id', '=', other.id).execute();
    await sleep(100);
    expect(s.ended).toBe(false);
    await a.live.check();
    await s.waitFor((x) => x.ended);
    await so.waitFor((x) => x.ended);
    expect(a.live.connections(member.id) + a.live.connections(other.id)).toBe(0);
  });

  it('the check keeps valid streams open and learns role changes (a member made moderator hears a staff-only topic)', async () => {
    const member = await createUser(ctx.db);
    // Staff write: after the move only staff can reply there.
    const author = await createUser(ctx.db, { role: 'staff' });
    const { topic } = await createTopic(ctx.db, author, await createCategory(ctx.db));
    const s = await openStream(baseA, await people.signedIn(a, member), `/notifications/stream?topic=${topic.id}`);
    await s.waitFor((x) => x.events.length === 1);
    await ctx.db.updateTable('topics').set({ category_id: (await createCategory(ctx.db, { read_access: 'staff' })).id }).where('id', '=', topic.id).execute();
    await createReply(ctx.db, author, topic.id, 'Not for members');
    await sleep(200);
    expect(s.events.filter((e) => e.event === 'post')).toEqual([]);
    await ctx.db.updateTable('users').set({ role: 'moderator' }).where('id', '=', member.id).execute();
    await a.live.check();
    await sleep(50);
    expect(s.ended).toBe(false);
    const reply = await createReply(ctx.db, author, topic.id, 'Now visible to the new moderator');
    await s.waitFor((x) => x.events.some((e) => e.event === 'post' && e.data.post === reply.id));
    s.close();
  });
});
