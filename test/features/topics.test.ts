import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Category, User } from '../../server/db/types.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import * as people from '../helpers/people.js';
import { Client } from '../helpers/client.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import { DEFAULT_SETTINGS, updateSettings } from '../../server/features/settings/settings.js';

let ctx: TestContext;
let member: User;
let other: User;
let staff: User;
let open: Category;
let staffOnly: Category;
let membersOnly: Category;
let staffPost: Category;

beforeAll(async () => {
  ctx = await createTestApp();
  // These tests post several times in a row as one member; the gap between posts has tests of its own (posting-limits).
  await updateSettings(ctx.db, { moderation: { ...DEFAULT_SETTINGS.moderation, seconds_between_posts: [0, 0] } });
  member = await createUser(ctx.db);
  other = await createUser(ctx.db);
  staff = await createUser(ctx.db, { role: 'staff' });
  open = await createCategory(ctx.db, { name: 'Open' });
  staffOnly = await createCategory(ctx.db, { name: 'Team room', read_access: 'staff' });
  membersOnly = await createCategory(ctx.db, { name: 'Members lounge', read_access: 'members' });
  staffPost = await createCategory(ctx.db, { name: 'News', kind: 'announcements', post_access: 'staff' });
});
afterAll(async () => ctx.close());

const signedIn = (user: User): Promise<Client> => people.signedIn(ctx.app, user);

describe('new topic', () => {
  it('sends a guest to log in', async () => {
    const res = await new Client(ctx.app).get('/new');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fnew');
  });

  it('offers only the categories the member may post in', async () => {
    const res = await (await signedIn(member)).get('/new');
    const options = [...dom(res.body).querySelectorAll('#f-category_id option')].map((o) => text(o));
    expect(options).toContain('Open');
    expect(options).toContain('Members lounge');
    expect(options).not.toContain('Team room');
    expect(options).not.toContain('News');
  });

  it('re-renders the form with messages and the values kept (422)', async () => {
    const c = await signedIn(member);
    const res = await c.post('/t', { category_id: open.id, title: 'short', body: 'My long careful text' });
    expect(res.statusCode).toBe(422);
    const doc = dom(res.body);
    expect(doc.querySelector('#f-title')?.getAttribute('aria-invalid')).toBe('true');
    expect(text(doc.querySelector('#f-title-error'))).toContain('8');
    expect(doc.querySelector('#f-title')?.getAttribute('value')).toBe('short');
    expect(text(doc.querySelector('#f-body'))).toBe('My long careful text');
  });

  it('refuses titles of only spaces, too-long titles and bodies, as 422 not 500', async () => {
    const c = await signedIn(member);
    expect((await c.post('/t', { category_id: open.id, title: '          ', body: 'x' })).statusCode).toBe(422);
    expect((await c.post('/t', { category_id: open.id, title: 'a'.repeat(201), body: 'x' })).statusCode).toBe(422);
    const long = await c.post('/t', { category_id: open.id, title: 'A fine title', body: 'я'.repeat(50_001) });
    expect(long.statusCode).toBe(422);
    expect(dom(long.body).querySelector('#f-body-error')).not.toBeNull();
  });

  it('refuses a category the member may not post in or read, without creating anything', async () => {
    const c = await signedIn(member);
    const before = await ctx.db.selectFrom('topics').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    for (const cat of [staffOnly, staffPost]) {
      const res = await c.post('/t', { category_id: cat.id, title: 'Sneaky topic title', body: 'hello' });
      expect(res.statusCode).toBe(422);
      expect(dom(res.body).querySelector('#f-category_id-error')).not.toBeNull();
    }
    expect((await c.post('/t', { category_id: 'abc', title: 'Sneaky topic title', body: 'hello' })).statusCode).toBe(422);
    const after = await ctx.db.selectFrom('topics').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('lets staff start a topic in a staff-posting category', async () => {
    const res = await (await signedIn(staff)).post('/t', { category_id: staffPost.id, title: 'Release notes 2.0', body: 'All the news' });
    expect(res.statusCode).toBe(303);
  });

  it('refuses a silenced member (422 on the category) and a guest (redirect)', async () => {
    const silenced = await createUser(ctx.db, { silenced_until: new Date(Date.now() + 3600_000) });
    const res = await (await signedIn(silenced)).post('/t', { category_id: open.id, title: 'Silenced voice here', body: 'hello' });
    expect(res.statusCode).toBe(422);
    const guest = await new Client(ctx.app).post('/t', { category_id: open.id, title: 'Guest voice here', body: 'hello' });
    expect(guest.statusCode).toBe(303);
    expect(guest.headers.location).toContain('/login');
  });

  it('previews markdown as a sanitized fragment', async () => {
    const c = await signedIn(member);
    const res = await c.post('/preview', { body: '**hi** <script>alert(1)</script>' }, { htmx: true });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<html');
    expect(dom(res.body).querySelector('strong')?.textContent).toBe('hi');
    expect(dom(res.body).querySelector('script')).toBeNull();
  });
});

describe('topic page', () => {
  it('shows 20 posts a page in order with real page links, and 404 past the end', async () => {
    const { topic } = await createTopic(ctx.db, member, open, { title: 'Long conversation here' });
    for (let i = 2; i <= 25; i++) await createReply(ctx.db, i % 2 ? member : other, topic.id, `reply number ${i}`);
    const c = new Client(ctx.app);
    const page1 = dom((await c.get(`/t/${topic.id}/${topic.slug}`)).body);
    const posts1 = [...page1.querySelectorAll('#posts article.post')];
    expect(posts1).toHaveLength(20);
    expect(page1.querySelector('a[rel=next]')?.getAttribute('href')).toBe(`/t/${topic.id}/${topic.slug}?page=2`);
    const page2 = dom((await c.get(`/t/${topic.id}?page=2`)).body);
    const bodies = [...page2.querySelectorAll('#posts .post-body')].map((b) => text(b));
    expect(bodies).toEqual(['reply number 21', 'reply number 22', 'reply number 23', 'reply number 24', 'reply number 25']);
    expect((await c.get(`/t/${topic.id}?page=3`)).statusCode).toBe(404);
    expect((await c.get(`/t/${topic.id}?page=0`)).statusCode).toBe(400);
    expect((await c.get(`/t/${topic.id}?page=x`)).statusCode).toBe(400);
  });

  it('gives post elements id="post-N" with author, avatar and date', async () => {
    const { topic, post } = await createTopic(ctx.db, member, open);
    const doc = dom((await new Client(ctx.app).get(`/t/${topic.id}`)).body);
    const el = doc.querySelector(`#post-${post.id}`);
    expect(el).not.toBeNull();
    expect(text(el!.querySelector('.post-author'))).toBe(member.username);
    expect(el!.querySelector('svg.avatar')).not.toBeNull();
    expect(el!.querySelector('time')?.getAttribute('datetime')).toBe(post.created_at.toISOString());
  });

  it('is not found for a category the viewer may not read, found for those who may', async () => {
    const { topic } = await createTopic(ctx.db, staff, staffOnly, { title: 'Internal planning notes' });
    const { topic: lounge } = await createTopic(ctx.db, member, membersOnly, { title: 'Members only chatter' });
    const guest = new Client(ctx.app);
    expect((await guest.get(`/t/${topic.id}`)).statusCode).toBe(404);
    expect((await guest.get(`/t/${lounge.id}`)).statusCode).toBe(404);
    const m = await signedIn(other);
    expect((await m.get(`/t/${topic.id}`)).statusCode).toBe(404);
    expect((await m.get(`/t/${lounge.id}`)).statusCode).toBe(200);
    expect((await (await signedIn(staff)).get(`/t/${topic.id}`)).statusCode).toBe(200);
    // …and it does not leak through lists either.
    expect((await guest.get('/')).body).not.toContain('Internal planning notes');
    expect((await m.get('/')).body).not.toContain('Internal planning notes');
    expect((await guest.get('/')).body).not.toContain('Members only chatter');
    expect((await guest.get(`/c/${staffOnly.slug}`)).statusCode).toBe(404);
    expect((await guest.get(`/c/${membersOnly.slug}`)).statusCode).toBe(404);
  });

  it('treats malformed and unknown ids as not found', async () => {
    const c = new Client(ctx.app);
    for (const url of ['/t/abc', '/t/0', '/t/99999999999', '/t/2147483647', '/t/1.5', '/c/nope', '/p/abc', '/t/999999/reply']) {
      expect((await c.get(url)).statusCode, url).toBe(404);
    }
  });
});

describe('replying', () => {
  it('with htmx returns the new post fragment and a fresh reply form', async () => {
    const { topic } = await createTopic(ctx.db, member, open);
    const c = await signedIn(other);
    const res = await c.post(`/t/${topic.id}/posts`, { body: 'Thanks, _helpful_!' }, { htmx: true });
    expect(res.statusCode).toBe(201);
    expect(res.headers.vary).toContain('HX-Request');
    expect(res.body).not.toContain('<html');
    const doc = dom(res.body);
    const post = doc.querySelector('article.post');
    expect(post?.id).toMatch(/^post-\d+$/);
    expect(post?.querySelector('em')?.textContent).toBe('helpful');
    expect(doc.querySelector('#reply-form')?.getAttribute('hx-swap-oob')).toBe('true');
    // The header's reply count is updated out of band too.
    expect(doc.querySelector('#topic-reply-count')?.getAttribute('hx-swap-oob')).toBe('true');
    expect(text(doc.querySelector('#topic-reply-count'))).toBe('1 reply');
    expect(text(doc.querySelector('#reply-form textarea'))).toBe('');
  });

  it('without JavaScript redirects (303) to the new post anchor on the right page', async () => {
    const { topic } = await createTopic(ctx.db, member, open);
    for (let i = 0; i < 20; i++) await createReply(ctx.db, member, topic.id);
    const c = await signedIn(other);
    const res = await c.post(`/t/${topic.id}/posts`, { body: 'The 22nd post' });
    expect(res.statusCode).toBe(303);
    const post = await ctx.db.selectFrom('posts').select(['id', 'post_number']).where('topic_id', '=', topic.id).orderBy('post_number', 'desc').executeTakeFirstOrThrow();
    expect(post.post_number).toBe(22);
    expect(res.headers.location).toBe(`/t/${topic.id}/${topic.slug}?page=2#post-${post.id}`);
  });

  it('keeps the text of a refused reply (422) with and without htmx', async () => {
    const { topic } = await createTopic(ctx.db, member, open);
    const c = await signedIn(other);
    const plain = await c.post(`/t/${topic.id}/posts`, { body: '   ' });
    expect(plain.statusCode).toBe(422);
    expect(dom(plain.body).querySelector('#f-body-error')).not.toBeNull();
    const tooLong = 'слово '.repeat(9000);
    const hx = await c.post(`/t/${topic.id}/posts`, { body: tooLong }, { htmx: true });
    expect(hx.statusCode).toBe(422);
    expect(hx.headers['hx-retarget']).toBe('#reply-form');
    expect(dom(hx.body).querySelector('#f-body')?.textContent).toBe(tooLong.replace(/\s+$/, '') + ' ');
  });

  it('records reply_to only for a post of the same topic, and quote-reply prefills the form', async () => {
    const { topic, post } = await createTopic(ctx.db, member, open, { body: 'Line one\nLine two' });
    const { post: elsewhere } = await createTopic(ctx.db, member, open);
    const c = await signedIn(other);
    const form = await c.get(`/t/${topic.id}/reply?quote=${post.id}`, { htmx: true });
    expect(form.body).not.toContain('<html');
    const doc = dom(form.body);
    // linkedom leaves entities inside <textarea> (RCDATA) undecoded; a browser decodes them.
    const prefilled = doc.querySelector('textarea')?.textContent?.replaceAll('&gt;', '>');
    expect(prefilled).toBe(`@${member.username}:\n> Line one\n> Line two\n\n`);
    expect(doc.querySelector('input[name=reply_to]')?.getAttribute('value')).toBe(String(post.id));
    expect((await c.get(`/t/${topic.id}/reply?quote=${post.id}`)).body).toContain('<html');

    await c.post(`/t/${topic.id}/posts`, { body: 'quoted', reply_to: post.id });
    await c.post(`/t/${topic.id}/posts`, { body: 'foreign', reply_to: elsewhere.id });
    const rows = await ctx.db.selectFrom('posts').select(['body_md', 'reply_to_post_id']).where('topic_id', '=', topic.id).where('post_number', '>', 1).orderBy('post_number').execute();
    expect(rows).toEqual([
      { body_md: 'quoted', reply_to_post_id: post.id },
      { body_md: 'foreign', reply_to_post_id: null },
    ]);
  });

  it('is refused to a guest, a silenced member, on a locked topic, and on an unreadable topic', async () => {
    const { topic } = await createTopic(ctx.db, member, open);
    const guest = await new Client(ctx.app).post(`/t/${topic.id}/posts`, { body: 'hi' });
    expect(guest.statusCode).toBe(303);
    expect(guest.headers.location).toContain('/login');

    const silenced = await createUser(ctx.db, { silenced_until: new Date(Date.now() + 3600_000) });
    expect((await (await signedIn(silenced)).post(`/t/${topic.id}/posts`, { body: 'hi' })).statusCode).toBe(403);

    await ctx.db.updateTable('topics').set({ locked_at: new Date() }).where('id', '=', topic.id).execute();
    const c = await signedIn(other);
    expect((await c.post(`/t/${topic.id}/posts`, { body: 'hi' })).statusCode).toBe(403);
    const page = dom((await c.get(`/t/${topic.id}`)).body);
    expect(page.querySelector('#reply-form form')).toBeNull();
    expect((await (await signedIn(staff)).post(`/t/${topic.id}/posts`, { body: 'staff may still reply' })).statusCode).toBe(303);

    const { topic: secret } = await createTopic(ctx.db, staff, staffOnly);
    expect((await c.post(`/t/${secret.id}/posts`, { body: 'hi' })).statusCode).toBe(404);
    const count = await ctx.db.selectFrom('posts').select(sql<number>`count(*)::int`.as('n')).where('topic_id', '=', secret.id).executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('a suspended user’s session is a guest: replies go to the login page', async () => {
    const { topic } = await createTopic(ctx.db, member, open);
    const soon = await createUser(ctx.db);
    const c = await signedIn(soon);
    await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 3600_000) }).where('id', '=', soon.id).execute();
    const res = await c.post(`/t/${topic.id}/posts`, { body: 'hi' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toContain('/login');
  });
});

describe('category pages', () => {
  it('lists pinned topics first, then by latest activity, with load-more by key (htmx fragment and plain link)', async () => {
    const cat = await createCategory(ctx.db, { name: 'Busy' });
    const ids: number[] = [];
    for (let i = 0; i < 33; i++) ids.push((await createTopic(ctx.db, member, cat, { title: `Topic number ${String(i).padStart(2, '0')}` })).topic.id);
    await ctx.db.updateTable('topics').set({ pinned_at: new Date() }).where('id', '=', ids[0]!).execute();
    await createReply(ctx.db, other, ids[5]!);
    const c = new Client(ctx.app);
    const first = dom((await c.get(`/c/${cat.slug}`)).body);
    const rows = [...first.querySelectorAll('#topic-list .topic-row')].map((r) => Number(r.id.replace('topic-', '')));
    expect(rows[0]).toBe(ids[0]);
    expect(rows[1]).toBe(ids[5]);
    expect(rows[2]).toBe(ids[32]);
    expect(rows).toHaveLength(31);
    const more = first.querySelector('#load-more a');
    const href = more?.getAttribute('href');
    expect(href).toMatch(new RegExp(`^/c/${cat.slug}\\?before=\\d+_\\d+$`));
    expect(more?.getAttribute('hx-get')).toBe(href);

    const fragment = await c.get(href!, { htmx: true });
    expect(fragment.body).not.toContain('<html');
    const rest = [...dom(fragment.body).querySelectorAll('.topic-row')].map((r) => Number(r.id.replace('topic-', '')));
    expect(rest).toEqual([ids[2], ids[1]]);
    expect(dom(fragment.body).querySelector('#load-more')).toBeNull();
    const page = await c.get(href!);
    expect(page.body).toContain('<html');
    expect((await c.get(`/c/${cat.slug}?before=junk`)).statusCode).toBe(404);
  });

  it('shows counts and latest activity on the home page', async () => {
    const cat = await createCategory(ctx.db, { name: 'Counted', description: 'Everything counted' });
    const { topic } = await createTopic(ctx.db, member, cat, { title: 'The counted topic' });
    await createReply(ctx.db, other, topic.id);
    const doc = dom((await new Client(ctx.app).get('/')).body);
    const item = [...doc.querySelectorAll('.category-item')].find((li) => text(li.querySelector('.category-name')) === 'Counted');
    expect(text(item?.querySelector('.meta'))).toMatch(/^1 topic · 2 posts/);
    expect(text(item?.querySelector('.latest-topic'))).toBe('The counted topic');
    expect(doc.querySelector(`#topic-${topic.id}`)).not.toBeNull();
  });
});

describe('subcategories', () => {
  it('a parent category page lists the subcategories the viewer may read', async () => {
    const parent = await createCategory(ctx.db, { name: 'Parent area' });
    const child = await createCategory(ctx.db, { name: 'Open child', parent_id: parent.id });
    const hidden = await createCategory(ctx.db, { name: 'Staff child', parent_id: parent.id, read_access: 'staff' });
    const guest = dom((await new Client(ctx.app).get(`/c/${parent.slug}`)).body);
    expect(guest.querySelector(`#subcategory-${child.id}`)).not.toBeNull();
    expect(guest.querySelector(`#subcategory-${hidden.id}`)).toBeNull();
    const staffView = dom((await (await signedIn(staff)).get(`/c/${parent.slug}`)).body);
    expect(staffView.querySelector(`#subcategory-${hidden.id}`)).not.toBeNull();
  });
});

describe('form errors at once', () => {
  it('a new-topic form with missing fields also reports the too-short title', async () => {
    const c = await signedIn(member);
    const res = await c.post('/t', { category_id: '', title: 'Коротко', body: '' });
    expect(res.statusCode).toBe(422);
    const doc = dom(res.body);
    for (const field of ['category_id', 'title', 'body']) expect(doc.querySelector(`#f-${field}-error`), field).not.toBeNull();
  });
});
