import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../server/db/types.js';
import { DEFAULT_TRUST_LEVELS, getTrustLevelSettings } from '../../server/features/settings/settings.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createTopic, createUser } from '../helpers/factories.js';
import { dom, formField, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let admin: User;

beforeAll(async () => {
  ctx = await createTestApp();
  admin = await createUser(ctx.db, { role: 'admin' });
});
afterAll(async () => ctx.close());

/** The form as it is now, with some fields changed. */
async function form(changes: Record<string, string>): Promise<Record<string, string>> {
  const doc = dom((await (await people.signedIn(ctx.app, admin)).get('/admin/trust')).body);
  const values: Record<string, string> = {};
  for (const input of doc.querySelectorAll('#trust-admin-form input[type="number"]')) values[input.getAttribute('name')!] = input.getAttribute('value') ?? '';
  return { ...values, ...changes };
}

describe('admin: trust level thresholds', () => {
  it('shows every threshold with its current value, labelled, in three groups', async () => {
    const doc = dom((await (await people.signedIn(ctx.app, admin)).get('/admin/trust')).body);
    expect(doc.querySelectorAll('#trust-admin-form fieldset')).toHaveLength(3);
    expect(formField(doc, 'tl1-posts_read').value).toBe(String(DEFAULT_TRUST_LEVELS.tl1.posts_read));
    expect(formField(doc, 'tl3-period_days').value).toBe('100');
    for (const input of doc.querySelectorAll('#trust-admin-form input[type="number"]')) {
      expect(text(doc.querySelector(`label[for="${input.getAttribute('id')}"]`))).not.toBe('');
    }
  });

  it('saves new thresholds, records the change in the audit log, and promotion follows them', async () => {
    const c = await people.signedIn(ctx.app, admin);
    const res = await c.post('/admin/trust', await form({ 'tl1-topics_entered': '1', 'tl1-posts_read': '1', 'tl1-minutes_read': '0' }));
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/trust?saved=1');
    expect((await getTrustLevelSettings(ctx.db)).tl1).toEqual({ topics_entered: 1, posts_read: 1, minutes_read: 0 });
    const entry = await ctx.db.selectFrom('moderation_actions').selectAll().where('action', '=', 'settings_change').executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(admin.id);
    expect(entry.details).toEqual({
      setting: 'trust_levels',
      before: { 'tl1-topics_entered': 5, 'tl1-posts_read': 30, 'tl1-minutes_read': 10 },
      after: { 'tl1-topics_entered': 1, 'tl1-posts_read': 1, 'tl1-minutes_read': 0 },
    });
    // Saving the same values again changes and records nothing.
    expect((await c.post('/admin/trust', await form({}))).statusCode).toBe(303);
    expect(await ctx.db.selectFrom('moderation_actions').select('id').where('action', '=', 'settings_change').execute()).toHaveLength(1);

    // A newcomer who reads one topic now reaches TL1 at the next flush.
    const reader = await createUser(ctx.db, { trust_level: 0 });
    const { topic } = await createTopic(ctx.db, admin, await createCategory(ctx.db));
    ctx.app.activity.recordTopicView(reader.id, topic.id, 1);
    await ctx.app.activity.flush();
    const after = await ctx.db.selectFrom('users').select('trust_level').where('id', '=', reader.id).executeTakeFirstOrThrow();
    expect(after.trust_level).toBe(1);
  });

  it('refuses bad values with a message by the field, keeping what was typed (422), and saves nothing', async () => {
    const c = await people.signedIn(ctx.app, admin);
    const before = await getTrustLevelSettings(ctx.db);
    const res = await c.post('/admin/trust', await form({ 'tl2-days_visited': 'many', 'tl3-days_visited_pct': '101', 'tl3-period_days': '0' }));
    expect(res.statusCode).toBe(422);
    const doc = dom(res.body);
    expect(formField(doc, 'tl2-days_visited')).toEqual({ value: 'many', invalid: true, error: 'Enter a whole number from 0 to 100000.' });
    expect(formField(doc, 'tl3-days_visited_pct').error).toBe('Enter a whole number from 0 to 100.');
    expect(formField(doc, 'tl3-period_days').error).toBe('Enter a whole number from 1 to 100000.');
    expect(await getTrustLevelSettings(ctx.db)).toEqual(before);
    const long = await c.post('/admin/trust', await form({ 'tl1-posts_read': '9'.repeat(30) }));
    expect(long.statusCode).toBe(422);
  });

  it('does not exist for anyone but admins', async () => {
    const mod = await createUser(ctx.db, { role: 'moderator' });
    const staff = await createUser(ctx.db, { role: 'staff' });
    for (const c of [people.browser(ctx.app), await people.signedIn(ctx.app, mod), await people.signedIn(ctx.app, staff)]) {
      expect((await c.get('/admin/trust')).statusCode).toBe(404);
      expect((await c.post('/admin/trust', await form({ 'tl1-posts_read': '0' }))).statusCode).toBe(404);
    }
    expect((await getTrustLevelSettings(ctx.db)).tl1.posts_read).toBe(1);
  });

  it('is in Russian for a Russian admin', async () => {
    const c = await people.signedIn(ctx.app, admin);
    await c.get('/locale/ru?next=/admin/trust');
    const doc = dom((await c.get('/admin/trust')).body);
    expect(text(doc.querySelector('#trust-admin-title'))).toBe('Пороги уровней доверия');
  });
});
