import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Category, User } from '../../server/db/types.js';
import * as answers from '../../server/features/answers/answers.service.js';
import { BUILTIN_KEYS, THRESHOLDS } from '../../server/features/badges/badges.rules.js';
import { awardAllBadges, awardBadgesFor } from '../../server/features/badges/badges.service.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import type { Client } from '../helpers/client.js';
import { asViewer, createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let admin: User;
let talk: Category;
let qa: Category;

beforeAll(async () => {
  ctx = await createTestApp();
  admin = await createUser(ctx.db, { role: 'admin' });
  talk = await createCategory(ctx.db, { name: 'Lounge', kind: 'discussion' });
  qa = await createCategory(ctx.db, { name: 'Help desk', kind: 'questions' });
}, 60_000);
afterAll(async () => ctx.close());

const signedIn = (user: User): Promise<Client> => people.signedIn(ctx.app, user);

/** Built-in keys (or custom names) of the badges a user holds, with how many rows each (must be 1). */
async function held(user: User): Promise<Record<string, number>> {
  const rows = await ctx.db
    .selectFrom('user_badges')
    .innerJoin('badges', 'badges.id', 'user_badges.badge_id')
    .select(['badges.key', 'badges.name_en'])
    .where('user_badges.user_id', '=', user.id)
    .execute();
  const out: Record<string, number> = {};
  for (const r of rows) out[r.key ?? r.name_en] = (out[r.key ?? r.name_en] ?? 0) + 1;
  return out;
}

async function badgeId(key: string): Promise<number> {
  return (await ctx.db.selectFrom('badges').select('id').where('key', '=', key).executeTakeFirstOrThrow()).id;
}

/** The badge names the profile page lists, in order. */
async function profileBadges(user: User, viewer: Client = people.browser(ctx.app)): Promise<string[]> {
  const res = await viewer.get(`/u/${encodeURIComponent(user.username)}`);
  expect(res.statusCode).toBe(200);
  return [...dom(res.body).querySelectorAll('#profile-badges .badge-chip-name')].map((el) => text(el));
}

/** Reactions inserted directly (the setup); the one that matters goes through HTTP. */
async function reactDirectly(postId: number, users: User[], kind = 'thumbs_up') {
  await ctx.db.insertInto('reactions').values(users.map((u) => ({ post_id: postId, user_id: u.id, kind, weight: 1 }))).execute();
}

async function manyUsers(n: number): Promise<User[]> {
  const out: User[] = [];
  for (let i = 0; i < n; i++) out.push(await createUser(ctx.db));
  return out;
}

describe('built-in badges', () => {
  it('are seeded by the migration, one row per rule in code', async () => {
    const rows = await ctx.db.selectFrom('badges').select('key').where('key', 'is not', null).orderBy('position').execute();
    // Features may award keyed badges from their own code (contests: "Contest winner"); the rest are the rules.
    expect(rows.map((r) => r.key).filter((k) => k !== 'contest_winner')).toEqual(BUILTIN_KEYS);
  });

  it('First post: writing a reply earns it (starting a topic does not), and the profile shows it', async () => {
    const [author, replier] = [await createUser(ctx.db), await createUser(ctx.db)];
    const { topic } = await createTopic(ctx.db, author, talk);
    const c = await signedIn(replier);
    expect((await c.post(`/t/${topic.id}/posts`, { body: 'Welcome aboard, glad to see you here.' })).statusCode).toBe(303);
    expect(await held(replier)).toEqual({ first_post: 1 });
    await awardBadgesFor(ctx.db, [author.id]);
    expect(await held(author)).toEqual({});
    expect(await profileBadges(replier)).toEqual(['First post']);
    const ru = people.browser(ctx.app, people.nextIp(), 'ru');
    expect(await profileBadges(replier, ru)).toEqual(['Первый ответ']);
  });

  it('First reaction: the author earns it when someone reacts to their post', async () => {
    const [author, fan] = [await createUser(ctx.db), await createUser(ctx.db)];
    const { post } = await createTopic(ctx.db, author, talk);
    const c = await signedIn(fan);
    expect((await c.post(`/posts/${post.id}/reactions`, { reaction: 'heart' })).statusCode).toBe(303);
    expect(await held(author)).toEqual({ first_reaction: 1 });
    expect(await held(fan)).toEqual({});
  });

  it(`Popular post: ${THRESHOLDS.popularPost} different people reacting to one post (one person's several kinds count once)`, async () => {
    const author = await createUser(ctx.db);
    const { post } = await createTopic(ctx.db, author, talk);
    const fans = await manyUsers(THRESHOLDS.popularPost);
    await reactDirectly(post.id, fans.slice(0, -1));
    await reactDirectly(post.id, fans.slice(0, 3), 'heart');
    await awardBadgesFor(ctx.db, [author.id]);
    expect(await held(author)).toEqual({ first_reaction: 1 });
    const c = await signedIn(fans.at(-1)!);
    expect((await c.post(`/posts/${post.id}/reactions`, { reaction: 'thumbs_up' }, { htmx: true })).statusCode).toBe(200);
    expect(await held(author)).toEqual({ first_reaction: 1, popular_post: 1 });
    const row = await ctx.db.selectFrom('user_badges').select('post_id').where('user_id', '=', author.id).where('badge_id', '=', await badgeId('popular_post')).executeTakeFirstOrThrow();
    expect(row.post_id).toBe(post.id);
  });

  it(`First accepted answer, Helpful (${THRESHOLDS.helpful}) and Expert (${THRESHOLDS.expert}) count live accepted answers`, async () => {
    const [asker, answerer] = [await createUser(ctx.db), await createUser(ctx.db)];
    const replies: number[] = [];
    for (let i = 0; i < THRESHOLDS.expert; i++) {
      const { topic } = await createTopic(ctx.db, asker, qa);
      replies.push((await createReply(ctx.db, answerer, topic.id, `Try turning it off and on again (${i}).`)).id);
    }
    const asking = await signedIn(asker);
    expect((await asking.post(`/posts/${replies[0]}/accept`)).statusCode).toBe(303);
    expect(await held(answerer)).toMatchObject({ first_accepted: 1 });
    expect(await held(answerer)).not.toHaveProperty('helpful');

    for (const id of replies.slice(1, THRESHOLDS.helpful - 1)) await answers.acceptAnswer(ctx.db, asViewer(asker), id);
    await awardBadgesFor(ctx.db, [answerer.id]);
    expect(await held(answerer)).not.toHaveProperty('helpful');
    expect((await asking.post(`/posts/${replies[THRESHOLDS.helpful - 1]}/accept`)).statusCode).toBe(303);
    expect(await held(answerer)).toMatchObject({ first_accepted: 1, helpful: 1 });

    for (const id of replies.slice(THRESHOLDS.helpful, -1)) await answers.acceptAnswer(ctx.db, asViewer(asker), id);
    await awardBadgesFor(ctx.db, [answerer.id]);
    expect(await held(answerer)).not.toHaveProperty('expert');
    expect((await asking.post(`/posts/${replies.at(-1)}/accept`)).statusCode).toBe(303);
    expect(await held(answerer)).toEqual({ first_post: 1, first_accepted: 1, helpful: 1, expert: 1 });
  }, 120_000);

  it(`Welcoming: replying to the first topic of ${THRESHOLDS.welcoming} newcomers (later topics and one's own do not count)`, async () => {
    const host = await createUser(ctx.db);
    const newcomers = await manyUsers(THRESHOLDS.welcoming);
    const first: number[] = [];
    for (const n of newcomers) first.push((await createTopic(ctx.db, n, talk)).topic.id);
    // Second topics of the same people, and the host's own first topic, do not make anyone a newcomer.
    for (const n of newcomers.slice(0, 3)) await createReply(ctx.db, host, (await createTopic(ctx.db, n, talk)).topic.id);
    const own = await createTopic(ctx.db, host, talk);
    await createReply(ctx.db, host, own.topic.id);
    for (const id of first.slice(0, -1)) await createReply(ctx.db, host, id);
    await createReply(ctx.db, host, first[0]!, 'A second reply in the same topic counts once.');
    await awardBadgesFor(ctx.db, [host.id]);
    expect(await held(host)).toEqual({ first_post: 1 });
    const c = await signedIn(host);
    expect((await c.post(`/t/${first.at(-1)}/posts`, { body: 'Welcome! Ask away, we are glad to help.' })).statusCode).toBe(303);
    expect(await held(host)).toEqual({ first_post: 1, welcoming: 1 });
  }, 60_000);

  it('Anniversary: a year-old account seen in the last 30 days (the sweep awards it)', async () => {
    const year = 366 * 86400_000;
    const veteran = await createUser(ctx.db, { created_at: new Date(Date.now() - year) });
    const lapsed = await createUser(ctx.db, { created_at: new Date(Date.now() - year) });
    const fresh = await createUser(ctx.db);
    await ctx.db.updateTable('users').set({ last_seen_at: new Date(Date.now() - 60 * 86400_000) }).where('id', '=', lapsed.id).execute();
    await signedIn(veteran);
    await signedIn(fresh);
    await awardAllBadges(ctx.db);
    expect(await held(veteran)).toEqual({ anniversary: 1 });
    expect(await held(lapsed)).toEqual({});
    expect(await held(fresh)).toEqual({});
  });

  it('Trusted: trust level 3 or more', async () => {
    const tl3 = await createUser(ctx.db, { trust_level: 3 });
    const tl4 = await createUser(ctx.db, { trust_level: 4 });
    const tl2 = await createUser(ctx.db, { trust_level: 2 });
    await awardBadgesFor(ctx.db, [tl3.id, tl4.id, tl2.id]);
    expect(await held(tl3)).toEqual({ trusted: 1 });
    expect(await held(tl4)).toEqual({ trusted: 1 });
    expect(await held(tl2)).toEqual({});
  });
});

describe('awarding', () => {
  it('never awards for rolled-back work, nor for a refused request', async () => {
    const [author, replier] = [await createUser(ctx.db), await createUser(ctx.db)];
    const { topic, post } = await createTopic(ctx.db, author, talk);
    await expect(
      ctx.db.transaction().execute(async (trx) => {
        await trx.insertInto('posts').values({ topic_id: topic.id, post_number: 2, user_id: replier.id, body_md: 'x', body_html: '<p>x</p>', cook_version: 1 }).execute();
        await trx.insertInto('reactions').values({ post_id: post.id, user_id: replier.id, kind: 'heart', weight: 1 }).execute();
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await awardBadgesFor(ctx.db, [author.id, replier.id]);
    expect(await held(replier)).toEqual({});
    expect(await held(author)).toEqual({});

    // A reply the service refuses (locked topic) earns nothing either.
    await ctx.db.updateTable('topics').set({ locked_at: new Date() }).where('id', '=', topic.id).execute();
    const c = await signedIn(replier);
    expect((await c.post(`/t/${topic.id}/posts`, { body: 'Can I still reply here?' })).statusCode).toBe(403);
    expect(await held(replier)).toEqual({});
  });

  it('is idempotent: twice, concurrently and from two app instances, every badge is granted once', async () => {
    const author = await createUser(ctx.db, { trust_level: 3 });
    const { post } = await createTopic(ctx.db, author, talk);
    const fans = await manyUsers(THRESHOLDS.popularPost);
    await reactDirectly(post.id, fans.slice(0, -2));
    const other = await ctx.another();
    const [a, b] = [await people.signedIn(ctx.app, fans.at(-2)!), await people.signedIn(other, fans.at(-1)!)];
    const results = await Promise.all([
      a.post(`/posts/${post.id}/reactions`, { reaction: 'heart' }),
      b.post(`/posts/${post.id}/reactions`, { reaction: 'heart' }),
      ...Array.from({ length: 6 }, () => awardBadgesFor(ctx.db, [author.id])),
      awardAllBadges(ctx.db),
    ]);
    expect(results.slice(0, 2).map((r) => (r as { statusCode: number }).statusCode)).toEqual([303, 303]);
    await awardBadgesFor(ctx.db, [author.id]);
    await awardAllBadges(ctx.db);
    expect(await held(author)).toEqual({ first_reaction: 1, popular_post: 1, trusted: 1 });
    expect(await awardBadgesFor(ctx.db, [author.id])).toEqual([]);
  });

  it('ignores empty and nonsensical id lists', async () => {
    expect(await awardBadgesFor(ctx.db, [])).toEqual([]);
    expect(await awardBadgesFor(ctx.db, [0, -1, 1.5])).toEqual([]);
  });
});

describe('badge pages', () => {
  it('GET /badges lists every badge with its icon, name, description and number of holders', async () => {
    const holder = await createUser(ctx.db, { trust_level: 4 });
    await awardBadgesFor(ctx.db, [holder.id]);
    const count = Number((await ctx.db.selectFrom('user_badges').select((eb) => eb.fn.countAll<number>().as('n')).where('badge_id', '=', await badgeId('trusted')).executeTakeFirstOrThrow()).n);
    const res = await people.browser(ctx.app).get('/badges');
    expect(res.statusCode).toBe(200);
    const page = dom(res.body);
    expect(page.querySelectorAll('#badge-list > li').length).toBeGreaterThanOrEqual(BUILTIN_KEYS.length);
    const trusted = page.querySelector(`#badge-${await badgeId('trusted')}`);
    expect(text(trusted?.querySelector('.badge-name'))).toBe('Trusted');
    expect(text(trusted?.querySelector('.badge-desc'))).toBe('Reached trust level 3.');
    expect(text(trusted?.querySelector('.badge-icon'))).toBe('🛡️');
    expect(text(trusted?.querySelector('.badge-count'))).toBe(count === 1 ? '1 holder' : `${count} holders`);
    const ru = dom((await people.browser(ctx.app, people.nextIp(), 'ru').get('/badges')).body);
    expect(text(ru.querySelector(`#badge-${await badgeId('helpful')} .badge-desc`))).toBe('Принято ответов: 10.');
  });

  it('GET /badges/:id shows who holds it, paged by key; htmx gets the next rows alone', async () => {
    const badge = await ctx.db.insertInto('badges').values({ icon: '🧪', name_en: 'Tester', name_ru: 'Тестировщик' }).returning('id').executeTakeFirstOrThrow();
    const users = await manyUsers(52);
    await ctx.db.insertInto('user_badges').values(users.map((u) => ({ user_id: u.id, badge_id: badge.id }))).execute();
    const guest = people.browser(ctx.app);
    const res = await guest.get(`/badges/${badge.id}`);
    expect(res.statusCode).toBe(200);
    const page = dom(res.body);
    expect(text(page.querySelector('#badge-name'))).toBe('Tester');
    const first = [...page.querySelectorAll('#badge-holders li.holder')];
    expect(first).toHaveLength(50);
    expect(text(first[0]!.querySelector('a'))).toBe(users[0]!.username);
    const more = page.querySelector('#holders-more a')!.getAttribute('href')!;
    const frag = await guest.get(more, { htmx: true });
    expect(frag.statusCode).toBe(200);
    expect(frag.headers.vary).toContain('HX-Request');
    expect(frag.body).not.toMatch(/<html/i);
    const rest = [...dom(frag.body).querySelectorAll('li.holder')].map((li) => text(li.querySelector('a')));
    expect(rest).toEqual([users[50]!.username, users[51]!.username]);
    expect(dom(frag.body).querySelector('#holders-more')).toBeNull();
    // Without JavaScript the same link is a full page.
    expect((await guest.get(more)).body).toMatch(/<html/i);
  });

  it('a badge nobody holds says so; unknown or malformed ids and cursors are not found', async () => {
    const guest = people.browser(ctx.app);
    const expert = await badgeId('expert');
    await ctx.db.deleteFrom('user_badges').where('badge_id', '=', expert).execute();
    expect(dom((await guest.get(`/badges/${expert}`)).body).querySelector('#badge-no-holders')).not.toBeNull();
    for (const url of ['/badges/999999', '/badges/abc', '/badges/0', `/badges/${expert}?after=x`, '/badges/99999999999']) {
      expect((await guest.get(url)).statusCode, url).toBe(404);
    }
  });

  it('a profile without badges says so', async () => {
    const quiet = await createUser(ctx.db);
    const res = await people.browser(ctx.app).get(`/u/${quiet.username}`);
    expect(dom(res.body).querySelector('#profile-no-badges')).not.toBeNull();
  });
});

describe('custom badges (/admin/badges)', () => {
  it('an admin creates a badge (one language used for both), grants it with a reason, and revokes it', async () => {
    const c = await signedIn(admin);
    const member = await createUser(ctx.db);
    expect((await c.get('/admin/badges')).statusCode).toBe(200);
    const created = await c.post('/admin/badges', { icon: '🏅', name_en: 'Beta tester', description_en: 'Helped test the beta.' });
    expect(created.statusCode).toBe(303);
    const badge = await ctx.db.selectFrom('badges').selectAll().where('name_en', '=', 'Beta tester').executeTakeFirstOrThrow();
    expect(badge).toMatchObject({ key: null, name_ru: 'Beta tester', description_ru: 'Helped test the beta.', created_by: admin.id });

    expect((await c.post(`/admin/badges/${badge.id}/grant`, { username: member.username, reason: 'Found three bugs' })).statusCode).toBe(303);
    expect(await profileBadges(member)).toEqual(['Beta tester']);
    const row = await ctx.db.selectFrom('user_badges').selectAll().where('user_id', '=', member.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ granted_by: admin.id, reason: 'Found three bugs' });

    const again = await c.post(`/admin/badges/${badge.id}/grant`, { username: member.username, reason: '' });
    expect(again.statusCode).toBe(422);
    expect(text(dom(again.body).querySelector(`#grant-${badge.id}-error`))).toBe('This user already has the badge.');

    expect((await c.post(`/admin/badges/${badge.id}/revoke`, { username: member.username, reason: 'Granted by mistake' })).statusCode).toBe(303);
    expect(await held(member)).toEqual({});
    expect((await c.post(`/admin/badges/${badge.id}/revoke`, { username: member.username })).statusCode).toBe(422);
    const events = await ctx.db.selectFrom('badge_events').select(['action', 'reason', 'actor_id']).where('user_id', '=', member.id).orderBy('id').execute();
    expect(events).toEqual([
      { action: 'grant', reason: 'Found three bugs', actor_id: admin.id },
      { action: 'revoke', reason: 'Granted by mistake', actor_id: admin.id },
    ]);
  });

  it('refuses bad input with the form re-rendered (422): no name, unknown user, built-in badges', async () => {
    const c = await signedIn(admin);
    const before = await ctx.db.selectFrom('badges').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const noName = await c.post('/admin/badges', { icon: '🏅', name_en: '  ', name_ru: '' });
    expect(noName.statusCode).toBe(422);
    expect(text(dom(noName.body).querySelector('#badge-name_en-error'))).toBe('Give the badge a name in at least one language.');
    expect((await c.post('/admin/badges', { icon: '', name_en: 'X' })).statusCode).toBe(422);
    expect((await c.post('/admin/badges', { icon: '🏅', name_en: 'x'.repeat(61) })).statusCode).toBe(422);
    const after = await ctx.db.selectFrom('badges').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));

    const custom = await ctx.db.insertInto('badges').values({ icon: '⭐', name_en: 'Star', name_ru: 'Звезда' }).returning('id').executeTakeFirstOrThrow();
    const nobody = await c.post(`/admin/badges/${custom.id}/grant`, { username: 'no_such_person' });
    expect(nobody.statusCode).toBe(422);
    expect(text(dom(nobody.body).querySelector(`#grant-${custom.id}-error`))).toBe('There is no user with that name.');
    const member = await createUser(ctx.db);
    expect((await c.post(`/admin/badges/${await badgeId('expert')}/grant`, { username: member.username })).statusCode).toBe(422);
    expect((await c.post('/admin/badges/999999/grant', { username: member.username })).statusCode).toBe(404);
    expect(await held(member)).toEqual({});
  });

  it('is not there for anyone but admins: guests, members and moderators get 404 and change nothing', async () => {
    const member = await createUser(ctx.db);
    const moderator = await createUser(ctx.db, { role: 'moderator' });
    const custom = await ctx.db.insertInto('badges').values({ icon: '⭐', name_en: 'Guarded', name_ru: 'Охраняемый' }).returning('id').executeTakeFirstOrThrow();
    const guest = people.browser(ctx.app);
    expect((await guest.get('/admin/badges')).statusCode).toBe(404);
    expect((await guest.post(`/admin/badges/${custom.id}/grant`, { username: member.username })).statusCode).toBe(404);
    for (const user of [member, moderator]) {
      const c = await signedIn(user);
      expect((await c.get('/admin/badges')).statusCode).toBe(404);
      expect((await c.post('/admin/badges', { icon: '😈', name_en: 'Self-made' })).statusCode).toBe(404);
      expect((await c.post(`/admin/badges/${custom.id}/grant`, { username: user.username, reason: 'because' })).statusCode).toBe(404);
      expect((await c.post(`/admin/badges/${custom.id}/revoke`, { username: user.username })).statusCode).toBe(404);
    }
    expect(await ctx.db.selectFrom('badges').select('id').where('name_en', '=', 'Self-made').execute()).toEqual([]);
    expect(await ctx.db.selectFrom('user_badges').select('id').where('badge_id', '=', custom.id).execute()).toEqual([]);
  });
});

describe('sweep', () => {
  it('awardAllBadges catches up on what nobody triggered, by id range', async () => {
    const [author, replier] = [await createUser(ctx.db), await createUser(ctx.db)];
    const { topic } = await createTopic(ctx.db, author, talk);
    await createReply(ctx.db, replier, topic.id);
    expect(await held(replier)).toEqual({});
    const grants = await awardAllBadges(ctx.db);
    expect(grants).toContainEqual({ user_id: replier.id, badge_id: await badgeId('first_post') });
    expect(await held(replier)).toEqual({ first_post: 1 });
    expect(await awardAllBadges(ctx.db)).toEqual([]);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from (select user_id, badge_id from user_badges group by 1, 2 having count(*) > 1) d`.execute(ctx.db);
    expect(rows[0]!.n).toBe(0);
  });
});
