import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../server/db/types.js';
import { forgetCachedSettings } from '../../server/features/settings/settings.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createTopic, createUser } from '../helpers/factories.js';
import { dom, formField, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let staff: User;
let member: User;

beforeAll(async () => {
  ctx = await createTestApp();
  staff = await createUser(ctx.db, { role: 'staff' });
  member = await createUser(ctx.db);
});
afterAll(async () => ctx.close());

const inAWeek = () => new Date(Date.now() + 7 * 86400_000).toISOString().slice(0, 16);
const banner = (html: string) => dom(html).querySelector('#site-banner');

describe('the site banner', () => {
  it('staff publish a banner linked to a topic: everyone sees it on every page until the date', async () => {
    const { topic } = await createTopic(ctx.db, staff, await createCategory(ctx.db), { title: 'Planned maintenance tonight' });
    const s = await people.signedIn(ctx.app, staff);
    const res = await s.post('/mod/banner', { text: 'Maintenance **tonight** from 23:00', topic_id: String(topic.id), until: inAWeek() });
    expect(res.statusCode).toBe(303);
    for (const url of ['/', `/t/${topic.id}`, '/search']) {
      const b = banner((await people.browser(ctx.app).get(url)).body)!;
      expect(b.querySelector('strong')!.textContent).toBe('tonight');
      expect(b.querySelector('a.site-banner-more')!.getAttribute('href')).toBe(`/t/${topic.id}`);
    }
    const entry = await ctx.db.selectFrom('moderation_actions').selectAll().where('action', '=', 'settings_change').executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor_id: staff.id, details: { setting: 'banner', action: 'banner_set' } });
  });

  it('a member closes it for themselves; a new banner shows again', async () => {
    const m = await people.signedIn(ctx.app, member);
    const id = banner((await m.get('/')).body)!.querySelector('input[name="id"]')!.getAttribute('value')!;
    const res = await m.post('/banner/dismiss', { id, next: '/search' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/search');
    expect(banner((await m.get('/')).body)).toBeNull();
    expect(banner((await people.browser(ctx.app).get('/')).body)).not.toBeNull();
    const s = await people.signedIn(ctx.app, staff);
    await s.post('/mod/banner', { text: 'A new announcement', until: inAWeek() });
    expect(text(banner((await m.get('/')).body)!.querySelector('.site-banner-text'))).toBe('A new announcement');
    // With htmx the banner goes away in place.
    const id2 = banner((await m.get('/')).body)!.querySelector('input[name="id"]')!.getAttribute('value')!;
    const hx = await m.post('/banner/dismiss', { id: id2 }, { htmx: true });
    expect(hx.statusCode).toBe(200);
    expect(hx.body).toBe('');
    expect(banner((await m.get('/')).body)).toBeNull();
  });

  it('goes away by itself after its date, and staff can remove it at once', async () => {
    const s = await people.signedIn(ctx.app, staff);
    await s.post('/mod/banner', { text: 'Short-lived', until: inAWeek() });
    await ctx.db.updateTable('settings').set({ value: JSON.stringify({ id: 1, md: 'x', html: '<p>Expired</p>', topic_id: null, until: new Date(Date.now() - 1000).toISOString() }) }).where('key', '=', 'banner').execute();
    forgetCachedSettings(ctx.db);
    expect(banner((await people.browser(ctx.app).get('/')).body)).toBeNull();
    await s.post('/mod/banner', { text: 'Back again', until: inAWeek() });
    expect(banner((await people.browser(ctx.app).get('/')).body)).not.toBeNull();
    expect((await s.post('/mod/banner/clear')).statusCode).toBe(303);
    expect(banner((await people.browser(ctx.app).get('/')).body)).toBeNull();
  });

  it('refuses bad input with messages by the fields, keeping the values (422)', async () => {
    const s = await people.signedIn(ctx.app, staff);
    const past = await s.post('/mod/banner', { text: '', topic_id: '999999', until: '2020-01-01T10:00' });
    expect(past.statusCode).toBe(422);
    const doc = dom(past.body);
    expect(formField(doc, 'text').invalid).toBe(true);
    expect(formField(doc, 'topic_id')).toMatchObject({ value: '999999', error: 'There is no such topic.' });
    expect(formField(doc, 'until').error).toBe('Choose a date and time in the future.');
    const long = await s.post('/mod/banner', { text: 'x'.repeat(501), until: inAWeek() });
    expect(long.statusCode).toBe(422);
    expect((await s.post('/mod/banner', { text: 'ok', until: 'tomorrow' })).statusCode).toBe(422);
  });

  it('only brand staff set it: moderators are refused, members and guests find nothing; guests cannot dismiss', async () => {
    const mod = await createUser(ctx.db, { role: 'moderator' });
    const m = await people.signedIn(ctx.app, mod);
    const look = await m.get('/mod/banner');
    expect(look.statusCode).toBe(200);
    expect(dom(look.body).querySelector('#banner-form')).toBeNull();
    expect(dom(look.body).querySelector('#banner-readonly')).not.toBeNull();
    expect((await m.post('/mod/banner', { text: 'Hi', until: inAWeek() })).statusCode).toBe(403);
    expect((await m.post('/mod/banner/clear')).statusCode).toBe(403);
    for (const c of [people.browser(ctx.app), await people.signedIn(ctx.app, member)]) {
      expect((await c.post('/mod/banner', { text: 'Hi', until: inAWeek() })).statusCode).toBe(404);
    }
    expect((await people.browser(ctx.app).post('/banner/dismiss', { id: '1' })).statusCode).toBe(404);
    expect((await (await people.signedIn(ctx.app, member)).post('/banner/dismiss', { id: 'x' })).statusCode).toBe(400);
  });
});
