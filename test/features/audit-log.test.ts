import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../server/db/types.js';
import { AUDIT_ACTIONS } from '../../server/features/moderation/audit.js';
import { LOG_PAGE } from '../../server/features/moderation/log.queries.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import type { Client } from '../helpers/client.js';
import { createCategory, createTopic, createUser } from '../helpers/factories.js';
import { dom, formField, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let mod: User;
let admin: User;
let modClient: Client;
let adminClient: Client;

beforeAll(async () => {
  ctx = await createTestApp();
  mod = await createUser(ctx.db, { role: 'moderator' });
  admin = await createUser(ctx.db, { role: 'admin' });
  modClient = await people.signedIn(ctx.app, mod);
  adminClient = await people.signedIn(ctx.app, admin);
});
afterAll(async () => ctx.close());

type Row = { actor_id: number | null; action: string; target_user_id?: number | null; topic_id?: number | null; reason?: string; details?: Record<string, unknown>; created_at: Date };
async function insert(rows: Row[]) {
  await ctx.db
    .insertInto('moderation_actions')
    .values(rows.map((r) => ({ ...r, details: JSON.stringify(r.details ?? {}) })))
    .execute();
}
const entryIds = (html: string) => Array.from(dom(html).querySelectorAll('.log-entry')).map((li) => Number(li.id.slice(4)));

describe('the audit log is append-only', () => {
  it('an update or a delete through Kysely throws, and the entry stays as written', async () => {
    await insert([{ actor_id: mod.id, action: 'topic_lock', reason: 'original', created_at: new Date() }]);
    const row = await ctx.db.selectFrom('moderation_actions').selectAll().where('reason', '=', 'original').executeTakeFirstOrThrow();
    await expect(ctx.db.updateTable('moderation_actions').set({ reason: 'rewritten' }).where('id', '=', row.id).execute()).rejects.toThrow(/append-only/);
    await expect(ctx.db.deleteFrom('moderation_actions').where('id', '=', row.id).execute()).rejects.toThrow(/append-only/);
    expect((await ctx.db.selectFrom('moderation_actions').select('reason').where('id', '=', row.id).executeTakeFirstOrThrow()).reason).toBe('original');
  });

  it('has no route that changes an entry: only GET /mod/log', () => {
    const routes = ctx.app.printRoutes({ commonPrefix: false });
    expect(routes).toMatch(/log \(GET, HEAD\)/);
    expect(routes).not.toMatch(/log\/[^\n]*\((?:[^)]*)(POST|PUT|PATCH|DELETE)/);
  });
});

describe('GET /mod/log', () => {
  let member: User;
  let topicId: number;
  const base = Date.UTC(2026, 2, 10, 12);
  beforeAll(async () => {
    member = await createUser(ctx.db, { username: 'logtarget' });
    const { topic } = await createTopic(ctx.db, member, await createCategory(ctx.db));
    topicId = topic.id;
    await insert([
      { actor_id: null, action: 'post_auto_hide', target_user_id: member.id, topic_id: topic.id, reason: 'spam', created_at: new Date(base) },
      { actor_id: mod.id, action: 'user_silence', target_user_id: member.id, reason: 'Rude replies', details: { until: '2026-03-12T12:00:00.000Z', hours: 48 }, created_at: new Date(base + 86400_000) },
      { actor_id: admin.id, action: 'role_change', target_user_id: member.id, details: { from: 'member', to: 'moderator' }, created_at: new Date(base + 2 * 86400_000) },
      { actor_id: mod.id, action: 'topic_slow_mode', target_user_id: member.id, topic_id: topic.id, details: { from: 0, to: 600 }, created_at: new Date(base + 3 * 86400_000) },
    ]);
  });

  it('lists entries newest first with who (or System), action, target links, reason and readable details', async () => {
    const res = await modClient.get(`/mod/log?user=${member.username}`);
    expect(res.statusCode).toBe(200);
    const doc = dom(res.body);
    const items = Array.from(doc.querySelectorAll('.log-entry'));
    expect(items.map((li) => li.getAttribute('data-action'))).toEqual(['topic_slow_mode', 'role_change', 'user_silence', 'post_auto_hide']);
    expect(text(items[0]!.querySelector('.log-details'))).toBe('Off → 10 minutes');
    expect(text(items[0]!.querySelector('.log-target a[href^="/t/"]'))).not.toBe('');
    expect(text(items[1]!.querySelector('.log-details'))).toBe('Member → Moderator');
    expect(text(items[1]!.querySelector('.log-who'))).toBe(admin.username);
    expect(text(items[2]!.querySelector('.log-action'))).toBe('Member silenced');
    expect(text(items[2]!.querySelector('.log-reason'))).toBe('Reason: Rude replies');
    expect(text(items[2]!.querySelector('.log-details'))).toContain('until');
    expect(items[2]!.querySelector(`a[href="/mod/users/${member.id}"]`)).not.toBeNull();
    expect(text(items[3]!.querySelector('.log-who'))).toBe('System');
    expect(items[3]!.querySelector(`a[href^="/t/${topicId}"]`)).not.toBeNull();
  });

  it('filters by moderator, action and dates (to is inclusive of its day)', async () => {
    const actions = async (qs: string) => Array.from(dom((await modClient.get(`/mod/log?user=logtarget&${qs}`)).body).querySelectorAll('.log-entry')).map((li) => li.getAttribute('data-action'));
    expect(await actions(`moderator=${mod.username.toUpperCase()}`)).toEqual(['topic_slow_mode', 'user_silence']);
    expect(await actions('action=role_change')).toEqual(['role_change']);
    expect(await actions('from=2026-03-11&to=2026-03-12')).toEqual(['role_change', 'user_silence']);
    const doc = dom((await modClient.get('/mod/log?action=role_change')).body);
    expect(doc.querySelector('#f-action option[value="role_change"]')?.hasAttribute('selected')).toBe(true);
    // "Any action" and one option per action the log knows.
    expect(doc.querySelectorAll('#f-action option')).toHaveLength(AUDIT_ACTIONS.length + 1);
  });

  it('refuses an unknown name, action or a bad date with 422, keeping the values', async () => {
    for (const [qs, field, value] of [['moderator=nobody_here', 'moderator', 'nobody_here'], ['from=2026-02-31', 'from', '2026-02-31'], ['user=ghost', 'user', 'ghost']] as const) {
      const res = await modClient.get(`/mod/log?${qs}`);
      expect(res.statusCode).toBe(422);
      expect(formField(dom(res.body), field)).toMatchObject({ value, invalid: true });
    }
    expect((await modClient.get('/mod/log?action=drop_table')).statusCode).toBe(422);
  });

  it('pages by key: 50 per page, the next page continues without overlap; htmx gets only the entries', async () => {
    const actor = await createUser(ctx.db, { role: 'moderator' });
    const at = new Date('2026-04-01T00:00:00Z').getTime();
    // Equal timestamps in pairs, so the id breaks ties.
    await insert(Array.from({ length: 61 }, (_, i) => ({ actor_id: actor.id, action: 'topic_pin', created_at: new Date(at + Math.floor(i / 2) * 1000) })));
    const first = await modClient.get(`/mod/log?moderator=${actor.username}`);
    const ids1 = entryIds(first.body);
    expect(ids1).toHaveLength(LOG_PAGE);
    const next = dom(first.body).querySelector('#log-more a')!.getAttribute('href')!;
    expect(next).toContain(`moderator=${actor.username}`);
    const page2 = await modClient.get(next, { htmx: true });
    expect(page2.body).not.toMatch(/<html/i);
    expect(page2.headers.vary).toContain('HX-Request');
    const ids2 = entryIds(page2.body);
    expect(ids2).toHaveLength(11);
    expect(dom(page2.body).querySelector('#log-more')).toBeNull();
    const all = await ctx.db.selectFrom('moderation_actions').select('id').where('actor_id', '=', actor.id).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    expect([...ids1, ...ids2]).toEqual(all.map((r) => r.id));
    expect((await modClient.get('/mod/log?before=garbage')).statusCode).toBe(404);
  });

  it('is not there for a guest or a member', async () => {
    expect((await people.browser(ctx.app).get('/mod/log')).statusCode).toBe(404);
    expect((await (await people.signedIn(ctx.app, member)).get('/mod/log')).statusCode).toBe(404);
  });
});

describe('role and trust-level changes on /admin/users', () => {
  const entries = (userId: number) =>
    ctx.db.selectFrom('moderation_actions').select(['action', 'actor_id', 'details']).where('target_user_id', '=', userId).orderBy('id').execute();

  it('write role_change and trust_level_change with before/after; an unchanged value records nothing', async () => {
    const user = await createUser(ctx.db, { trust_level: 1 });
    expect((await adminClient.post(`/admin/users/${user.id}/role`, { role: 'moderator' })).statusCode).toBe(303);
    await adminClient.post(`/admin/users/${user.id}/role`, { role: 'moderator' });
    expect((await adminClient.post(`/admin/users/${user.id}/trust`, { trust_level: '3', locked: '1' })).statusCode).toBe(303);
    await adminClient.post(`/admin/users/${user.id}/trust`, { trust_level: '3', locked: '1' });
    expect(await entries(user.id)).toEqual([
      { action: 'role_change', actor_id: admin.id, details: { from: 'member', to: 'moderator' } },
      { action: 'trust_level_change', actor_id: admin.id, details: { from: 1, to: 3, locked: true, was_locked: false } },
    ]);
    const row = await ctx.db.selectFrom('users').select(['role', 'trust_level', 'trust_level_locked']).where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ role: 'moderator', trust_level: 3, trust_level_locked: true });
    const doc = dom((await modClient.get(`/mod/log?user=${user.username}`)).body);
    expect(Array.from(doc.querySelectorAll('.log-details')).map(text)).toEqual(['TL1 → TL3 · locked against automatic changes', 'Member → Moderator']);
  });

  it('a refused change (own role) records nothing', async () => {
    expect((await adminClient.post(`/admin/users/${admin.id}/role`, { role: 'member' })).statusCode).toBe(403);
    expect(await entries(admin.id)).toEqual([]);
  });
});
