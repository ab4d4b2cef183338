import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Category, User } from '../../server/db/types.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createTopic, createUser } from '../helpers/factories.js';
import { dom, formField, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let staff: User;
let mod: User;
let member: User;
let news: Category;
let other: Category;
let team: Category;

beforeAll(async () => {
  ctx = await createTestApp();
  staff = await createUser(ctx.db, { role: 'staff' });
  mod = await createUser(ctx.db, { role: 'moderator' });
  member = await createUser(ctx.db);
  news = await createCategory(ctx.db, { name: 'News' });
  other = await createCategory(ctx.db, { name: 'Other' });
  team = await createCategory(ctx.db, { name: 'Team', read_access: 'staff' });
});
afterAll(async () => ctx.close());

const rowIds = (html: string) => [...dom(html).querySelectorAll('#topic-list > li.topic-row')].map((li) => li.getAttribute('id'));
const inADay = () => new Date(Date.now() + 86400_000).toISOString().slice(0, 16);

describe('pins', () => {
  it('a global pin shows on top of the home page and of every category, once; a category pin only in its category', async () => {
    const { topic: global } = await createTopic(ctx.db, staff, news, { title: 'Welcome to the community' });
    const { topic: local } = await createTopic(ctx.db, staff, news, { title: 'Rules of the news section' });
    await createTopic(ctx.db, member, other, { title: 'A newer ordinary topic here' });
    const s = await people.signedIn(ctx.app, staff);
    expect((await s.post(`/t/${global.id}/pin`, { scope: 'global' })).statusCode).toBe(303);
    expect((await s.post(`/t/${local.id}/pin`, { scope: 'category' })).statusCode).toBe(303);
    const guest = people.browser(ctx.app);
    const home = (await guest.get('/')).body;
    expect(rowIds(home)[0]).toBe(`topic-${global.id}`);
    expect(rowIds(home).filter((id) => id === `topic-${global.id}`)).toHaveLength(1);
    expect(text(dom(home).querySelector(`#topic-${global.id} .tag-accent`))).toBe('Pinned for everyone');
    expect(rowIds((await guest.get(`/c/${other.slug}`)).body)[0]).toBe(`topic-${global.id}`);
    expect(rowIds((await guest.get(`/c/${other.slug}`)).body)).not.toContain(`topic-${local.id}`);
    expect(rowIds((await guest.get(`/c/${news.slug}`)).body).slice(0, 2)).toEqual([`topic-${global.id}`, `topic-${local.id}`]);
    const entry = await ctx.db.selectFrom('moderation_actions').selectAll().where('action', '=', 'topic_pin').where('topic_id', '=', global.id).executeTakeFirstOrThrow();
    expect(entry.details).toMatchObject({ scope: 'global', until: null });
  });

  it('a pin with an end date drops by itself after it, back into the normal order', async () => {
    const { topic } = await createTopic(ctx.db, staff, news, { title: 'Sale ends on Friday night' });
    const s = await people.signedIn(ctx.app, staff);
    expect((await s.post(`/t/${topic.id}/pin`, { scope: 'global', until: inADay() })).statusCode).toBe(303);
    expect(rowIds((await people.browser(ctx.app).get('/')).body).slice(0, 2)).toContain(`topic-${topic.id}`);
    await ctx.db.updateTable('topics').set({ pinned_until: sql`now() - interval '1 second'` }).where('id', '=', topic.id).execute();
    const home = dom((await people.browser(ctx.app).get('/')).body);
    expect(home.querySelector(`#topic-${topic.id} .tag-accent`)).toBeNull();
    const cat = rowIds((await people.browser(ctx.app).get(`/c/${news.slug}`)).body);
    expect(cat.filter((id) => id === `topic-${topic.id}`)).toHaveLength(1);
  });

  it('a member hides a global pin for themselves; others still see it', async () => {
    const { topic } = await createTopic(ctx.db, staff, news, { title: 'Our summer meetup is on' });
    await (await people.signedIn(ctx.app, staff)).post(`/t/${topic.id}/pin`, { scope: 'global' });
    const m = await people.signedIn(ctx.app, member);
    expect(dom((await m.get('/')).body).querySelector(`#topic-${topic.id} .pin-dismiss`)).not.toBeNull();
    const res = await m.post(`/t/${topic.id}/dismiss-pin`, {}, { htmx: true });
    expect(res.statusCode).toBe(200);
    const mine = dom((await m.get('/')).body);
    expect(mine.querySelector(`#topic-${topic.id} .tag-accent`)).toBeNull();
    expect(dom((await people.browser(ctx.app).get('/')).body).querySelector(`#topic-${topic.id} .tag-accent`)).not.toBeNull();
    expect((await people.browser(ctx.app).post(`/t/${topic.id}/dismiss-pin`)).statusCode).toBe(404);
  });

  it('moderators pin in the category only; global pins and taking them down are for brand staff', async () => {
    const { topic } = await createTopic(ctx.db, member, other, { title: 'A helpful guide by a member' });
    const m = await people.signedIn(ctx.app, mod);
    expect(dom((await m.get(`/t/${topic.id}/pin`)).body).querySelector('input[value="global"]')).toBeNull();
    expect((await m.post(`/t/${topic.id}/pin`, { scope: 'global' })).statusCode).toBe(403);
    expect((await m.post(`/t/${topic.id}/pin`, { scope: 'category' })).statusCode).toBe(303);
    await (await people.signedIn(ctx.app, staff)).post(`/t/${topic.id}/pin`, { scope: 'global' });
    expect((await m.post(`/t/${topic.id}/unpin`)).statusCode).toBe(403);
    expect((await m.post(`/mod/t/${topic.id}/unpin`)).statusCode).toBe(403);
    expect((await (await people.signedIn(ctx.app, staff)).post(`/t/${topic.id}/unpin`)).statusCode).toBe(303);
    const row = await ctx.db.selectFrom('topics').select(['pinned_at', 'pinned_globally', 'pinned_until']).where('id', '=', topic.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ pinned_at: null, pinned_globally: false, pinned_until: null });
  });

  it('members, guests and suspended staff may not pin; what they cannot read is not found; bad dates are refused', async () => {
    const { topic } = await createTopic(ctx.db, staff, news, { title: 'Another announcement here' });
    const { topic: secret } = await createTopic(ctx.db, staff, team, { title: 'Team only planning notes' });
    const suspended = await createUser(ctx.db, { role: 'staff', suspended_until: new Date(Date.now() + 86400_000) });
    for (const c of [people.browser(ctx.app), await people.signedIn(ctx.app, member), await people.withSession(ctx.app, ctx.db, suspended)]) {
      expect((await c.post(`/t/${topic.id}/pin`, { scope: 'category' })).statusCode).toBe(404);
      expect((await c.get(`/t/${topic.id}/pin`)).statusCode).toBe(404);
      expect((await c.post(`/t/${secret.id}/pin`, { scope: 'category' })).statusCode).toBe(404);
    }
    const s = await people.signedIn(ctx.app, staff);
    const bad = await s.post(`/t/${topic.id}/pin`, { scope: 'global', until: '2020-01-01T00:00' });
    expect(bad.statusCode).toBe(422);
    expect(formField(dom(bad.body), 'until').error).toBe('Choose a date and time in the future, or leave it empty.');
    expect((await s.post(`/t/${topic.id}/pin`, { scope: 'everywhere' })).statusCode).toBe(422);
    const row = await ctx.db.selectFrom('topics').select('pinned_at').where('id', '=', topic.id).executeTakeFirstOrThrow();
    expect(row.pinned_at).toBeNull();
  });
});
