import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { flagPost } from '../../server/features/moderation/flags.service.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { asViewer, createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let cat: Category;
let author: User;
let moderator: User;
let staff: User;

beforeAll(async () => {
  ctx = await createTestApp();
  cat = await createCategory(ctx.db);
  author = await createUser(ctx.db, { trust_level: 1 });
  moderator = await createUser(ctx.db, { role: 'moderator' });
  staff = await createUser(ctx.db, { role: 'staff' });
});
afterAll(async () => ctx.close());

const signedIn = (user: User) => people.signedIn(ctx.app, user);

async function newPost(by: User = author, body = 'Something people might object to.') {
  const { topic } = await createTopic(ctx.db, by, cat);
  const post = await createReply(ctx.db, by, topic.id, body);
  return { topic, post };
}

/** Flags a post by `n` fresh members of trust level `tl` (through the service: setup, not the thing under test). */
async function flagBy(postId: number, n: number, reason: 'spam' | 'abuse' | 'off_topic' = 'abuse', tl = 1, note = '') {
  const users = [];
  for (let i = 0; i < n; i += 1) {
    const u = await createUser(ctx.db, { trust_level: tl });
    await flagPost(ctx.db, asViewer(u), postId, { reason, note });
    users.push(u);
  }
  return users;
}

const itemOf = async (postId: number) => (await ctx.db.selectFrom('review_items').selectAll().where('post_id', '=', postId).orderBy('id', 'desc').executeTakeFirstOrThrow());

describe('the queue page', () => {
  it('lists one item per flagged post, highest score first, deferred last, with the author’s record and every flag', async () => {
    const low = await newPost();
    const high = await newPost();
    const deferred = await newPost();
    await flagBy(low.post.id, 1, 'off_topic', 1, 'not about the topic');
    await flagBy(high.post.id, 2, 'abuse', 2);
    await flagBy(deferred.post.id, 3, 'spam', 1);
    await ctx.db.updateTable('review_items').set({ deferred_at: new Date() }).where('post_id', '=', deferred.post.id).execute();
    await ctx.db.insertInto('sanctions').values({ user_id: author.id, kind: 'silence', reason: 'earlier', ends_at: new Date(Date.now() - 1000), actor_id: moderator.id }).execute();

    const m = await signedIn(moderator);
    const res = await m.get('/mod/queue');
    expect(res.statusCode).toBe(200);
    const doc = dom(res.body);
    const ids = [...doc.querySelectorAll('#queue > li.queue-item')].map((li) => li.id);
    const pos = (postId: number) => ids.indexOf(`review-item-${postId}`);
    const [lo, hi, de] = await Promise.all([itemOf(low.post.id), itemOf(high.post.id), itemOf(deferred.post.id)]);
    expect(pos(hi.id)).toBeGreaterThanOrEqual(0);
    expect(pos(hi.id)).toBeLessThan(pos(lo.id));
    expect(pos(lo.id)).toBeLessThan(pos(de.id));
    expect(ids.at(-1)).toBe(`review-item-${de.id}`);

    const li = doc.querySelector(`#review-item-${lo.id}`)!;
    expect(text(li.querySelector('.queue-score'))).toBe('Score 2');
    expect(text(li.querySelector('.queue-body'))).toContain('Something people might object to.');
    expect(li.querySelector('.queue-title a')?.getAttribute('href')).toBe(`/t/${low.topic.id}/${low.topic.slug}#post-${low.post.id}`);
    expect(text(li.querySelector('.queue-author'))).toContain('Trust level 1');
    expect(text(li.querySelector('.author-sanctions'))).toBe('1 sanction');
    expect(text(li.querySelector('.queue-flags'))).toContain('Off-topic');
    expect(text(li.querySelector('.queue-flags'))).toContain('not about the topic');
    // The suggested duration follows the ladder: one earlier sanction → 72 h.
    expect(li.querySelector('select[name="hours"] option[selected]')?.getAttribute('value')).toBe('72');
    // Real buttons, in order, each with a no-JS formaction and an htmx post.
    const buttons = [...li.querySelectorAll('.queue-actions button')];
    expect(buttons.map((b) => b.getAttribute('formaction'))).toEqual(['agree', 'disagree', 'defer'].map((d) => `/mod/queue/${lo.id}/${d}`));
    expect(buttons.every((b) => b.getAttribute('type') === 'submit' && b.getAttribute('hx-post') === b.getAttribute('formaction'))).toBe(true);
    expect(li.querySelector('form')?.getAttribute('hx-target')).toBe(`#review-item-${lo.id}`);
  });

  it('is not there for guests and members (404), nor any of its actions', async () => {
    const { post } = await newPost();
    await flagBy(post.id, 1);
    const item = await itemOf(post.id);
    const member = await createUser(ctx.db, { trust_level: 4 });
    for (const c of [people.browser(ctx.app), await signedIn(member), await signedIn(author)]) {
      expect((await c.get('/mod/queue')).statusCode).toBe(404);
      for (const d of ['agree', 'disagree', 'defer']) expect((await c.post(`/mod/queue/${item.id}/${d}`, {})).statusCode).toBe(404);
      expect((await c.post(`/mod/posts/${post.id}/hide`, {})).statusCode).toBe(404);
      expect((await c.post(`/mod/posts/${post.id}/unhide`, {})).statusCode).toBe(404);
    }
    expect((await itemOf(post.id)).status).toBe('pending');
  });

  it('pages by key: the "more" link continues where the page ended', async () => {
    const fresh = await createUser(ctx.db, { role: 'moderator' });
    const before = (await ctx.db.selectFrom('review_items').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow()).n;
    for (let i = before; i < 22; i += 1) await flagBy((await newPost()).post.id, 1);
    const m = await signedIn(fresh);
    const first = dom((await m.get('/mod/queue')).body);
    const firstIds = [...first.querySelectorAll('#queue > li.queue-item')].map((li) => li.id);
    expect(firstIds).toHaveLength(20);
    const more = first.querySelector('#queue-more a');
    const href = more!.getAttribute('href')!;
    expect(more?.getAttribute('hx-get')).toBe(href);
    const next = await m.get(href, { htmx: true });
    expect(next.body).not.toContain('<html');
    const nextIds = [...dom(next.body).querySelectorAll('li.queue-item')].map((li) => li.id);
    expect(nextIds.length).toBeGreaterThan(0);
    expect(nextIds.filter((id) => firstIds.includes(id))).toEqual([]);
    expect((await m.get('/mod/queue?after=garbage')).statusCode).toBe(404);
  });
});

describe('a moderator’s own post', () => {
  it('its item is not shown to that moderator and the actions refuse (404); staff handle it', async () => {
    const { post } = await newPost(moderator);
    // A TL4 flag (weight 5) keeps it on the first page of a busy queue.
    await flagBy(post.id, 1, 'abuse', 4);
    const item = await itemOf(post.id);
    const m = await signedIn(moderator);
    expect(dom((await m.get('/mod/queue')).body).querySelector(`#review-item-${item.id}`)).toBeNull();
    for (const d of ['agree', 'disagree', 'defer']) expect((await m.post(`/mod/queue/${item.id}/${d}`, {})).statusCode).toBe(404);
    // Nor can they hide or restore it themselves.
    expect((await m.post(`/mod/posts/${post.id}/hide`, {})).statusCode).toBe(403);
    await ctx.db.updateTable('posts').set({ hidden_at: new Date(), hidden_reason: 'abuse' }).where('id', '=', post.id).execute();
    expect((await m.post(`/mod/posts/${post.id}/unhide`, {})).statusCode).toBe(403);
    expect((await itemOf(post.id)).status).toBe('pending');

    const other = await signedIn(await createUser(ctx.db, { role: 'moderator' }));
    expect(dom((await other.get('/mod/queue')).body).querySelector(`#review-item-${item.id}`)).not.toBeNull();
    const s = await signedIn(staff);
    expect((await s.post(`/mod/queue/${item.id}/disagree`, {})).statusCode).toBe(303);
    expect((await itemOf(post.id)).status).toBe('disagreed');
  });
});

describe('in Russian', () => {
  it('the queue and the flag form speak Russian, with plural forms', async () => {
    const { post } = await newPost();
    await flagBy(post.id, 2);
    const m = people.browser(ctx.app, people.nextIp(), 'ru');
    await m.login(moderator.username);
    const doc = dom((await m.get('/mod/queue')).body);
    expect(text(doc.querySelector('h1'))).toBe('Очередь проверки');
    const item = await itemOf(post.id);
    expect(text(doc.querySelector(`#review-item-${item.id} .queue-tags`))).toContain('2 жалобы');
    const member = people.browser(ctx.app, people.nextIp(), 'ru');
    await member.login((await createUser(ctx.db, { trust_level: 1 })).username);
    const form = dom((await member.get(`/posts/${post.id}/flag`)).body);
    expect(text(form.querySelector('legend'))).toBe('Что не так?');
    expect(text(form.querySelector(`#flag-form-${post.id} button[type=submit]`))).toBe('Отправить жалобу');
  });
});
