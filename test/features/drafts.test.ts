import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import type { Client } from '../helpers/client.js';
import { createCategory, createTopic, createUser } from '../helpers/factories.js';
import { dom, formField, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let author: User;
let member: User;
let other: User;
let cat: Category;
let staffCat: Category;

beforeAll(async () => {
  ctx = await createTestApp();
  author = await createUser(ctx.db);
  // Long-standing members, so the new-member posting limits stay out of the way.
  const old = { trust_level: 2, created_at: new Date(Date.now() - 60 * 86400_000) };
  member = await createUser(ctx.db, old);
  other = await createUser(ctx.db, old);
  cat = await createCategory(ctx.db);
  staffCat = await createCategory(ctx.db, { read_access: 'staff' });
});
afterAll(async () => ctx.close());

const key = (topicId: number) => `topic%3A${topicId}`;
const draftsOf = (user: User) => ctx.db.selectFrom('drafts').selectAll().where('user_id', '=', user.id).execute();

async function newTopic() {
  return (await createTopic(ctx.db, author, cat)).topic;
}

async function replyDraft(c: Client, topicId: number, body: string, htmx = true) {
  return c.post(`/drafts?key=${key(topicId)}`, { body }, { htmx });
}

describe('reply drafts', () => {
  it('saves with htmx (a small status fragment), and the topic page puts the text back into the reply form', async () => {
    const topic = await newTopic();
    const c = await people.signedIn(ctx.app, member);
    const page0 = dom((await c.get(`/t/${topic.id}`)).body);
    const status = page0.querySelector('#reply-form #draft-status');
    expect(status?.getAttribute('hx-post')).toBe(`/drafts?key=${key(topic.id)}`);
    expect(status?.getAttribute('hx-trigger')).toContain('delay:1500ms');
    expect(status?.getAttribute('aria-live')).toBe('polite');

    const res = await replyDraft(c, topic.id, 'Half of a thought about this');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<html');
    expect(res.headers.vary).toContain('HX-Request');
    expect(text(dom(res.body).body)).toBe('Draft saved');

    const doc = dom((await c.get(`/t/${topic.id}`)).body);
    expect(formField(doc, 'body').value).toBe('Half of a thought about this');
    expect(text(doc.querySelector('#draft-status'))).toContain('saved draft is back');
    expect(doc.querySelector(`#reply-form button[formaction="/drafts/delete?key=${key(topic.id)}"]`)).not.toBeNull();
  });

  it('overwrites the one draft per topic, and an emptied form leaves none', async () => {
    const topic = await newTopic();
    const c = await people.signedIn(ctx.app, member);
    await replyDraft(c, topic.id, 'first version');
    await replyDraft(c, topic.id, 'second version');
    const rows = (await draftsOf(member)).filter((d) => d.key === `topic:${topic.id}`);
    expect(rows.map((d) => d.body)).toEqual(['second version']);
    const empty = await replyDraft(c, topic.id, '   ');
    expect(empty.statusCode).toBe(200);
    expect((await draftsOf(member)).some((d) => d.key === `topic:${topic.id}`)).toBe(false);
  });

  it('is deleted when the reply is posted', async () => {
    const topic = await newTopic();
    const c = await people.signedIn(ctx.app, member);
    await replyDraft(c, topic.id, 'The reply I will send');
    expect((await c.post(`/t/${topic.id}/posts`, { body: 'The reply I will send' })).statusCode).toBe(303);
    expect((await draftsOf(member)).some((d) => d.key === `topic:${topic.id}`)).toBe(false);
    expect(formField(dom((await c.get(`/t/${topic.id}`)).body), 'body').value).toBe('');
  });

  it('saves and discards without JavaScript (303 back to the form)', async () => {
    const topic = await newTopic();
    const c = await people.signedIn(ctx.app, member);
    const saved = await replyDraft(c, topic.id, 'saved by the button', false);
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`/t/${topic.id}#reply-form`);
    const discarded = await c.post(`/drafts/delete?key=${key(topic.id)}`);
    expect(discarded.statusCode).toBe(303);
    expect((await draftsOf(member)).some((d) => d.key === `topic:${topic.id}`)).toBe(false);
    await replyDraft(c, topic.id, 'again');
    const htmx = await c.post(`/drafts/delete?key=${key(topic.id)}`, {}, { htmx: true });
    expect(htmx.statusCode).toBe(204);
    expect(htmx.headers['hx-redirect']).toBe(`/t/${topic.id}#reply-form`);
  });
});

describe('new-topic drafts', () => {
  it('keeps title, body and category; /new restores them; posting the topic deletes the draft', async () => {
    // Its own member: the gap between posts counts every post of the author.
    const writer = await createUser(ctx.db, { trust_level: 2, created_at: new Date(Date.now() - 60 * 86400_000) });
    const c = await people.signedIn(ctx.app, writer);
    const res = await c.post('/drafts?key=new_topic', { category_id: String(cat.id), title: 'A title in progress', body: 'Body in progress' }, { htmx: true });
    expect(res.statusCode).toBe(200);
    const doc = dom((await c.get('/new')).body);
    expect(formField(doc, 'title').value).toBe('A title in progress');
    expect(formField(doc, 'body').value).toBe('Body in progress');
    expect(doc.querySelector('#f-category_id option[selected]')?.getAttribute('value')).toBe(String(cat.id));
    // A category chosen by the link wins over the draft's.
    const other = await createCategory(ctx.db);
    const linked = dom((await c.get(`/new?category=${other.id}`)).body);
    expect(linked.querySelector('#f-category_id option[selected]')?.getAttribute('value')).toBe(String(other.id));
    expect(formField(linked, 'title').value).toBe('A title in progress');

    const posted = await c.post('/t', { category_id: String(cat.id), title: 'A title in progress', body: 'Body in progress' });
    expect(posted.statusCode).toBe(303);
    expect((await draftsOf(writer)).some((d) => d.key === 'new_topic')).toBe(false);
    expect(formField(dom((await c.get('/new')).body), 'title').value).toBe('');
  });

  it('forgets a category that does not exist instead of failing', async () => {
    const c = await people.signedIn(ctx.app, other);
    const res = await c.post('/drafts?key=new_topic', { category_id: '999999', title: 'x', body: 'y' }, { htmx: true });
    expect(res.statusCode).toBe(200);
    expect((await draftsOf(other)).find((d) => d.key === 'new_topic')?.category_id).toBeNull();
    await c.post('/drafts/delete?key=new_topic');
  });
});

describe('limits', () => {
  it('refuses a body or title over the posting limits with 422 (fragment), and a huge request with 413', async () => {
    const topic = await newTopic();
    const c = await people.signedIn(ctx.app, member);
    const long = await replyDraft(c, topic.id, 'x'.repeat(50_001));
    expect(long.statusCode).toBe(422);
    expect(dom(long.body).querySelector('[role="alert"]')).not.toBeNull();
    const longTitle = await c.post('/drafts?key=new_topic', { title: 't'.repeat(301), body: 'b' }, { htmx: true });
    expect(longTitle.statusCode).toBe(422);
    const noJs = await replyDraft(c, topic.id, 'x'.repeat(50_001), false);
    expect(noJs.statusCode).toBe(422);
    expect(dom(noJs.body).querySelector(`a[href="/t/${topic.id}#reply-form"]`)).not.toBeNull();
    const huge = await replyDraft(c, topic.id, 'x'.repeat(1_100_000));
    expect(huge.statusCode).toBe(413);
    expect(await draftsOf(member).then((d) => d.filter((x) => x.key === `topic:${topic.id}`))).toEqual([]);
  });

  it('refuses a key that names no place (404)', async () => {
    const c = await people.signedIn(ctx.app, member);
    for (const bad of ['nothing', 'topic%3A0', 'topic%3Aabc', 'topic%3A99999999999']) {
      expect((await c.post(`/drafts?key=${bad}`, { body: 'x' }, { htmx: true })).statusCode).toBe(404);
    }
  });
});

describe('the wrong person', () => {
  it('a guest is sent to log in and nothing is kept', async () => {
    const topic = await newTopic();
    const guest = people.browser(ctx.app);
    const res = await guest.post(`/drafts?key=${key(topic.id)}`, { body: 'guest text' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login');
    expect((await guest.post(`/drafts/delete?key=${key(topic.id)}`)).statusCode).toBe(303);
    const rows = await ctx.db.selectFrom('drafts').select('body').where('body', '=', 'guest text').execute();
    expect(rows).toEqual([]);
  });

  it('nobody else ever sees a draft', async () => {
    const topic = await newTopic();
    const mine = await people.signedIn(ctx.app, member);
    await replyDraft(mine, topic.id, 'private words of mine');
    const theirs = await people.signedIn(ctx.app, other);
    const page = await theirs.get(`/t/${topic.id}`);
    expect(page.body).not.toContain('private words of mine');
    expect(formField(dom(page.body), 'body').value).toBe('');
    expect((await people.browser(ctx.app).get(`/t/${topic.id}`)).body).not.toContain('private words of mine');
    // Their discard removes their own (absent) draft, not mine.
    await theirs.post(`/drafts/delete?key=${key(topic.id)}`);
    expect((await draftsOf(member)).some((d) => d.key === `topic:${topic.id}`)).toBe(true);
  });

  it('a topic the member cannot see is not found, and a suspended account is a guest', async () => {
    const moderator = await createUser(ctx.db, { role: 'moderator' });
    const hidden = (await createTopic(ctx.db, moderator, staffCat)).topic;
    const c = await people.signedIn(ctx.app, member);
    expect((await replyDraft(c, hidden.id, 'x')).statusCode).toBe(404);
    expect((await replyDraft(c, 2_000_000_000, 'x')).statusCode).toBe(404);
    expect((await c.post(`/drafts/delete?key=${key(hidden.id)}`)).statusCode).toBe(404);

    const suspended = await createUser(ctx.db, { suspended_until: new Date(Date.now() + 86400_000) });
    const s = await people.withSession(ctx.app, ctx.db, suspended);
    const topic = await newTopic();
    expect((await s.post(`/drafts?key=${key(topic.id)}`, { body: 'x' })).statusCode).toBe(303);
    expect(await draftsOf(suspended)).toEqual([]);
  });

  it('requires the CSRF token', async () => {
    const topic = await newTopic();
    const c = await people.signedIn(ctx.app, member);
    expect((await c.post(`/drafts?key=${key(topic.id)}`, { body: 'x' }, { noCsrf: true })).statusCode).toBe(403);
    expect((await c.post(`/drafts?key=${key(topic.id)}`, { body: 'x' }, { noCsrf: true, htmx: true })).statusCode).toBe(403);
    expect((await c.post(`/drafts/delete?key=${key(topic.id)}`, {}, { noCsrf: true })).statusCode).toBe(403);
  });
});

describe('the reply form on its own (quote, or without JavaScript)', () => {
  it('puts the draft first and the quote after it, so quoting does not wipe the draft', async () => {
    const topic = await newTopic();
    const c = await people.signedIn(ctx.app, member);
    const plain = dom((await c.get(`/t/${topic.id}/reply`)).body);
    expect(formField(plain, 'body').value).toBe('');
    await replyDraft(c, topic.id, 'What I had written');
    const alone = dom((await c.get(`/t/${topic.id}/reply`)).body);
    expect(formField(alone, 'body').value).toBe('What I had written');
    const first = await ctx.db.selectFrom('posts').select('id').where('topic_id', '=', topic.id).where('post_number', '=', 1).executeTakeFirstOrThrow();
    const quoted = await c.get(`/t/${topic.id}/reply?quote=${first.id}`, { htmx: true });
    const body = formField(dom(quoted.body), 'body').value ?? '';
    expect(body.startsWith('What I had written\n\n')).toBe(true);
    expect(body).toContain('The first post of this topic.');
  });
});
