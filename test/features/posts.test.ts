import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { countDrift } from '../../server/features/topics/topics.queries.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import * as people from '../helpers/people.js';
import { Client } from '../helpers/client.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';

let ctx: TestContext;
let author: User;
let other: User;
let moderator: User;
let cat: Category;

beforeAll(async () => {
  ctx = await createTestApp();
  author = await createUser(ctx.db, { trust_level: 0 });
  other = await createUser(ctx.db);
  moderator = await createUser(ctx.db, { role: 'moderator' });
  cat = await createCategory(ctx.db);
});
afterAll(async () => ctx.close());

const signedIn = (user: User): Promise<Client> => people.signedIn(ctx.app, user);

describe('editing', () => {
  it('keeps every earlier version as a revision and marks the post edited (htmx fragment)', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const reply = await createReply(ctx.db, author, topic.id, 'first version');
    const c = await signedIn(author);
    const form = await c.get(`/posts/${reply.id}/edit`, { htmx: true });
    expect(form.statusCode).toBe(200);
    expect(form.body).not.toContain('<html');
    expect(text(dom(form.body).querySelector('textarea'))).toBe('first version');

    const res = await c.post(`/posts/${reply.id}/edit`, { body: 'second version' }, { htmx: true });
    expect(res.statusCode).toBe(200);
    const post = dom(res.body).querySelector(`#post-${reply.id}`);
    expect(text(post?.querySelector('.post-body'))).toBe('second version');
    expect(post?.querySelector('.edited')).not.toBeNull();
    expect(post?.querySelector(`a[href="/posts/${reply.id}/revisions"]`)).not.toBeNull();

    const plain = await c.post(`/posts/${reply.id}/edit`, { body: 'third version' });
    expect(plain.statusCode).toBe(303);
    expect(plain.headers.location).toBe(`/t/${topic.id}/${topic.slug}#post-${reply.id}`);

    // Saving the same text again makes no revision.
    await c.post(`/posts/${reply.id}/edit`, { body: 'third version' });
    const history = dom((await new Client(ctx.app).get(`/posts/${reply.id}/revisions`)).body);
    const versions = [...history.querySelectorAll('article.revision .prose')].map((el) => text(el));
    expect(versions).toEqual(['third version', 'second version', 'first version']);
  });

  it('is refused to another member, a guest, after the window for TL0, and allowed to a moderator (who is recorded)', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const reply = await createReply(ctx.db, author, topic.id, 'original text');
    expect((await (await signedIn(other)).post(`/posts/${reply.id}/edit`, { body: 'hijack' })).statusCode).toBe(403);
    expect((await (await signedIn(other)).get(`/posts/${reply.id}/edit`)).statusCode).toBe(403);
    expect((await new Client(ctx.app).post(`/posts/${reply.id}/edit`, { body: 'hijack' })).statusCode).toBe(403);

    await ctx.db.updateTable('posts').set({ created_at: new Date(Date.now() - 25 * 3600_000) }).where('id', '=', reply.id).execute();
    const late = await (await signedIn(author)).post(`/posts/${reply.id}/edit`, { body: 'too late' });
    expect(late.statusCode).toBe(403);

    expect((await (await signedIn(moderator)).post(`/posts/${reply.id}/edit`, { body: 'fixed by a moderator' })).statusCode).toBe(303);
    const row = await ctx.db.selectFrom('posts').select(['body_md', 'last_editor_id']).where('id', '=', reply.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ body_md: 'fixed by a moderator', last_editor_id: moderator.id });
  });

  it('keeps the text of an invalid edit (422)', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const reply = await createReply(ctx.db, author, topic.id, 'keep me');
    const res = await (await signedIn(author)).post(`/posts/${reply.id}/edit`, { body: 'x'.repeat(50_001) });
    expect(res.statusCode).toBe(422);
    const row = await ctx.db.selectFrom('posts').select('body_md').where('id', '=', reply.id).executeTakeFirstOrThrow();
    expect(row.body_md).toBe('keep me');
  });
});

describe('deleting and restoring', () => {
  it('shows a "deleted by author" placeholder, keeps counters exact, and staff can restore', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const reply = await createReply(ctx.db, author, topic.id, 'regrettable words');
    const c = await signedIn(author);
    const res = await c.post(`/posts/${reply.id}/delete`, {}, { htmx: true });
    expect(res.statusCode).toBe(200);
    expect(text(dom(res.body).querySelector(`#post-${reply.id} .placeholder`))).toBe('This post was deleted by its author.');
    expect(res.body).not.toContain('regrettable words');

    const guestView = (await new Client(ctx.app).get(`/t/${topic.id}`)).body;
    expect(guestView).not.toContain('regrettable words');
    expect((await new Client(ctx.app).get(`/posts/${reply.id}/revisions`)).statusCode).toBe(404);
    expect((await c.post(`/posts/${reply.id}/restore`)).statusCode).toBe(403);
    let t = await ctx.db.selectFrom('topics').select('reply_count').where('id', '=', topic.id).executeTakeFirstOrThrow();
    expect(t.reply_count).toBe(0);

    const staffView = dom((await (await signedIn(moderator)).get(`/t/${topic.id}`)).body);
    expect(text(staffView.querySelector(`#post-${reply.id} .post-body`))).toBe('regrettable words');
    expect((await (await signedIn(moderator)).post(`/posts/${reply.id}/restore`)).statusCode).toBe(303);
    t = await ctx.db.selectFrom('topics').select('reply_count').where('id', '=', topic.id).executeTakeFirstOrThrow();
    expect(t.reply_count).toBe(1);
    expect(await countDrift(ctx.db)).toEqual({ topics: [], categories: [] });
  });

  it('refuses another member and a guest; deleting twice changes nothing', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const reply = await createReply(ctx.db, author, topic.id);
    expect((await (await signedIn(other)).post(`/posts/${reply.id}/delete`)).statusCode).toBe(403);
    expect((await new Client(ctx.app).post(`/posts/${reply.id}/delete`)).statusCode).toBe(403);
    const m = await signedIn(moderator);
    expect((await m.post(`/posts/${reply.id}/delete`)).statusCode).toBe(303);
    expect((await m.post(`/posts/${reply.id}/delete`)).statusCode).toBe(403);
    expect(await countDrift(ctx.db)).toEqual({ topics: [], categories: [] });
  });

  it('deleting the first post deletes the topic, allowed to the author only before replies', async () => {
    const { topic, post } = await createTopic(ctx.db, author, cat);
    const c = await signedIn(author);
    const res = await c.post(`/posts/${post.id}/delete`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/c/${cat.slug}`);
    expect((await new Client(ctx.app).get(`/t/${topic.id}`)).statusCode).toBe(404);
    expect((await (await signedIn(moderator)).get(`/t/${topic.id}`)).statusCode).toBe(200);

    const { topic: busy, post: opener } = await createTopic(ctx.db, author, cat);
    await createReply(ctx.db, other, busy.id);
    expect((await c.post(`/posts/${opener.id}/delete`)).statusCode).toBe(403);
    expect(await countDrift(ctx.db)).toEqual({ topics: [], categories: [] });
  });
});

describe('permalinks', () => {
  it('/p/:id goes to the right page and anchor; unreadable posts are not found', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    let last = 0;
    for (let i = 0; i < 21; i++) last = (await createReply(ctx.db, other, topic.id)).id;
    const res = await new Client(ctx.app).get(`/p/${last}`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`/t/${topic.id}/${topic.slug}?page=2#post-${last}`);
    const secret = await createCategory(ctx.db, { read_access: 'staff' });
    const { post } = await createTopic(ctx.db, moderator, secret);
    expect((await new Client(ctx.app).get(`/p/${post.id}`)).statusCode).toBe(404);
    expect((await (await signedIn(other)).get(`/posts/${post.id}/revisions`)).statusCode).toBe(404);
  });
});
