import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../server/db/types.js';
import { DEFAULT_SETTINGS, getSettings, resetSettings } from '../../server/features/settings/settings.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import type { Client } from '../helpers/client.js';
import { createCategory, createUser } from '../helpers/factories.js';
import { dom, formField } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let admin: User;
let adminClient: Client;

beforeAll(async () => {
  ctx = await createTestApp();
  admin = await createUser(ctx.db, { role: 'admin' });
  adminClient = await people.signedIn(ctx.app, admin);
});
afterAll(async () => ctx.close());

/** The form as the admin page renders it, as a postable object. */
async function currentForm(): Promise<Record<string, string>> {
  const doc = dom((await adminClient.get('/admin/moderation')).body);
  const out: Record<string, string> = {};
  for (const el of doc.querySelectorAll('#admin-moderation-form input:not([type=hidden]), #admin-moderation-form textarea')) {
    out[el.getAttribute('name')!] = el.tagName === 'TEXTAREA' ? (el.textContent ?? '') : (el.getAttribute('value') ?? '');
  }
  return out;
}

const entries = (action: string) => ctx.db.selectFrom('moderation_actions').selectAll().where('action', '=', action).orderBy('id').execute();

describe('/admin/moderation', () => {
  it('is not found for a guest, a member, a moderator and staff', async () => {
    for (const role of [null, 'member', 'moderator', 'staff'] as const) {
      const c = role ? await people.signedIn(ctx.app, await createUser(ctx.db, { role })) : people.browser(ctx.app);
      expect((await c.get('/admin/moderation')).statusCode, String(role)).toBe(404);
      expect((await c.post('/admin/moderation', { auto_hide_score: '1' })).statusCode, String(role)).toBe(404);
    }
    expect((await getSettings(ctx.db)).moderation.auto_hide_score).toBe(8);
  });

  it('shows every setting, linked from the admin navigation', async () => {
    const doc = dom((await adminClient.get('/admin/moderation')).body);
    expect(doc.querySelector('.admin-nav a[href="/admin/moderation"]')?.getAttribute('aria-current')).toBe('page');
    const form = await currentForm();
    expect(Object.keys(form).sort()).toEqual([
      'approve_first_posts', 'auto_hide_score', 'blocked_domains', 'first_day_replies', 'flag_daily_limit', 'new_user_max_images', 'new_user_max_links',
      'new_user_same_domain_links', 'seconds_between_posts_0', 'seconds_between_posts_1', 'topics_per_day_0', 'topics_per_day_1', 'words_approve', 'words_block', 'words_censor',
    ]);
    expect(form.seconds_between_posts_0).toBe('30');
    for (const name of Object.keys(form)) expect(doc.querySelector(`label[for="f-${name}"]`), name).not.toBeNull();
  });

  it('saves valid settings (303), one item per line, and audits the changed fields in the same transaction', async () => {
    await resetSettings(ctx.db);
    const form = { ...(await currentForm()), approve_first_posts: '3', seconds_between_posts_0: '60', words_block: 'Casino\n\n  плохое слово  \ncasino', blocked_domains: 'https://www.Spam.test/x\nevil.test' };
    const res = await adminClient.post('/admin/moderation', form);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/moderation?saved=1');
    const m = (await getSettings(ctx.db)).moderation;
    expect(m).toEqual({
      ...DEFAULT_SETTINGS.moderation,
      approve_first_posts: 3,
      seconds_between_posts: [60, 5],
      words_block: ['casino', 'плохое слово'],
      blocked_domains: ['www.spam.test', 'evil.test'],
    });
    const [entry, ...more] = await entries('settings_change');
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ actor_id: admin.id });
    expect(entry!.details).toEqual({
      setting: 'moderation',
      before: { approve_first_posts: 0, seconds_between_posts: [30, 5], words_block: [], blocked_domains: [] },
      after: { approve_first_posts: 3, seconds_between_posts: [60, 5], words_block: ['casino', 'плохое слово'], blocked_domains: ['www.spam.test', 'evil.test'] },
    });
    const page = dom((await adminClient.get('/admin/moderation?saved=1')).body);
    expect(page.querySelector('.settings-saved')).not.toBeNull();
    expect(formField(page, 'words_block').value).toBe('casino\nплохое слово');
    // Saving the same values again changes nothing and records nothing.
    expect((await adminClient.post('/admin/moderation', await currentForm())).statusCode).toBe(303);
    expect(await entries('settings_change')).toHaveLength(1);
  });

  it('re-renders bad input (422) with every value kept and a message per field; nothing is stored', async () => {
    const before = (await getSettings(ctx.db)).moderation;
    const count = (await entries('settings_change')).length;
    const form = { ...(await currentForm()), auto_hide_score: '0', topics_per_day_1: 'many', blocked_domains: 'ok.test\nnot a domain', words_censor: 'x'.repeat(101) };
    const res = await adminClient.post('/admin/moderation', form);
    expect(res.statusCode).toBe(422);
    const doc = dom(res.body);
    expect(formField(doc, 'auto_hide_score')).toEqual({ value: '0', invalid: true, error: 'Enter a whole number from 1 to 1000.' });
    expect(formField(doc, 'topics_per_day_1')).toMatchObject({ value: 'many', invalid: true });
    expect(formField(doc, 'blocked_domains')).toMatchObject({ value: 'ok.test\nnot a domain', error: '“not a domain” is not a domain name.' });
    expect(formField(doc, 'words_censor').error).toBe('Each line can be at most 100 characters.');
    expect(formField(doc, 'approve_first_posts')).toMatchObject({ value: (form as Record<string, string>).approve_first_posts, invalid: false });
    expect((await getSettings(ctx.db)).moderation).toEqual(before);
    expect(await entries('settings_change')).toHaveLength(count);
    // A field over its length limit (shape) is a 422 too, never a 500.
    expect((await adminClient.post('/admin/moderation', { ...form, auto_hide_score: '1'.repeat(50) })).statusCode).toBe(422);
  });
});

describe('category approval level and category audit', () => {
  it('creates a category with “require approval below TL”, audited', async () => {
    const res = await adminClient.post('/admin/categories', { name: 'Newcomers', slug: 'newcomers-x', kind: 'discussion', read_access: 'everyone', post_access: 'members', approval_below_tl: '2' });
    expect(res.statusCode).toBe(303);
    const cat = await ctx.db.selectFrom('categories').selectAll().where('slug', '=', 'newcomers-x').executeTakeFirstOrThrow();
    expect(cat.approval_below_tl).toBe(2);
    const entry = (await entries('category_create')).at(-1)!;
    expect(entry).toMatchObject({ actor_id: admin.id });
    expect(entry.details).toMatchObject({ category_id: cat.id, after: { name: 'Newcomers', approval_below_tl: 2 } });
    const edit = dom((await adminClient.get(`/admin/categories/${cat.id}`)).body);
    expect(edit.querySelector('#f-approval_below_tl option[selected]')?.getAttribute('value')).toBe('2');
  });

  it('an update audits only the changed fields, before and after; a bad level is a 422', async () => {
    const cat = await createCategory(ctx.db, { name: 'Before name' });
    const form = { name: 'After name', slug: cat.slug, kind: 'discussion', description: '', color: cat.color, read_access: 'everyone', post_access: 'members', approval_below_tl: '1' };
    const bad = await adminClient.post(`/admin/categories/${cat.id}`, { ...form, approval_below_tl: '9' });
    expect(bad.statusCode).toBe(422);
    expect(formField(dom(bad.body), 'approval_below_tl').error).toBe('Enter a whole number from 0 to 5.');
    expect((await adminClient.post(`/admin/categories/${cat.id}`, form)).statusCode).toBe(303);
    const entry = (await entries('category_update')).at(-1)!;
    expect(entry.details).toEqual({ category_id: cat.id, before: { name: 'Before name', approval_below_tl: 0 }, after: { name: 'After name', approval_below_tl: 1 } });
    expect((await adminClient.post(`/admin/categories/${cat.id}`, form)).statusCode).toBe(303);
    expect((await entries('category_update')).filter((e) => (e.details as { category_id: number }).category_id === cat.id)).toHaveLength(1);
  });

  it('a delete is audited; a category still named by held topics is kept', async () => {
    const cat = await createCategory(ctx.db, { name: 'Short lived' });
    expect((await adminClient.post(`/admin/categories/${cat.id}/delete`)).statusCode).toBe(303);
    expect((await entries('category_delete')).at(-1)).toMatchObject({ actor_id: admin.id, reason: 'Short lived' });

    const held = await createCategory(ctx.db);
    const user = await createUser(ctx.db);
    await ctx.db.insertInto('queued_posts').values({ user_id: user.id, category_id: held.id, title: 'Waiting topic', body_md: 'x', held_reason: 'category' }).execute();
    expect((await adminClient.post(`/admin/categories/${held.id}/delete`)).statusCode).toBe(409);
    expect(await ctx.db.selectFrom('categories').select('id').where('id', '=', held.id).executeTakeFirst()).toBeDefined();
  });
});
