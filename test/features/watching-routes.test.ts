import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let talk: Category;
let staffOnly: Category;
let author: User;
let member: User;
let other: User;
let suspended: User;

beforeAll(async () => {
  ctx = await createTestApp();
  talk = await createCategory(ctx.db, { name: 'Lounge' });
  staffOnly = await createCategory(ctx.db, { name: 'Team room', read_access: 'staff', post_access: 'staff' });
  author = await createUser(ctx.db);
  member = await createUser(ctx.db);
  other = await createUser(ctx.db);
  suspended = await createUser(ctx.db, { suspended_until: new Date(Date.now() + 86400_000) });
});
afterAll(async () => ctx.close());

async function topicLevel(user: User, topicId: number) {
  return (await ctx.db.selectFrom('topic_watches').select('level').where('user_id', '=', user.id).where('topic_id', '=', topicId).executeTakeFirst())?.level ?? null;
}
async function categoryLevel(user: User, categoryId: number) {
  return (await ctx.db.selectFrom('category_watches').select('level').where('user_id', '=', user.id).where('category_id', '=', categoryId).executeTakeFirst())?.level ?? null;
}
const selected = (doc: Document, id: string) => doc.querySelector(`#${id} option[selected]`)?.getAttribute('value') ?? null;

describe('topic watch level', () => {
  it('the topic page shows the viewer’s level; a member changes it without JavaScript (303 back)', async () => {
    const { topic } = await createTopic(ctx.db, author, talk);
    const c = await people.signedIn(ctx.app, member);
    const before = dom((await c.get(`/t/${topic.id}/${topic.slug}`)).body);
    expect(selected(before, 'watch-level')).toBe('normal');
    expect(before.querySelector('label[for="watch-level"]')).not.toBeNull();
    const res = await c.post(`/t/${topic.id}/watch`, { level: 'watching' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/${topic.id}/${topic.slug}`);
    expect(await topicLevel(member, topic.id)).toBe('watching');
    expect(selected(dom((await c.get(`/t/${topic.id}`)).body), 'watch-level')).toBe('watching');
    // The author's automatic tracking shows on their page; another member's choice is their own.
    expect(selected(dom((await (await people.signedIn(ctx.app, author)).get(`/t/${topic.id}`)).body), 'watch-level')).toBe('tracking');
    expect(selected(dom((await (await people.signedIn(ctx.app, other)).get(`/t/${topic.id}`)).body), 'watch-level')).toBe('normal');
  });

  it('with htmx the control alone comes back, saying it was saved', async () => {
    const { topic } = await createTopic(ctx.db, author, talk);
    const c = await people.signedIn(ctx.app, member);
    await c.get(`/t/${topic.id}`);
    const res = await c.post(`/t/${topic.id}/watch`, { level: 'muted' }, { htmx: true });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<html');
    expect(res.headers.vary).toContain('HX-Request');
    const doc = dom(res.body);
    expect(doc.querySelector('#topic-watch')).not.toBeNull();
    expect(selected(doc, 'watch-level')).toBe('muted');
    expect(text(doc.querySelector('[role="status"]'))).toBe('Saved.');
  });

  it('a level that is not offered: 422 with a message, nothing saved', async () => {
    const { topic } = await createTopic(ctx.db, author, talk);
    const c = await people.signedIn(ctx.app, member);
    await c.get(`/t/${topic.id}`);
    const res = await c.post(`/t/${topic.id}/watch`, { level: 'loud' });
    expect(res.statusCode).toBe(422);
    const doc = dom(res.body);
    expect(text(doc.querySelector('#watch-error'))).toBe('Choose one of the offered levels.');
    expect(doc.querySelector('#watch-level')?.getAttribute('aria-invalid')).toBe('true');
    expect(await topicLevel(member, topic.id)).toBeNull();
  });

  it('guests and suspended members are sent to log in; nobody sees the control of a topic they cannot read (404)', async () => {
    const { topic } = await createTopic(ctx.db, author, talk);
    const guest = people.browser(ctx.app);
    expect(dom((await guest.get(`/t/${topic.id}`)).body).querySelector('#topic-watch')).toBeNull();
    const g = await guest.post(`/t/${topic.id}/watch`, { level: 'watching' });
    expect(g.statusCode).toBe(303);
    expect(g.headers.location).toMatch(/^\/login\?next=/);
    const s = await people.withSession(ctx.app, ctx.db, suspended);
    expect((await s.post(`/t/${topic.id}/watch`, { level: 'watching' })).headers.location).toMatch(/^\/login/);
    expect(await topicLevel(suspended, topic.id)).toBeNull();
    const staff = await createUser(ctx.db, { role: 'staff' });
    const { topic: secret } = await createTopic(ctx.db, staff, staffOnly);
    const c = await people.signedIn(ctx.app, member);
    await c.get('/');
    expect((await c.post(`/t/${secret.id}/watch`, { level: 'watching' })).statusCode).toBe(404);
    expect((await c.post('/t/999999/watch', { level: 'watching' })).statusCode).toBe(404);
  });
});

describe('jump to first unread', () => {
  it('after reading, new replies show a link to the first unread post with its count', async () => {
    const { topic } = await createTopic(ctx.db, author, talk);
    const c = await people.signedIn(ctx.app, member);
    // Never read: no link (the whole topic is new).
    expect(dom((await c.get(`/t/${topic.id}`)).body).querySelector('#jump-unread')).toBeNull();
    await ctx.app.activity.flush();
    const r1 = await createReply(ctx.db, other, topic.id, 'One.');
    await createReply(ctx.db, other, topic.id, 'Two.');
    const doc = dom((await c.get(`/t/${topic.id}`)).body);
    const link = doc.querySelector('#jump-unread');
    expect(link?.getAttribute('href')).toBe(`/t/${topic.id}/${topic.slug}#post-${r1.id}`);
    expect(text(link)).toContain('2 unread posts');
    // Having seen the page, nothing is unread any more.
    await ctx.app.activity.flush();
    expect(dom((await c.get(`/t/${topic.id}`)).body).querySelector('#jump-unread')).toBeNull();
  });
});

describe('category watch level', () => {
  it('a member opens the control, chooses watching (303 to the category), and the choice shows', async () => {
    const cat = await createCategory(ctx.db);
    const c = await people.signedIn(ctx.app, member);
    const page = await c.get(`/c/${cat.slug}/watch`);
    expect(page.statusCode).toBe(200);
    expect(selected(dom(page.body), 'category-watch-level')).toBe('normal');
    const res = await c.post(`/c/${cat.slug}/watch`, { level: 'watching' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/c/${cat.slug}`);
    expect(await categoryLevel(member, cat.id)).toBe('watching');
    const frag = await c.get(`/c/${cat.slug}/watch`, { htmx: true });
    expect(frag.body).not.toContain('<html');
    expect(selected(dom(frag.body), 'category-watch-level')).toBe('watching');
    // Back to normal removes the row; another member is untouched.
    expect((await c.post(`/c/${cat.slug}/watch`, { level: 'normal' }, { htmx: true })).statusCode).toBe(200);
    expect(await categoryLevel(member, cat.id)).toBeNull();
    expect(await categoryLevel(other, cat.id)).toBeNull();
  });

  it('bad level 422; guest and suspended to login; a category the member cannot read is 404', async () => {
    const cat = await createCategory(ctx.db);
    const c = await people.signedIn(ctx.app, member);
    await c.get('/');
    const bad = await c.post(`/c/${cat.slug}/watch`, { level: 'x' });
    expect(bad.statusCode).toBe(422);
    expect(text(dom(bad.body).querySelector('#category-watch-error'))).toBe('Choose one of the offered levels.');
    expect((await c.get(`/c/${staffOnly.slug}/watch`)).statusCode).toBe(404);
    expect((await c.post(`/c/${staffOnly.slug}/watch`, { level: 'watching' })).statusCode).toBe(404);
    const guest = people.browser(ctx.app);
    expect((await guest.get(`/c/${cat.slug}/watch`)).headers.location).toMatch(/^\/login/);
    expect((await guest.post(`/c/${cat.slug}/watch`, { level: 'watching' })).headers.location).toMatch(/^\/login/);
    const s = await people.withSession(ctx.app, ctx.db, suspended);
    expect((await s.post(`/c/${cat.slug}/watch`, { level: 'watching' })).headers.location).toMatch(/^\/login/);
    expect(await categoryLevel(suspended, cat.id)).toBeNull();
  });
});

describe('muting a member', () => {
  it('mute and unmute without JavaScript (303 to the profile) and with htmx (the control)', async () => {
    const me = await createUser(ctx.db);
    const pest = await createUser(ctx.db);
    const c = await people.signedIn(ctx.app, me);
    const ctl = dom((await c.get(`/u/${pest.username}/mute`)).body);
    expect(ctl.querySelector('#mute-button')).not.toBeNull();
    const res = await c.post(`/u/${pest.username}/mute`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/u/${pest.username}`);
    expect(await ctx.db.selectFrom('user_mutes').select('muted_user_id').where('user_id', '=', me.id).execute()).toEqual([{ muted_user_id: pest.id }]);
    // Muting twice changes nothing.
    expect((await c.post(`/u/${pest.username}/mute`)).statusCode).toBe(303);
    const un = await c.post(`/u/${pest.username}/unmute`, {}, { htmx: true });
    expect(un.body).not.toContain('<html');
    expect(dom(un.body).querySelector('#mute-button')).not.toBeNull();
    expect(await ctx.db.selectFrom('user_mutes').selectAll().where('user_id', '=', me.id).execute()).toEqual([]);
  });

  it('not oneself, not staff (403); unknown member 404; guest and suspended to login', async () => {
    const me = await createUser(ctx.db);
    const mod = await createUser(ctx.db, { role: 'moderator' });
    const c = await people.signedIn(ctx.app, me);
    await c.get('/');
    expect((await c.post(`/u/${me.username}/mute`)).statusCode).toBe(403);
    expect((await c.post(`/u/${mod.username}/mute`)).statusCode).toBe(403);
    expect(text(dom((await c.get(`/u/${mod.username}/mute`)).body).querySelector('#mute-state'))).toBe('Moderators and staff cannot be muted.');
    expect((await c.post('/u/nobody-here/mute')).statusCode).toBe(404);
    const guest = people.browser(ctx.app);
    expect((await guest.post(`/u/${me.username}/mute`)).headers.location).toMatch(/^\/login/);
    expect((await guest.get(`/u/${me.username}/mute`)).headers.location).toMatch(/^\/login/);
    const s = await people.withSession(ctx.app, ctx.db, suspended);
    expect((await s.post(`/u/${me.username}/mute`)).headers.location).toMatch(/^\/login/);
    expect(await ctx.db.selectFrom('user_mutes').selectAll().where('user_id', 'in', [me.id, suspended.id]).execute()).toEqual([]);
  });
});
