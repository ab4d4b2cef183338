import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { setBookmark } from '../../server/features/watching/watching.service.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let talk: Category;
let staffOnly: Category;
let author: User;
let suspended: User;

beforeAll(async () => {
  ctx = await createTestApp();
  talk = await createCategory(ctx.db, { name: 'Lounge' });
  staffOnly = await createCategory(ctx.db, { name: 'Team room', read_access: 'staff', post_access: 'staff' });
  author = await createUser(ctx.db);
  suspended = await createUser(ctx.db, { suspended_until: new Date(Date.now() + 86400_000) });
});
afterAll(async () => ctx.close());

async function bookmarked(user: User): Promise<number[]> {
  return (await ctx.db.selectFrom('bookmarks').select('post_id').where('user_id', '=', user.id).orderBy('post_id').execute()).map((r) => r.post_id);
}

describe('bookmarking a post', () => {
  it('the toggle under each post: add without JavaScript (303 back to the post), then remove', async () => {
    const { topic, post } = await createTopic(ctx.db, author, talk);
    const r = await createReply(ctx.db, author, topic.id, 'Worth keeping.');
    const me = await createUser(ctx.db);
    const c = await people.signedIn(ctx.app, me);
    const page = dom((await c.get(`/t/${topic.id}`)).body);
    const button = page.querySelector(`#bookmark-${r.id} button`);
    expect(button?.getAttribute('aria-pressed')).toBe('false');
    expect(button?.getAttribute('aria-label')).toBe('Bookmark post #2');
    const res = await c.post(`/posts/${r.id}/bookmark`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/${topic.id}/${topic.slug}#post-${r.id}`);
    expect(await bookmarked(me)).toEqual([r.id]);
    const after = dom((await c.get(`/t/${topic.id}`)).body);
    expect(after.querySelector(`#bookmark-${r.id} button`)?.getAttribute('aria-pressed')).toBe('true');
    expect(after.querySelector(`#bookmark-${post.id} button`)?.getAttribute('aria-pressed')).toBe('false');
    // Adding twice changes nothing; removing works and is idempotent too.
    expect((await c.post(`/posts/${r.id}/bookmark`)).statusCode).toBe(303);
    expect(await bookmarked(me)).toEqual([r.id]);
    expect((await c.post(`/posts/${r.id}/unbookmark`)).statusCode).toBe(303);
    expect((await c.post(`/posts/${r.id}/unbookmark`)).statusCode).toBe(303);
    expect(await bookmarked(me)).toEqual([]);
  });

  it('with htmx the toggle alone comes back in its new state', async () => {
    const { post } = await createTopic(ctx.db, author, talk);
    const me = await createUser(ctx.db);
    const c = await people.signedIn(ctx.app, me);
    const res = await c.post(`/posts/${post.id}/bookmark`, {}, { htmx: true });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<html');
    const doc = dom(res.body);
    expect(doc.querySelector(`#bookmark-${post.id} button`)?.getAttribute('aria-pressed')).toBe('true');
    expect(doc.querySelector(`#bookmark-${post.id} form`)?.getAttribute('hx-post')).toBe(`/posts/${post.id}/unbookmark`);
    expect(text(doc.querySelector('[role="status"]'))).toBe('Bookmarked.');
  });

  it('guests and suspended members are sent to log in; another member’s bookmarks are their own', async () => {
    const { topic, post } = await createTopic(ctx.db, author, talk);
    const guest = people.browser(ctx.app);
    const seen = await guest.get(`/t/${topic.id}`);
    expect(dom(seen.body).querySelector(`#post-${post.id}`)).not.toBeNull();
    expect(dom(seen.body).querySelector(`#bookmark-${post.id}`)).toBeNull();
    expect((await guest.post(`/posts/${post.id}/bookmark`)).headers.location).toMatch(/^\/login\?next=/);
    const s = await people.withSession(ctx.app, ctx.db, suspended);
    expect((await s.post(`/posts/${post.id}/bookmark`)).headers.location).toMatch(/^\/login/);
    expect(await bookmarked(suspended)).toEqual([]);
    const a = await createUser(ctx.db);
    const b = await createUser(ctx.db);
    await (await people.signedIn(ctx.app, a)).post(`/posts/${post.id}/bookmark`);
    expect((await (await people.signedIn(ctx.app, b)).post(`/posts/${post.id}/unbookmark`)).statusCode).toBe(303);
    expect(await bookmarked(a)).toEqual([post.id]);
  });

  it('a post the member cannot read is not found; a deleted one cannot be bookmarked (403)', async () => {
    const staff = await createUser(ctx.db, { role: 'staff' });
    const { post: secret } = await createTopic(ctx.db, staff, staffOnly);
    const { topic } = await createTopic(ctx.db, author, talk);
    const gone = await createReply(ctx.db, author, topic.id, 'Soon deleted.');
    await ctx.db.updateTable('posts').set({ deleted_at: new Date(), deleted_by_id: author.id }).where('id', '=', gone.id).execute();
    const me = await createUser(ctx.db);
    const c = await people.signedIn(ctx.app, me);
    await c.get('/');
    expect((await c.post(`/posts/${secret.id}/bookmark`)).statusCode).toBe(404);
    expect((await c.post('/posts/99999999/bookmark')).statusCode).toBe(404);
    expect((await c.post(`/posts/${gone.id}/bookmark`)).statusCode).toBe(403);
    expect(await bookmarked(me)).toEqual([]);
  });
});

describe('the bookmarks page', () => {
  it('lists the member’s bookmarks, newest first, paged by key; fragment for htmx', async () => {
    const me = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, author, talk, { title: 'Recipes for long winters' });
    const posts = [];
    for (let i = 0; i < 32; i++) posts.push(await createReply(ctx.db, author, topic.id, `Recipe number ${i}.`));
    for (const p of posts) await setBookmark(ctx.db, me.id, p.id, true);
    const c = await people.signedIn(ctx.app, me);
    const first = dom((await c.get('/bookmarks')).body);
    const items = [...first.querySelectorAll('.bookmark-item')];
    expect(items).toHaveLength(30);
    expect(items[0]!.id).toBe(`bookmark-item-${posts[31]!.id}`);
    expect(text(items[0]!.querySelector('.link-title'))).toBe('Recipes for long winters');
    expect(text(items[0]!.querySelector('.bookmark-excerpt'))).toBe('Recipe number 31.');
    const next = first.querySelector('a[rel="next"]')!.getAttribute('href')!;
    const frag = await c.get(next, { htmx: true });
    expect(frag.body).not.toContain('<html');
    expect(frag.headers.vary).toContain('HX-Request');
    expect([...dom(frag.body).querySelectorAll('.bookmark-item')].map((li) => li.id)).toEqual([`bookmark-item-${posts[1]!.id}`, `bookmark-item-${posts[0]!.id}`]);
    expect((await c.get('/bookmarks?before=abc')).statusCode).toBe(404);
    // Removing from the list without JavaScript comes back to the list.
    const rm = await c.post(`/posts/${posts[0]!.id}/unbookmark`, {}, { headers: { referer: 'http://localhost/bookmarks?before=5' } });
    expect(rm.headers.location).toBe('/bookmarks');
  });

  it('someone else’s bookmarks never show; a topic moved where the member cannot read drops out; guests log in', async () => {
    const me = await createUser(ctx.db);
    const other = await createUser(ctx.db);
    const { topic, post } = await createTopic(ctx.db, author, talk);
    await setBookmark(ctx.db, other.id, post.id, true);
    const c = await people.signedIn(ctx.app, me);
    expect(dom((await c.get('/bookmarks')).body).querySelector('#bookmarks-empty')).not.toBeNull();
    await setBookmark(ctx.db, me.id, post.id, true);
    expect(dom((await c.get('/bookmarks')).body).querySelectorAll('.bookmark-item')).toHaveLength(1);
    await ctx.db.updateTable('topics').set({ category_id: staffOnly.id }).where('id', '=', topic.id).execute();
    expect(dom((await c.get('/bookmarks')).body).querySelectorAll('.bookmark-item')).toHaveLength(0);
    expect((await people.browser(ctx.app).get('/bookmarks')).headers.location).toBe('/login?next=/bookmarks');
    expect((await (await people.withSession(ctx.app, ctx.db, suspended)).get('/bookmarks')).headers.location).toBe('/login?next=/bookmarks');
  });
});
