import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { flagPost } from '../../server/features/moderation/flags.service.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { asViewer, createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let cat: Category;
let moderator: User;
let staff: User;

beforeAll(async () => {
  ctx = await createTestApp();
  cat = await createCategory(ctx.db);
  moderator = await createUser(ctx.db, { role: 'moderator' });
  staff = await createUser(ctx.db, { role: 'staff' });
});
afterAll(async () => ctx.close());

const signedIn = (user: User) => people.signedIn(ctx.app, user);

async function newPost(by?: User) {
  const author = by ?? (await createUser(ctx.db, { trust_level: 1 }));
  const { topic } = await createTopic(ctx.db, author, cat);
  const post = await createReply(ctx.db, author, topic.id, 'Something people might object to.');
  return { topic, post, author };
}

async function flagBy(postId: number, n: number, tl = 1) {
  const users = [];
  for (let i = 0; i < n; i += 1) {
    const u = await createUser(ctx.db, { trust_level: tl });
    await flagPost(ctx.db, asViewer(u), postId, { reason: 'abuse', note: '' });
    users.push(u);
  }
  return users;
}

const itemOf = (postId: number) => ctx.db.selectFrom('review_items').selectAll().where('post_id', '=', postId).orderBy('id', 'desc').executeTakeFirstOrThrow();
const itemsOf = (postId: number) => ctx.db.selectFrom('review_items').selectAll().where('post_id', '=', postId).orderBy('id').execute();
const flagsOf = (postId: number) => ctx.db.selectFrom('flags').selectAll().where('post_id', '=', postId).orderBy('id').execute();
const postRow = (postId: number) => ctx.db.selectFrom('posts').selectAll().where('id', '=', postId).executeTakeFirstOrThrow();
const userRow = (id: number) => ctx.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const actions = async (postId: number) => (await ctx.db.selectFrom('moderation_actions').select('action').where('post_id', '=', postId).orderBy('id').execute()).map((a) => a.action);

describe('agree', () => {
  it('with htmx hides the post, settles the flags and their flaggers’ records, and answers a focused result line', async () => {
    const { post } = await newPost();
    const flaggers = await flagBy(post.id, 2);
    const item = await itemOf(post.id);
    const m = await signedIn(moderator);
    const res = await m.post(`/mod/queue/${item.id}/agree`, { reason: 'Personal attack', sanction: 'none', hours: '24' }, { htmx: true });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<html');
    const li = dom(res.body).querySelector(`#review-item-${item.id}`);
    expect(li?.getAttribute('role')).toBe('status');
    expect(li?.hasAttribute('autofocus')).toBe(true);
    expect(li?.getAttribute('tabindex')).toBe('-1');
    expect(text(li)).toContain('stays hidden');

    const row = await postRow(post.id);
    expect(row.hidden_at).not.toBeNull();
    expect(row.hidden_reason).toBe('Personal attack');
    expect(row.hidden_by_id).toBe(moderator.id);
    const after = await itemOf(post.id);
    expect(after).toMatchObject({ status: 'agreed', handled_by_id: moderator.id, outcome_reason: 'Personal attack' });
    expect(after.handled_at).not.toBeNull();
    for (const f of await flagsOf(post.id)) expect(f).toMatchObject({ status: 'agreed', handled_by_id: moderator.id });
    for (const u of flaggers) expect(await userRow(u.id)).toMatchObject({ flags_agreed: 1, flags_disagreed: 0 });
    expect(await actions(post.id)).toEqual(['post_hide', 'flag_agree']);
    // Gone from the queue.
    expect(dom((await m.get('/mod/queue')).body).querySelector(`#review-item-${item.id}`)).toBeNull();
  });

  it('without JavaScript: 303 back to the queue; an already-hidden post stays hidden (no second hide entry)', async () => {
    const { post } = await newPost();
    await flagBy(post.id, 4); // 4 × 2 = 8: hidden automatically
    const item = await itemOf(post.id);
    const res = await (await signedIn(moderator)).post(`/mod/queue/${item.id}/agree`, {});
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/mod/queue');
    // Upheld by a moderator: the author is now told a moderator decided (the reason stays the flags' one).
    expect(await postRow(post.id)).toMatchObject({ hidden_reason: 'abuse', hidden_by_id: moderator.id });
    expect(await actions(post.id)).toEqual(['post_auto_hide', 'flag_agree']);
  });

  it('can also delete the post and silence the author for the chosen duration, all recorded', async () => {
    const { post, author } = await newPost();
    await flagBy(post.id, 1);
    const item = await itemOf(post.id);
    const res = await (await signedIn(moderator)).post(`/mod/queue/${item.id}/agree`, { reason: 'Spam again', delete: '1', sanction: 'silence', hours: '72' }, { htmx: true });
    expect(res.statusCode).toBe(200);
    expect(text(dom(res.body).querySelector('li'))).toContain('deleted');
    expect(text(dom(res.body).querySelector('li'))).toContain('silenced until');
    const row = await postRow(post.id);
    expect(row.deleted_at).not.toBeNull();
    expect(row.deleted_by_id).toBe(moderator.id);
    const user = await userRow(author.id);
    const hours = (user.silenced_until!.getTime() - Date.now()) / 3600_000;
    expect(hours).toBeGreaterThan(71.9);
    expect(hours).toBeLessThan(72.1);
    expect(user.silenced_reason).toBe('Spam again');
    expect(await actions(post.id)).toEqual(['post_hide', 'post_delete', 'flag_agree']);
    const silence = await ctx.db.selectFrom('moderation_actions').selectAll().where('target_user_id', '=', author.id).where('action', '=', 'user_silence').execute();
    expect(silence).toHaveLength(1);
  });

  it('suspends permanently with a readable default reason, and logs the author out', async () => {
    const { post, author } = await newPost();
    const a = await signedIn(author);
    await flagBy(post.id, 1);
    const item = await itemOf(post.id);
    expect((await (await signedIn(moderator)).post(`/mod/queue/${item.id}/agree`, { sanction: 'suspend', hours: 'permanent' })).statusCode).toBe(303);
    const user = await userRow(author.id);
    expect(user.suspended_until!.getUTCFullYear()).toBe(9999);
    expect(user.suspended_reason).toBe('Rude or abusive');
    expect((await a.get('/mod/queue')).statusCode).toBe(404);
    expect(await ctx.db.selectFrom('sessions').select('user_id').where('user_id', '=', author.id).execute()).toEqual([]);
  });

  it('a moderator may not sanction another moderator: 403 and nothing changes', async () => {
    const { post } = await newPost(await createUser(ctx.db, { role: 'moderator' }));
    await flagBy(post.id, 1);
    const item = await itemOf(post.id);
    const res = await (await signedIn(moderator)).post(`/mod/queue/${item.id}/agree`, { sanction: 'silence', hours: '24' });
    expect(res.statusCode).toBe(403);
    expect((await itemOf(post.id)).status).toBe('pending');
    expect((await postRow(post.id)).hidden_at).toBeNull();
    expect(await actions(post.id)).toEqual([]);
  });

  it('bad input (an unknown duration or sanction) is 422 with the item re-rendered and nothing done', async () => {
    const { post } = await newPost();
    await flagBy(post.id, 1);
    const item = await itemOf(post.id);
    const m = await signedIn(moderator);
    const res = await m.post(`/mod/queue/${item.id}/agree`, { sanction: 'silence', hours: '5' }, { htmx: true });
    expect(res.statusCode).toBe(422);
    expect(text(dom(res.body).querySelector(`#review-item-${item.id} [role=alert]`))).toContain('duration');
    expect((await m.post(`/mod/queue/${item.id}/agree`, { sanction: 'ban' })).statusCode).toBe(422);
    expect((await m.post(`/mod/queue/${item.id}/agree`, { reason: 'x'.repeat(501) })).statusCode).toBe(422);
    expect((await itemOf(post.id)).status).toBe('pending');
    expect((await m.post(`/mod/queue/${item.id}/approve`, {})).statusCode).toBe(404);
    expect((await m.post('/mod/queue/abc/agree', {})).statusCode).toBe(404);
  });

  it('an item handled meanwhile answers a clear line, not an error', async () => {
    const { post } = await newPost();
    await flagBy(post.id, 1);
    const item = await itemOf(post.id);
    const m1 = await signedIn(moderator);
    const m2 = await signedIn(staff);
    const [a, b] = await Promise.all([m1.post(`/mod/queue/${item.id}/agree`, {}, { htmx: true }), m2.post(`/mod/queue/${item.id}/disagree`, {}, { htmx: true })]);
    const codes = [a.statusCode, b.statusCode];
    // One decided; the other either saw the item gone from their queue (404) or got the "already handled" line.
    expect(codes).toContain(200);
    const bodies = [a.body, b.body].join(' ');
    expect((await itemsOf(post.id)).filter((i) => i.status !== 'pending')).toHaveLength(1);
    expect((await actions(post.id)).filter((x) => x.startsWith('flag_'))).toHaveLength(1);
    if (codes.every((c) => c === 200)) expect(bodies).toContain('already handled');
  });
});

describe('disagree and defer', () => {
  it('disagree restores a hidden post, its reaction reputation comes back, and flaggers’ records move', async () => {
    const { post, author } = await newPost();
    const fan = await createUser(ctx.db, { trust_level: 1 });
    expect((await (await signedIn(fan)).post(`/posts/${post.id}/reactions`, { reaction: 'thumbs_up' })).statusCode).toBe(303);
    const earned = (await userRow(author.id)).reputation;
    expect(earned).toBeGreaterThan(0);
    const flaggers = await flagBy(post.id, 4);
    expect((await postRow(post.id)).hidden_at).not.toBeNull();
    expect((await userRow(author.id)).reputation).toBe(0);
    const item = await itemOf(post.id);
    const res = await (await signedIn(moderator)).post(`/mod/queue/${item.id}/disagree`, { reason: 'Harsh but fair' }, { htmx: true });
    expect(text(dom(res.body).querySelector('li'))).toContain('dismissed');
    expect((await postRow(post.id)).hidden_at).toBeNull();
    expect((await userRow(author.id)).reputation).toBe(earned);
    expect(await itemOf(post.id)).toMatchObject({ status: 'disagreed', handled_by_id: moderator.id });
    for (const f of await flagsOf(post.id)) expect(f.status).toBe('disagreed');
    for (const u of flaggers) expect(await userRow(u.id)).toMatchObject({ flags_agreed: 0, flags_disagreed: 1 });
    expect(await actions(post.id)).toEqual(['post_auto_hide', 'post_unhide', 'flag_disagree']);
  });

  it('defer keeps the item pending, moves it to the end, and records it', async () => {
    const { post } = await newPost();
    await flagBy(post.id, 1, 4);
    const item = await itemOf(post.id);
    const m = await signedIn(moderator);
    const res = await m.post(`/mod/queue/${item.id}/defer`, {}, { htmx: true });
    expect(text(dom(res.body).querySelector('li'))).toContain('deferred');
    const after = await itemOf(post.id);
    expect(after.status).toBe('pending');
    expect(after.deferred_at).not.toBeNull();
    const lis = [...dom((await m.get('/mod/queue')).body).querySelectorAll('#queue > li.queue-item')];
    const at = lis.findIndex((li) => li.id === `review-item-${item.id}`);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(lis[at]!.classList.contains('is-deferred')).toBe(true);
    // Every item still waiting comes before it, although its score (5) is higher than theirs.
    expect(lis.slice(at).every((li) => li.classList.contains('is-deferred'))).toBe(true);
    expect(lis.slice(0, at).some((li) => !li.classList.contains('is-deferred'))).toBe(true);
    expect(await actions(post.id)).toEqual(['flag_defer']);
  });
});

describe('flagger accuracy', () => {
  it('a flagger whose flags were mostly upheld weighs more', async () => {
    const flagger = await createUser(ctx.db, { trust_level: 1 });
    await ctx.db.updateTable('users').set({ flags_agreed: 9, flags_disagreed: 1 }).where('id', '=', flagger.id).execute();
    const { post } = await newPost();
    expect((await (await signedIn(flagger)).post(`/posts/${post.id}/flags`, { reason: 'spam' })).statusCode).toBe(303);
    expect((await flagsOf(post.id))[0]!.weight).toBe(5);
  });
});

describe('an author’s edit of a hidden post', () => {
  it('keeps a pending item pending and brings it back from deferred', async () => {
    const { post, author } = await newPost();
    await flagBy(post.id, 4);
    const item = await itemOf(post.id);
    await ctx.db.updateTable('review_items').set({ deferred_at: new Date() }).where('id', '=', item.id).execute();
    expect((await (await signedIn(author)).post(`/posts/${post.id}/edit`, { body: 'I take it back, sorry.' })).statusCode).toBe(303);
    expect(await itemsOf(post.id)).toHaveLength(1);
    expect((await itemOf(post.id)).deferred_at).toBeNull();
    expect((await postRow(post.id)).hidden_at).not.toBeNull();
  });

  it('after an agree, reopens the flags on a new pending item (their agreement taken back until the new decision)', async () => {
    const { post, author } = await newPost();
    const flaggers = await flagBy(post.id, 4);
    const first = await itemOf(post.id);
    await (await signedIn(moderator)).post(`/mod/queue/${first.id}/agree`, {});
    expect(await userRow(flaggers[0]!.id)).toMatchObject({ flags_agreed: 1 });
    expect((await (await signedIn(author)).post(`/posts/${post.id}/edit`, { body: 'Rewritten politely.' })).statusCode).toBe(303);
    const items = await itemsOf(post.id);
    expect(items.map((i) => i.status)).toEqual(['agreed', 'pending']);
    expect(items[1]!.score).toBe(8);
    for (const f of await flagsOf(post.id)) expect(f).toMatchObject({ status: 'open', review_item_id: items[1]!.id, handled_at: null });
    expect(await userRow(flaggers[0]!.id)).toMatchObject({ flags_agreed: 0 });
    // A staff edit of someone else's post does not requeue; it is recorded instead.
    await (await signedIn(staff)).post(`/mod/queue/${items[1]!.id}/disagree`, {});
    expect((await postRow(post.id)).hidden_at).toBeNull();
  });
});

describe('staff acting on someone else’s post', () => {
  it('edit, delete and restore are recorded; the author’s own are not', async () => {
    const { post, author } = await newPost();
    const s = await signedIn(staff);
    expect((await s.post(`/posts/${post.id}/edit`, { body: 'Cleaned up by staff.' })).statusCode).toBe(303);
    expect((await s.post(`/posts/${post.id}/delete`, {})).statusCode).toBe(303);
    expect((await s.post(`/posts/${post.id}/restore`, {})).statusCode).toBe(303);
    expect(await actions(post.id)).toEqual(['post_edit', 'post_delete', 'post_restore']);
    const entries = await ctx.db.selectFrom('moderation_actions').selectAll().where('post_id', '=', post.id).execute();
    for (const e of entries) expect(e).toMatchObject({ actor_id: staff.id, target_user_id: author.id });
    const a = await signedIn(author);
    expect((await a.post(`/posts/${post.id}/edit`, { body: 'My own words again.' })).statusCode).toBe(303);
    expect((await a.post(`/posts/${post.id}/delete`, {})).statusCode).toBe(303);
    expect(await actions(post.id)).toEqual(['post_edit', 'post_delete', 'post_restore']);
  });
});

describe('hide and restore from the post', () => {
  it('a moderator hides with a reason (htmx: the post in place) and restores it; both recorded', async () => {
    const { topic, post, author } = await newPost();
    const m = await signedIn(moderator);
    const page = dom((await m.get(`/t/${topic.id}`)).body);
    const form = page.querySelector(`#post-tools-${post.id} form.hide-form`);
    expect(form?.getAttribute('action')).toBe(`/mod/posts/${post.id}/hide`);
    expect(page.querySelector(`label[for="hide-reason-${post.id}"]`)).not.toBeNull();
    const hid = await m.post(`/mod/posts/${post.id}/hide`, { reason: 'Doxxing' }, { htmx: true });
    expect(hid.statusCode).toBe(200);
    const doc = dom(hid.body);
    expect(text(doc.querySelector(`#post-notice-${post.id}`))).toContain('Doxxing');
    expect(doc.querySelector(`#post-${post.id} .unhide-action`)).not.toBeNull();
    expect(await postRow(post.id)).toMatchObject({ hidden_reason: 'Doxxing', hidden_by_id: moderator.id });
    // The author is told who and why (a moderator, the reason).
    const own = dom((await (await signedIn(author)).get(`/t/${topic.id}`)).body);
    expect(text(own.querySelector(`#post-notice-${post.id}`))).toContain('A moderator hid it. Reason: Doxxing');
    const back = await m.post(`/mod/posts/${post.id}/unhide`, {});
    expect(back.statusCode).toBe(303);
    expect(back.headers.location).toBe(`/t/${topic.id}/${topic.slug}#post-${post.id}`);
    expect((await postRow(post.id)).hidden_at).toBeNull();
    expect(await actions(post.id)).toEqual(['post_hide', 'post_unhide']);
    // Restoring a post that is not hidden, hiding a hidden one: refused (403).
    expect((await m.post(`/mod/posts/${post.id}/unhide`, {})).statusCode).toBe(403);
  });

  it('a suspended moderator is a guest here (404)', async () => {
    const { post } = await newPost();
    const susp = await createUser(ctx.db, { role: 'moderator', suspended_until: new Date(Date.now() + 86400_000) });
    const c = await people.withSession(ctx.app, ctx.db, susp);
    expect((await c.get('/mod/queue')).statusCode).toBe(404);
    expect((await c.post(`/mod/posts/${post.id}/hide`, {})).statusCode).toBe(404);
  });
});
