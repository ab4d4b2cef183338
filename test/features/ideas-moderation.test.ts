import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp();
});
afterAll(async () => ctx.close());

describe('ideas and the moderators’ topic merge', () => {
  it('refuses to merge an idea that has votes with the generic tool (its votes would be lost), pointing to the idea merge', async () => {
    const board = await createCategory(ctx.db, { kind: 'ideas' });
    const author = await createUser(ctx.db);
    const voter = await createUser(ctx.db);
    const mod = await createUser(ctx.db, { role: 'moderator' });
    const { topic: dup } = await createTopic(ctx.db, author, board, { title: 'Dark mode for the app please' });
    const { topic: main } = await createTopic(ctx.db, author, board, { title: 'Add a dark theme to the app' });
    expect((await (await people.signedIn(ctx.app, voter)).post(`/t/${dup.id}/vote`)).statusCode).toBe(303);
    const m = await people.signedIn(ctx.app, mod);
    const res = await m.post(`/mod/t/${dup.id}/merge`, { into: String(main.id), reason: '' });
    expect(res.statusCode).toBe(422);
    expect(text(dom(res.body).querySelector('.field-error, [role="alert"]'))).not.toBe('');
    expect(res.body).toContain('This idea has votes');
    const row = await ctx.db.selectFrom('topics').select(['merged_into_id', 'vote_count']).where('id', '=', dup.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ merged_into_id: null, vote_count: 1 });
  });
});
