import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { DEFAULT_SETTINGS, type ModerationSettings, updateSettings } from '../../server/features/settings/settings.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, formField, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let cat: Category;
let author: User;
let mod: User;
let mod2: User;

beforeAll(async () => {
  ctx = await createTestApp();
  cat = await createCategory(ctx.db);
  author = await createUser(ctx.db, { trust_level: 2 });
  mod = await createUser(ctx.db, { role: 'moderator' });
  mod2 = await createUser(ctx.db, { role: 'moderator' });
});
afterAll(async () => ctx.close());

async function moderation(over: Partial<ModerationSettings> = {}) {
  await updateSettings(ctx.db, { moderation: { ...structuredClone(DEFAULT_SETTINGS.moderation), seconds_between_posts: [0, 0], ...over } });
}
beforeEach(async () => moderation({ approve_first_posts: 2 }));

const queued = (userId: number) => ctx.db.selectFrom('queued_posts').selectAll().where('user_id', '=', userId).orderBy('id').execute();
const audit = (action: string, postId?: number | null) =>
  ctx.db.selectFrom('moderation_actions').selectAll().where('action', '=', action).$if(postId !== undefined, (q) => q.where('post_id', '=', postId!)).execute();

/** A TL0 newcomer's reply held for approval; returns the queue row. */
async function heldReply(topicId: number, newbie?: User, body = 'Hello, I am new here') {
  const user = newbie ?? (await createUser(ctx.db, { trust_level: 0 }));
  const c = await people.signedIn(ctx.app, user);
  const res = await c.post(`/t/${topicId}/posts`, { body });
  const [row] = (await queued(user.id)).slice(-1);
  return { user, c, res, row: row! };
}

describe('holding posts', () => {
  it('a TL0 member’s first reply waits: 303 to a clear “awaiting approval” page, nothing appears in the topic', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const { c, res, row } = await heldReply(topic.id);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/my/pending?held=${row.id}`);
    expect(row).toMatchObject({ status: 'pending', held_reason: 'new_user', topic_id: topic.id, body_md: 'Hello, I am new here' });
    const page = dom((await c.get(res.headers.location as string)).body);
    expect(text(page.querySelector('#held-notice'))).toContain('Your post is awaiting approval');
    expect(page.querySelector(`#queued-${row.id} [data-status="pending"]`)).not.toBeNull();
    const t = await ctx.db.selectFrom('topics').select(['reply_count', 'last_post_number']).where('id', '=', topic.id).executeTakeFirstOrThrow();
    expect(t).toEqual({ reply_count: 0, last_post_number: 1 });
    expect(text(dom((await people.browser(ctx.app).get(`/t/${topic.id}`)).body).querySelector('#posts'))).not.toContain('Hello, I am new here');
  });

  it('with htmx: 202 and a notice appended instead of a post', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const c = await people.signedIn(ctx.app, await createUser(ctx.db, { trust_level: 0 }));
    const res = await c.post(`/t/${topic.id}/posts`, { body: 'via htmx' }, { htmx: true });
    expect(res.statusCode).toBe(202);
    const doc = dom(res.body);
    expect(doc.querySelector('.pending-held[role=status]')).not.toBeNull();
    expect(doc.querySelector('article.post')).toBeNull();
    expect(doc.querySelector('#reply-form')?.getAttribute('hx-swap-oob')).toBe('true');
  });

  it('a new topic waits too, and only the first N posts wait; TL1 and staff never wait', async () => {
    const newbie = await createUser(ctx.db, { trust_level: 0 });
    const c = await people.signedIn(ctx.app, newbie);
    const res = await c.post('/t', { category_id: cat.id, title: 'My very first topic', body: 'Hi all' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/^\/my\/pending\?held=\d+$/);
    expect(await ctx.db.selectFrom('topics').select('id').where('user_id', '=', newbie.id).execute()).toEqual([]);
    // Once two posts are published, the third goes straight through.
    await ctx.db.updateTable('users').set({ post_count: 2 }).where('id', '=', newbie.id).execute();
    expect((await c.post('/t', { category_id: cat.id, title: 'My third topic now', body: 'Hi' })).headers.location).toMatch(/^\/t\/\d+\//);
    const member = await people.signedIn(ctx.app, await createUser(ctx.db));
    expect((await member.post('/t', { category_id: cat.id, title: 'Member topic here', body: 'Hi' })).headers.location).toMatch(/^\/t\/\d+\//);
    const tl0mod = await people.signedIn(ctx.app, await createUser(ctx.db, { role: 'moderator', trust_level: 0 }));
    expect((await tl0mod.post('/t', { category_id: cat.id, title: 'Moderator topic here', body: 'Hi' })).headers.location).toMatch(/^\/t\/\d+\//);
  });

  it('a category holds everyone below its approval trust level', async () => {
    await moderation();
    const strict = await createCategory(ctx.db);
    await ctx.db.updateTable('categories').set({ approval_below_tl: 2 }).where('id', '=', strict.id).execute();
    const tl1 = await createUser(ctx.db, { trust_level: 1 });
    const res = await (await people.signedIn(ctx.app, tl1)).post('/t', { category_id: strict.id, title: 'Needs a review first', body: 'x' });
    expect(res.headers.location).toMatch(/^\/my\/pending/);
    expect((await queued(tl1.id))[0]).toMatchObject({ held_reason: 'category', category_id: strict.id, title: 'Needs a review first' });
    const tl2 = await createUser(ctx.db, { trust_level: 2 });
    expect((await (await people.signedIn(ctx.app, tl2)).post('/t', { category_id: strict.id, title: 'Trusted goes through', body: 'x' })).headers.location).toMatch(/^\/t\//);
  });
});

describe('the approval queue', () => {
  it('is not found for a guest, a member, and a suspended moderator', async () => {
    expect((await people.browser(ctx.app).get('/mod/approvals')).statusCode).toBe(404);
    expect((await (await people.signedIn(ctx.app, author)).get('/mod/approvals')).statusCode).toBe(404);
    const c = await people.signedIn(ctx.app, await createUser(ctx.db, { role: 'moderator' }));
    const { topic } = await createTopic(ctx.db, author, cat);
    const { row } = await heldReply(topic.id);
    const member = await people.signedIn(ctx.app, author);
    expect((await member.post(`/mod/approvals/${row.id}/approve`)).statusCode).toBe(404);
    expect((await member.post(`/mod/approvals/${row.id}/reject`, { reason: 'no' })).statusCode).toBe(404);
    const suspended = await createUser(ctx.db, { role: 'moderator' });
    const s = await people.withSession(ctx.app, ctx.db, suspended);
    await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 3600_000) }).where('id', '=', suspended.id).execute();
    expect((await s.get('/mod/approvals')).statusCode).toBe(404);
    expect((await c.get('/mod/approvals')).statusCode).toBe(200);
    expect((await ctx.db.selectFrom('queued_posts').select('status').where('id', '=', row.id).executeTakeFirstOrThrow()).status).toBe('pending');
  });

  it('approving publishes the reply with its original time and the next number, counters exact, audited, and the author sees it', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const { user, c: authorClient, row } = await heldReply(topic.id);
    await ctx.db.updateTable('queued_posts').set({ created_at: new Date(Date.now() - 3600_000) }).where('id', '=', row.id).execute();
    await createReply(ctx.db, author, topic.id, 'written later, published first');
    const before = await ctx.db.selectFrom('categories').select(['post_count']).where('id', '=', cat.id).executeTakeFirstOrThrow();

    const m = await people.signedIn(ctx.app, mod);
    const page = dom((await m.get('/mod/approvals')).body);
    const item = page.querySelector(`#queued-${row.id}`);
    expect(text(item)).toContain('Hello, I am new here');
    expect(item?.querySelector('[data-held="new_user"]')).not.toBeNull();
    const res = await m.post(`/mod/approvals/${row.id}/approve`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/mod/approvals?done=approved');

    const done = await ctx.db.selectFrom('queued_posts').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(done).toMatchObject({ status: 'approved', handled_by_id: mod.id });
    const post = await ctx.db.selectFrom('posts').selectAll().where('id', '=', done.post_id!).executeTakeFirstOrThrow();
    expect(post).toMatchObject({ topic_id: topic.id, post_number: 3, user_id: user.id, body_md: 'Hello, I am new here' });
    expect(post.created_at.getTime()).toBe(done.created_at.getTime());
    const t = await ctx.db.selectFrom('topics').select(['reply_count', 'last_post_number', 'last_post_user_id']).where('id', '=', topic.id).executeTakeFirstOrThrow();
    // The later reply stays the topic's latest: the approved one is older.
    expect(t).toEqual({ reply_count: 2, last_post_number: 3, last_post_user_id: author.id });
    expect((await ctx.db.selectFrom('categories').select('post_count').where('id', '=', cat.id).executeTakeFirstOrThrow()).post_count).toBe(before.post_count + 1);
    expect((await ctx.db.selectFrom('users').select('post_count').where('id', '=', user.id).executeTakeFirstOrThrow()).post_count).toBe(1);
    const [entry] = await audit('post_approve', post.id);
    expect(entry).toMatchObject({ actor_id: mod.id, target_user_id: user.id, topic_id: topic.id });

    const mine = dom((await authorClient.get('/my/pending')).body);
    expect(mine.querySelector(`#queued-${row.id} [data-status="approved"]`)).not.toBeNull();
    expect(mine.querySelector(`#queued-${row.id} a.pending-link`)?.getAttribute('href')).toBe(`/t/${topic.id}/${topic.slug}#post-${post.id}`);
    // A second approval of the same item finds nothing.
    expect((await m.post(`/mod/approvals/${row.id}/approve`)).statusCode).toBe(404);
  });

  it('approving a held topic creates it with its original time; htmx gets the item replaced in place', async () => {
    const newbie = await createUser(ctx.db, { trust_level: 0 });
    await (await people.signedIn(ctx.app, newbie)).post('/t', { category_id: cat.id, title: 'A held topic title', body: 'Body of it' });
    const [row] = await queued(newbie.id);
    const before = await ctx.db.selectFrom('categories').select(['topic_count', 'post_count']).where('id', '=', cat.id).executeTakeFirstOrThrow();
    const res = await (await people.signedIn(ctx.app, mod)).post(`/mod/approvals/${row!.id}/approve`, {}, { htmx: true });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<html');
    const frag = dom(res.body).querySelector(`#queued-${row!.id}`);
    const topic = await ctx.db.selectFrom('topics').selectAll().where('user_id', '=', newbie.id).executeTakeFirstOrThrow();
    expect(frag?.querySelector('a')?.getAttribute('href')).toMatch(new RegExp(`^/t/${topic.id}/`));
    expect(topic).toMatchObject({ title: 'A held topic title', reply_count: 0, last_post_number: 1 });
    expect(topic.created_at.getTime()).toBe(row!.created_at.getTime());
    expect(await ctx.db.selectFrom('categories').select(['topic_count', 'post_count']).where('id', '=', cat.id).executeTakeFirstOrThrow()).toEqual({
      topic_count: before.topic_count + 1,
      post_count: before.post_count + 1,
    });
  });

  it('rejecting needs a reason (422, the queue kept); the author sees the reason and keeps the text; audited', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const { c: authorClient, row } = await heldReply(topic.id, undefined, 'Buy my **stuff**');
    const m = await people.signedIn(ctx.app, mod);
    const empty = await m.post(`/mod/approvals/${row.id}/reject`, { reason: '   ' });
    expect(empty.statusCode).toBe(422);
    expect(formField(dom(empty.body), `reason-${row.id}`).error).toBe('Please give a reason: the author sees it.');
    const hx = await m.post(`/mod/approvals/${row.id}/reject`, { reason: '' }, { htmx: true });
    expect(hx.statusCode).toBe(422);
    expect(dom(hx.body).querySelector(`#queued-${row.id} #f-reason-${row.id}-error`)).not.toBeNull();
    expect(hx.body).not.toContain('<html');

    const res = await m.post(`/mod/approvals/${row.id}/reject`, { reason: 'Advertising is not allowed' });
    expect(res.statusCode).toBe(303);
    expect(await ctx.db.selectFrom('queued_posts').select(['status', 'rejected_reason', 'post_id']).where('id', '=', row.id).executeTakeFirstOrThrow()).toEqual({
      status: 'rejected', rejected_reason: 'Advertising is not allowed', post_id: null,
    });
    const entries = (await audit('post_reject')).filter((e) => e.target_user_id === row.user_id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_id: mod.id, reason: 'Advertising is not allowed', topic_id: topic.id });
    const mine = dom((await authorClient.get('/my/pending')).body);
    expect(text(mine.querySelector(`#queued-${row.id} .pending-reason`))).toContain('Advertising is not allowed');
    expect(text(mine.querySelector(`#queued-${row.id} .pending-md`))).toBe('Buy my **stuff**');
    expect((await ctx.db.selectFrom('topics').select('reply_count').where('id', '=', topic.id).executeTakeFirstOrThrow()).reply_count).toBe(0);
  });

  it('a moderator never handles their own held post (not listed, 404); another moderator does', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const { user, row } = await heldReply(topic.id, undefined, 'held before promotion');
    await ctx.db.updateTable('users').set({ role: 'moderator' }).where('id', '=', user.id).execute();
    const self = await people.signedIn(ctx.app, user);
    expect(dom((await self.get('/mod/approvals')).body).querySelector(`#queued-${row.id}`)).toBeNull();
    expect((await self.post(`/mod/approvals/${row.id}/approve`)).statusCode).toBe(404);
    expect((await self.post(`/mod/approvals/${row.id}/reject`, { reason: 'x' })).statusCode).toBe(404);
    expect((await (await people.signedIn(ctx.app, mod2)).post(`/mod/approvals/${row.id}/approve`)).statusCode).toBe(303);
  });

  it('a reply to a topic deleted since cannot be approved (409, still pending, can be rejected); one locked since is approved', async () => {
    const { topic: gone } = await createTopic(ctx.db, author, cat);
    const { row: r1 } = await heldReply(gone.id);
    await ctx.db.updateTable('topics').set({ deleted_at: new Date() }).where('id', '=', gone.id).execute();
    const m = await people.signedIn(ctx.app, mod);
    const res = await m.post(`/mod/approvals/${r1.id}/approve`);
    expect(res.statusCode).toBe(409);
    expect(text(dom(res.body).querySelector('[role=alert]'))).toContain('cannot be published');
    expect((await ctx.db.selectFrom('queued_posts').select('status').where('id', '=', r1.id).executeTakeFirstOrThrow()).status).toBe('pending');
    expect((await m.post(`/mod/approvals/${r1.id}/approve`, {}, { htmx: true })).statusCode).toBe(422);
    expect((await m.post(`/mod/approvals/${r1.id}/reject`, { reason: 'The topic was removed' })).statusCode).toBe(303);

    const { topic: locked } = await createTopic(ctx.db, author, cat);
    const { row: r2 } = await heldReply(locked.id);
    await ctx.db.updateTable('topics').set({ locked_at: new Date() }).where('id', '=', locked.id).execute();
    expect((await m.post(`/mod/approvals/${r2.id}/approve`)).statusCode).toBe(303);
    expect((await ctx.db.selectFrom('topics').select('reply_count').where('id', '=', locked.id).executeTakeFirstOrThrow()).reply_count).toBe(1);
  });

  it('two moderators approving at once publish it exactly once', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const { row } = await heldReply(topic.id);
    const [a, b] = await Promise.all([people.signedIn(ctx.app, mod), people.signedIn(await ctx.another(), mod2)]);
    const codes = (await Promise.all([a.post(`/mod/approvals/${row.id}/approve`), b!.post(`/mod/approvals/${row.id}/approve`)])).map((r) => r.statusCode).sort();
    expect(codes).toEqual([303, 404]);
    expect((await ctx.db.selectFrom('posts').select('id').where('topic_id', '=', topic.id).execute())).toHaveLength(2);
    expect((await audit('post_approve')).filter((e) => e.topic_id === topic.id)).toHaveLength(1);
  });

  it('/my/pending sends a guest to log in and shows a member only their own posts', async () => {
    expect((await people.browser(ctx.app).get('/my/pending')).headers.location).toBe('/login?next=%2Fmy%2Fpending');
    const { topic } = await createTopic(ctx.db, author, cat);
    const { row } = await heldReply(topic.id);
    const other = await people.signedIn(ctx.app, await createUser(ctx.db));
    const page = dom((await other.get(`/my/pending?held=${row.id}`)).body);
    expect(page.querySelector(`#queued-${row.id}`)).toBeNull();
    expect(page.querySelector('#held-notice')).toBeNull();
    expect(page.querySelector('#pending-empty')).not.toBeNull();
  });
});
