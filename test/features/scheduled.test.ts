import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Category, User } from '../../server/db/types.js';
import { publishDue } from '../../server/features/scheduled/scheduled.service.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createUser } from '../helpers/factories.js';
import { dom, formField, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let staff: User;
let news: Category;

beforeAll(async () => {
  ctx = await createTestApp();
  staff = await createUser(ctx.db, { role: 'staff' });
  news = await createCategory(ctx.db, { name: 'News', kind: 'announcements', post_access: 'staff' });
});
afterAll(async () => ctx.close());

const inAnHour = () => new Date(Date.now() + 3600_000).toISOString().slice(0, 16);
const form = (over: Record<string, string> = {}) => ({ category_id: String(news.id), title: 'Our new app is out today', body: 'Here is what is new.', publish_at: inAnHour(), ...over });
const scheduledRows = () => ctx.db.selectFrom('scheduled_topics').selectAll().orderBy('id').execute();
const makeDue = (id: number) => ctx.db.updateTable('scheduled_topics').set({ publish_at: sql`now() - interval '1 second'` }).where('id', '=', id).execute();

describe('scheduled publishing', () => {
  it('staff schedule a topic: only staff see it until its time, then it is published (and pinned) exactly once', async () => {
    const s = await people.signedIn(ctx.app, staff);
    expect((await s.post('/mod/scheduled', { ...form(), pin: '1' })).statusCode).toBe(303);
    const [row] = await scheduledRows();
    expect(row).toMatchObject({ status: 'pending', pin: true, title: 'Our new app is out today' });
    expect(text(dom((await s.get('/mod/scheduled')).body).querySelector(`#scheduled-${row!.id}`))).toContain('Our new app is out today');
    // Not yet due: nothing happens, and the topic is nowhere to be found.
    expect(await publishDue(ctx.db)).toEqual([]);
    expect(await ctx.db.selectFrom('topics').select('id').where('title', '=', 'Our new app is out today').execute()).toEqual([]);

    await makeDue(row!.id);
    // Three instances' job runs at once publish it once.
    const runs = await Promise.all([publishDue(ctx.db), publishDue(ctx.db), publishDue(ctx.db)]);
    const published = runs.flat();
    expect(published).toHaveLength(1);
    const topic = await ctx.db.selectFrom('topics').selectAll().where('id', '=', published[0]!).executeTakeFirstOrThrow();
    expect(topic).toMatchObject({ category_id: news.id, user_id: staff.id, title: 'Our new app is out today' });
    expect(topic.pinned_at).not.toBeNull();
    expect((await scheduledRows())[0]).toMatchObject({ status: 'published', topic_id: topic.id });
    const cat = await ctx.db.selectFrom('categories').select(['topic_count', 'post_count']).where('id', '=', news.id).executeTakeFirstOrThrow();
    expect(cat).toEqual({ topic_count: 1, post_count: 1 });
    expect((await people.browser(ctx.app).get(`/t/${topic.id}`)).statusCode).toBe(200);
    expect(await publishDue(ctx.db)).toEqual([]);
  });

  it('staff edit or cancel a pending topic; a cancelled one is never published', async () => {
    const s = await people.signedIn(ctx.app, staff);
    await s.post('/mod/scheduled', form({ title: 'A draft that will change' }));
    const row = (await scheduledRows()).at(-1)!;
    const edit = dom((await s.get(`/mod/scheduled/${row.id}/edit`)).body);
    expect(formField(edit, 'title').value).toBe('A draft that will change');
    expect((await s.post(`/mod/scheduled/${row.id}/edit`, form({ title: 'The final wording of it' }))).statusCode).toBe(303);
    expect((await scheduledRows()).at(-1)).toMatchObject({ title: 'The final wording of it', status: 'pending' });
    expect((await s.post(`/mod/scheduled/${row.id}/cancel`)).statusCode).toBe(303);
    await makeDue(row.id);
    expect(await publishDue(ctx.db)).toEqual([]);
    expect((await s.post(`/mod/scheduled/${row.id}/cancel`)).statusCode).toBe(404);
    expect((await s.get(`/mod/scheduled/${row.id}/edit`)).statusCode).toBe(404);
  });

  it('refuses bad input with messages by the fields (422, values kept)', async () => {
    const s = await people.signedIn(ctx.app, staff);
    const res = await s.post('/mod/scheduled', form({ title: 'short', body: '', publish_at: '2020-01-01T00:00' }));
    expect(res.statusCode).toBe(422);
    const doc = dom(res.body);
    expect(formField(doc, 'title')).toMatchObject({ value: 'short', invalid: true });
    expect(formField(doc, 'body').invalid).toBe(true);
    expect(formField(doc, 'publish_at').error).toBe('Choose a date and time in the future.');
    expect((await s.post('/mod/scheduled', form({ publish_at: 'soon' }))).statusCode).toBe(422);
  });

  it('moderators see the list but may not schedule; members, guests and suspended staff find nothing', async () => {
    const mod = await createUser(ctx.db, { role: 'moderator' });
    const m = await people.signedIn(ctx.app, mod);
    const page = await m.get('/mod/scheduled');
    expect(page.statusCode).toBe(200);
    expect(dom(page.body).querySelector('#scheduled-form')).toBeNull();
    expect((await m.post('/mod/scheduled', form())).statusCode).toBe(403);
    const member = await createUser(ctx.db);
    const suspended = await createUser(ctx.db, { role: 'staff', suspended_until: new Date(Date.now() + 86400_000) });
    for (const c of [people.browser(ctx.app), await people.signedIn(ctx.app, member), await people.withSession(ctx.app, ctx.db, suspended)]) {
      expect((await c.get('/mod/scheduled')).statusCode).toBe(404);
      expect((await c.post('/mod/scheduled', form())).statusCode).toBe(404);
    }
  });
});
