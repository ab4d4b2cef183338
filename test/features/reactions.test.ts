import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { resetSettings, updateSettings } from '../../server/features/settings/settings.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';
import * as r from '../helpers/reactions.js';

let ctx: TestContext;
let author: User;
let member: User;
let moderator: User;
let cat: Category;

beforeAll(async () => {
  ctx = await createTestApp();
  author = await createUser(ctx.db);
  member = await createUser(ctx.db);
  moderator = await createUser(ctx.db, { role: 'moderator' });
  cat = await createCategory(ctx.db);
});
afterAll(async () => ctx.close());
afterEach(async () => resetSettings(ctx.db));

const signedIn = (user: User) => people.signedIn(ctx.app, user);

const countsOf = (postId: number) => r.countsOf(ctx.db, postId);
const reactionRows = (postId: number) => r.reactionRows(ctx.db, postId);
const expectConsistent = () => r.expectConsistent(ctx.db);

/** A fresh reply by `author` (reactions go to replies and first posts alike). */
async function newPost() {
  const { topic } = await createTopic(ctx.db, author, cat);
  const post = await createReply(ctx.db, author, topic.id, 'Something worth reacting to.');
  return { topic, post };
}




function button(doc: Document, postId: number, kind: string) {
  return doc.querySelector(`#reactions-${postId} button[name="reaction"][value="${kind}"]`) ?? null;
}

describe('toggling a reaction', () => {
  it('with htmx answers the updated bar fragment in place (on, then off)', async () => {
    const { post } = await newPost();
    const c = await signedIn(member);
    const pressed = await c.post(`/posts/${post.id}/reactions`, { reaction: 'thumbs_up' }, { htmx: true });
    expect(pressed.statusCode).toBe(200);
    expect(pressed.body).not.toContain('<html');
    expect(pressed.headers.vary).toContain('HX-Request');
    const doc = dom(pressed.body);
    expect(doc.querySelectorAll(`#reactions-${post.id}`)).toHaveLength(1);
    const like = button(doc, post.id, 'thumbs_up');
    expect(like?.getAttribute('aria-pressed')).toBe('true');
    expect(text(like?.querySelector('.reaction-count'))).toBe('1');
    expect(text(like)).toContain('Like');
    expect(button(doc, post.id, 'heart')?.getAttribute('aria-pressed')).toBe('false');
    // Every button is a real form, so the bar works without JavaScript too.
    const form = like!.closest('form')!;
    expect(form.getAttribute('method')).toBe('post');
    expect(form.getAttribute('action')).toBe(`/posts/${post.id}/reactions`);
    expect(form.getAttribute('hx-target')).toBe(`#reactions-${post.id}`);
    expect(form.getAttribute('hx-swap')).toBe('outerHTML');
    expect(form.querySelector('input[name="_csrf"]')?.getAttribute('value')).toBeTruthy();
    expect(await countsOf(post.id)).toEqual({ thumbs_up: 1 });

    const off = await c.post(`/posts/${post.id}/reactions`, { reaction: 'thumbs_up' }, { htmx: true });
    expect(off.statusCode).toBe(200);
    const after = button(dom(off.body), post.id, 'thumbs_up');
    expect(after?.getAttribute('aria-pressed')).toBe('false');
    expect(after?.querySelector('.reaction-count')).toBeNull();
    expect(await countsOf(post.id)).toEqual({});
    expect(await reactionRows(post.id)).toEqual([]);
    await expectConsistent();
  });

  it('without JavaScript answers 303 back to the post, and the topic page shows the viewer’s reactions', async () => {
    const { topic, post } = await newPost();
    const c = await signedIn(member);
    const res = await c.post(`/posts/${post.id}/reactions`, { reaction: 'heart' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/${topic.id}/${topic.slug}#post-${post.id}`);
    await (await signedIn(moderator)).post(`/posts/${post.id}/reactions`, { reaction: 'heart' });

    const page = dom((await c.get(`/t/${topic.id}`)).body);
    const heart = button(page, post.id, 'heart');
    expect(heart?.getAttribute('aria-pressed')).toBe('true');
    expect(text(heart?.querySelector('.reaction-count'))).toBe('2');
    expect(page.querySelector(`#reactions-${post.id} a[href="/posts/${post.id}/reactions"]`)).not.toBeNull();

    // The moderator's page: the same counts, their own state.
    const staffPage = dom((await (await signedIn(moderator)).get(`/t/${topic.id}`)).body);
    expect(button(staffPage, post.id, 'heart')?.getAttribute('aria-pressed')).toBe('true');

    // A guest sees the counts as links to log in, and no forms (nor a CSRF token).
    const guest = dom((await people.browser(ctx.app).get(`/t/${topic.id}`)).body);
    expect(guest.querySelector(`#reactions-${post.id} form`)).toBeNull();
    const link = guest.querySelector(`#reactions-${post.id} a.reaction`);
    expect(link?.getAttribute('href')).toBe(`/login?next=${encodeURIComponent(`/p/${post.id}`)}`);
    expect(text(link)).toContain('2');

    // The author sees the counts but has nothing to press on their own post.
    const own = dom((await (await signedIn(author)).get(`/t/${topic.id}`)).body);
    expect(own.querySelector(`#reactions-${post.id} form`)).toBeNull();
    expect(text(own.querySelector(`#reactions-${post.id} .reaction`))).toContain('2');
  });

  it('refuses an unknown or missing reaction key (400) and stores nothing', async () => {
    const { post } = await newPost();
    const c = await signedIn(member);
    expect((await c.post(`/posts/${post.id}/reactions`, { reaction: 'thumbs_down' })).statusCode).toBe(400);
    expect((await c.post(`/posts/${post.id}/reactions`, {})).statusCode).toBe(400);
    expect((await c.post(`/posts/${post.id}/reactions`, { reaction: 'x'.repeat(33) })).statusCode).toBe(400);
    expect((await c.post('/posts/abc/reactions', { reaction: 'heart' })).statusCode).toBe(404);
    expect((await c.post('/posts/99999999/reactions', { reaction: 'heart' })).statusCode).toBe(404);
    expect(await reactionRows(post.id)).toEqual([]);
  });

  it('offers only the configured reactions, in their order', async () => {
    const { topic, post } = await newPost();
    await updateSettings(ctx.db, { reactions: [{ key: 'heart', emoji: '❤️', weight: 1 }, { key: 'party', emoji: '🎉', weight: 2 }] });
    const c = await signedIn(member);
    const page = dom((await c.get(`/t/${topic.id}`)).body);
    const kinds = [...page.querySelectorAll(`#reactions-${post.id} button[name="reaction"]`)].map((el) => el.getAttribute('value'));
    expect(kinds).toEqual(['heart', 'party']);
    expect((await c.post(`/posts/${post.id}/reactions`, { reaction: 'party' })).statusCode).toBe(303);
    expect((await c.post(`/posts/${post.id}/reactions`, { reaction: 'thumbs_up' })).statusCode).toBe(400);
  });

  it('a post fragment rendered after an inline edit loads its bar lazily', async () => {
    const { post } = await newPost();
    const edit = await (await signedIn(author)).post(`/posts/${post.id}/edit`, { body: 'Edited text.' }, { htmx: true });
    const placeholder = dom(edit.body).querySelector(`#reactions-${post.id}`);
    expect(placeholder?.getAttribute('hx-get')).toBe(`/posts/${post.id}/reactions/bar`);
    expect(placeholder?.getAttribute('hx-trigger')).toBe('load');
    const c = await signedIn(member);
    const bar = await c.get(`/posts/${post.id}/reactions/bar`, { htmx: true });
    expect(bar.statusCode).toBe(200);
    expect(bar.body).not.toContain('<html');
    expect(button(dom(bar.body), post.id, 'thumbs_up')).not.toBeNull();
    expect((await c.get(`/posts/${post.id}/reactions/bar`)).statusCode).toBe(303);
  });
});

describe('the wrong person', () => {
  it('a guest is sent to log in (303, or 401 with HX-Redirect for htmx)', async () => {
    const { topic, post } = await newPost();
    const guest = people.browser(ctx.app);
    const res = await guest.post(`/posts/${post.id}/reactions`, { reaction: 'heart' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(`/t/${topic.id}/${topic.slug}#post-${post.id}`)}`);
    const hx = await guest.post(`/posts/${post.id}/reactions`, { reaction: 'heart' }, { htmx: true });
    expect(hx.statusCode).toBe(401);
    expect(hx.headers['hx-redirect']).toMatch(/^\/login\?next=/);
    expect(await reactionRows(post.id)).toEqual([]);
  });

  it('the post’s author gets 403 with a clear message', async () => {
    const { post } = await newPost();
    const res = await (await signedIn(author)).post(`/posts/${post.id}/reactions`, { reaction: 'heart' });
    expect(res.statusCode).toBe(403);
    expect(text(dom(res.body).querySelector('main'))).toContain('You cannot react to your own post.');
    expect(await reactionRows(post.id)).toEqual([]);
  });

  it('a member who cannot see the category gets 404, for reacting and for who reacted', async () => {
    const secret = await createCategory(ctx.db, { read_access: 'staff' });
    const { post } = await createTopic(ctx.db, moderator, secret);
    const c = await signedIn(member);
    expect((await c.post(`/posts/${post.id}/reactions`, { reaction: 'heart' })).statusCode).toBe(404);
    expect((await c.get(`/posts/${post.id}/reactions`)).statusCode).toBe(404);
    expect((await people.browser(ctx.app).get(`/posts/${post.id}/reactions`)).statusCode).toBe(404);
    const staff = await createUser(ctx.db, { role: 'staff' });
    expect((await (await signedIn(staff)).post(`/posts/${post.id}/reactions`, { reaction: 'heart' })).statusCode).toBe(303);
    expect(await reactionRows(post.id)).toEqual([{ user_id: staff.id, kind: 'heart' }]);
  });

  it('deleted and hidden posts cannot be reacted to (404)', async () => {
    const { post: deleted } = await newPost();
    const { post: hidden } = await newPost();
    await (await signedIn(moderator)).post(`/posts/${deleted.id}/delete`);
    await ctx.db.updateTable('posts').set({ hidden_at: new Date(), hidden_reason: 'spam' }).where('id', '=', hidden.id).execute();
    const c = await signedIn(member);
    expect((await c.post(`/posts/${deleted.id}/reactions`, { reaction: 'heart' })).statusCode).toBe(404);
    expect((await c.post(`/posts/${hidden.id}/reactions`, { reaction: 'heart' })).statusCode).toBe(404);
    expect((await (await signedIn(moderator)).post(`/posts/${deleted.id}/reactions`, { reaction: 'heart' })).statusCode).toBe(404);
    expect(await reactionRows(deleted.id)).toEqual([]);
    expect(await reactionRows(hidden.id)).toEqual([]);
  });

  it('a suspended user’s old session is a guest’s; a silenced user may react', async () => {
    const { post } = await newPost();
    const suspended = await createUser(ctx.db);
    const s = await signedIn(suspended);
    await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 86400_000) }).where('id', '=', suspended.id).execute();
    const res = await s.post(`/posts/${post.id}/reactions`, { reaction: 'heart' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/^\/login\?next=/);

    const silenced = await createUser(ctx.db, { silenced_until: new Date(Date.now() + 86400_000) });
    const ok = await (await signedIn(silenced)).post(`/posts/${post.id}/reactions`, { reaction: 'heart' }, { htmx: true });
    expect(ok.statusCode).toBe(200);
    expect(button(dom(ok.body), post.id, 'heart')?.getAttribute('aria-pressed')).toBe('true');
    expect(await reactionRows(post.id)).toEqual([{ user_id: silenced.id, kind: 'heart' }]);
  });

  it('a request without the CSRF token is refused', async () => {
    const { post } = await newPost();
    const c = await signedIn(member);
    expect((await c.post(`/posts/${post.id}/reactions`, { reaction: 'heart' }, { noCsrf: true })).statusCode).toBe(403);
    expect(await reactionRows(post.id)).toEqual([]);
  });
});

describe('who reacted', () => {
  it('is a page without JavaScript and a fragment for htmx, listing people by kind', async () => {
    const { post } = await newPost();
    const fan = await createUser(ctx.db);
    await (await signedIn(fan)).post(`/posts/${post.id}/reactions`, { reaction: 'laugh' });
    await (await signedIn(member)).post(`/posts/${post.id}/reactions`, { reaction: 'laugh' });
    await (await signedIn(member)).post(`/posts/${post.id}/reactions`, { reaction: 'wow' });

    const page = await people.browser(ctx.app).get(`/posts/${post.id}/reactions`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<html');
    const doc = dom(page.body);
    expect(text(doc.querySelector(`#who-${post.id}-laugh .who-users`))).toBe(`${fan.username}, ${member.username}`);
    expect(text(doc.querySelector(`#who-${post.id}-wow .who-users`))).toBe(member.username);
    expect(doc.querySelector(`#who-${post.id}-heart`)).toBeNull();

    const frag = await people.browser(ctx.app).get(`/posts/${post.id}/reactions`, { htmx: true });
    expect(frag.statusCode).toBe(200);
    expect(frag.body).not.toContain('<html');
    expect(frag.headers.vary).toContain('HX-Request');
    expect(dom(frag.body).querySelector(`#who-${post.id}-laugh`)).not.toBeNull();
  });

  it('is not found for posts the viewer may not see', async () => {
    const { post } = await newPost();
    await (await signedIn(member)).post(`/posts/${post.id}/reactions`, { reaction: 'heart' });
    await (await signedIn(moderator)).post(`/posts/${post.id}/delete`);
    expect((await people.browser(ctx.app).get(`/posts/${post.id}/reactions`)).statusCode).toBe(404);
    expect((await (await signedIn(member)).get(`/posts/${post.id}/reactions`)).statusCode).toBe(404);
    expect((await (await signedIn(moderator)).get(`/posts/${post.id}/reactions`)).statusCode).toBe(200);
  });
});
