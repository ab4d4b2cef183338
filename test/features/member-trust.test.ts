import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../server/db/types.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';
import { dom } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let staff: User;
let mod: User;
let member: User;

beforeAll(async () => {
  ctx = await createTestApp();
  staff = await createUser(ctx.db, { role: 'staff' });
  mod = await createUser(ctx.db, { role: 'moderator' });
  member = await createUser(ctx.db, { trust_level: 2 });
});
afterAll(async () => ctx.close());

const level = (u: User) => ctx.db.selectFrom('users').select(['trust_level', 'trust_level_locked']).where('id', '=', u.id).executeTakeFirstOrThrow();

describe('brand staff set trust levels from a member’s moderation page', () => {
  it('staff give TL4 and lock it; the change is audited with before and after', async () => {
    const c = await people.signedIn(ctx.app, staff);
    const page = dom((await c.get(`/mod/users/${member.id}`)).body);
    expect(page.querySelector('#member-trust-form select[name="trust_level"] option[selected]')!.getAttribute('value')).toBe('2');
    const res = await c.post(`/mod/users/${member.id}/trust`, { trust_level: '4', locked: '1' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/mod/users/${member.id}?done=trust`);
    expect(await level(member)).toEqual({ trust_level: 4, trust_level_locked: true });
    const entry = await ctx.db.selectFrom('moderation_actions').selectAll().where('action', '=', 'trust_level_change').where('target_user_id', '=', member.id).executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(staff.id);
    expect(entry.details).toMatchObject({ from: 2, to: 4 });
  });

  it('moderators see no form and are refused; nobody sets their own level', async () => {
    const m = await people.signedIn(ctx.app, mod);
    expect(dom((await m.get(`/mod/users/${member.id}`)).body).querySelector('#member-trust-form')).toBeNull();
    expect((await m.post(`/mod/users/${member.id}/trust`, { trust_level: '0' })).statusCode).toBe(403);
    const s = await people.signedIn(ctx.app, staff);
    expect((await s.post(`/mod/users/${staff.id}/trust`, { trust_level: '4' })).statusCode).toBe(403);
    expect((await level(member)).trust_level).toBe(4);
    expect((await level(staff)).trust_level).toBe(1);
  });

  it('guests, members and a suspended staff member find nothing there; bad values are refused', async () => {
    const suspended = await createUser(ctx.db, { role: 'staff', suspended_until: new Date(Date.now() + 86400_000) });
    for (const c of [people.browser(ctx.app), await people.signedIn(ctx.app, member), await people.withSession(ctx.app, ctx.db, suspended)]) {
      expect((await c.post(`/mod/users/${member.id}/trust`, { trust_level: '0' })).statusCode).toBe(404);
    }
    const s = await people.signedIn(ctx.app, staff);
    expect((await s.post(`/mod/users/${member.id}/trust`, { trust_level: '5' })).statusCode).toBe(400);
    expect((await s.post(`/mod/users/999999/trust`, { trust_level: '1' })).statusCode).toBe(404);
    expect((await level(member)).trust_level).toBe(4);
  });
});
