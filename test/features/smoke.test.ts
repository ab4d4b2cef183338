import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { Client } from '../helpers/client.js';
import { dom, text } from '../helpers/html.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp();
});
afterAll(async () => ctx.close());

describe('a new forum', () => {
  it('signs up the first account as admin, starts a topic in «Общее» and replies', async () => {
    const c = new Client(ctx.app);
    const home = await c.get('/');
    expect(home.statusCode).toBe(200);
    expect(text(dom(home.body).querySelector('.category-name'))).toBe('Общее');

    await c.get('/signup');
    const signup = await c.post('/signup', { username: 'anna', email: 'anna@example.com', password: 'long enough password' });
    expect(signup.statusCode).toBe(303);
    const admin = await ctx.db.selectFrom('users').select('role').where('username', '=', 'anna').executeTakeFirstOrThrow();
    expect(admin.role).toBe('admin');

    const form = await c.get('/new');
    expect(form.statusCode).toBe(200);
    const general = await ctx.db.selectFrom('categories').select('id').where('slug', '=', 'general').executeTakeFirstOrThrow();
    const created = await c.post('/t', { category_id: general.id, title: 'Hello, community!', body: 'First **post**' });
    expect(created.statusCode).toBe(303);
    const location = created.headers.location as string;
    expect(location).toMatch(/^\/t\/\d+\/hello-community#post-\d+$/);

    const page = await c.get(location.split('#')[0]!);
    expect(page.statusCode).toBe(200);
    const doc = dom(page.body);
    expect(doc.querySelector(`#${location.split('#')[1]} .post-body strong`)?.textContent).toBe('post');

    const topicId = location.split('/')[2];
    const reply = await c.post(`/t/${topicId}/posts`, { body: 'And a reply' }, { htmx: true });
    expect(reply.statusCode).toBe(201);
    expect(reply.body).not.toContain('<html');
    expect(reply.headers.vary).toContain('HX-Request');
  });
});
