import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../server/db/types.js';
import { translator } from '../../server/web/i18n/index.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import * as people from '../helpers/people.js';
import { Client } from '../helpers/client.js';
import { createCategory, createTopic, createUser } from '../helpers/factories.js';
import { dom, formField as field, text } from '../helpers/html.js';

let ctx: TestContext;
let admin: User;
let adminClient: Client;
beforeAll(async () => {
  ctx = await createTestApp();
  admin = await createUser(ctx.db, { role: 'admin' });
  adminClient = await signedIn(admin);
});
afterAll(async () => ctx.close());

const en = translator('en');
const browser = (app: FastifyInstance = ctx.app): Client => people.browser(app);

const signedIn = (user: User): Promise<Client> => people.signedIn(ctx.app, user);

const withSession = (user: User): Promise<Client> => people.withSession(ctx.app, ctx.db, user);

/** Every route Fastify knows, as "METHOD /path", read from printRoutes' tree (each segment carries its own slashes). */
function allRoutes(app: FastifyInstance): string[] {
  const out = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│├└─\s]*?)(?:├── |└── )(.+?)(?: \(([^)]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack[depth] = m[2]!;
    const path = stack.join('');
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) if (method !== 'HEAD') out.add(`${method} ${path}`);
  }
  return [...out];
}

function adminRoutes(): string[] {
  return allRoutes(ctx.app).filter((r) => / \/admin(\/|$)/.test(r));
}

const categoryForm = (overrides: Record<string, string> = {}) => ({
  name: 'A category',
  slug: `cat-${Math.random().toString(36).slice(2, 10)}`,
  kind: 'discussion',
  description: '',
  color: '#2563eb',
  parent_id: '',
  read_access: 'everyone',
  post_access: 'members',
  ...overrides,
});


/** Slugs of the categories in the home page's category list, in order. */
async function homeCategoryOrder(c: Client = adminClient): Promise<string[]> {
  const doc = dom((await c.get('/')).body);
  const list = doc.querySelector('[aria-labelledby="categories-heading"]') ?? doc;
  const slugs = Array.from(list.querySelectorAll('a[href^="/c/"]')).map((a) => a.getAttribute('href')!.slice(3));
  return slugs.filter((s, i) => slugs.indexOf(s) === i);
}

async function createViaAdmin(form: Record<string, string>): Promise<number> {
  const res = await adminClient.post('/admin/categories', form);
  expect(res.statusCode, res.body.slice(0, 200)).toBe(303);
  expect(res.headers.location).toBe('/admin/categories');
  const row = await ctx.db.selectFrom('categories').select('id').where('slug', '=', form.slug!.trim().toLowerCase()).executeTakeFirstOrThrow();
  return row.id;
}

function isNotFoundPage(res: LightMyRequestResponse): boolean {
  return res.statusCode === 404 && text(dom(res.body).querySelector('#error h1')) === en.t('errors.notFound.title');
}

describe('the admin area', () => {
  it('has the routes this test walks', () => {
    expect(adminRoutes()).toEqual(
      expect.arrayContaining([
        'GET /admin',
        'GET /admin/categories',
        'POST /admin/categories',
        'GET /admin/categories/:id',
        'POST /admin/categories/:id',
        'POST /admin/categories/:id/move',
        'POST /admin/categories/:id/delete',
        'GET /admin/users',
        'POST /admin/users/:id/role',
      ]),
    );
  });

  it('does not exist (404) for a guest, a member, a moderator, staff and a suspended admin — on every route', async () => {
    const victim = await createCategory(ctx.db, { name: 'Untouchable' });
    const personas: [string, User | null][] = [
      ['guest', null],
      ['member', await createUser(ctx.db)],
      ['moderator', await createUser(ctx.db, { role: 'moderator' })],
      ['staff', await createUser(ctx.db, { role: 'staff' })],
      ['suspended admin', await createUser(ctx.db, { role: 'admin', suspended_until: new Date(Date.now() + 86400_000) })],
    ];
    const routes = adminRoutes();
    for (const [who, user] of personas) {
      const c = !user ? browser() : user.suspended_until ? await withSession(user) : await signedIn(user);
      if (!c.csrf) await c.get('/');
      // Admin links are not offered either.
      expect(dom((await c.get('/')).body).querySelector('a[href^="/admin"]'), who).toBeNull();
      for (const route of routes) {
        const [method, pattern] = route.split(' ') as [string, string];
        const url = pattern.startsWith('/admin/users') ? pattern.replace(':id', String(user?.id ?? admin.id)) : pattern.replace(':id', String(victim.id));
        const body = url.endsWith('/role')
          ? { role: 'admin' }
          : url.endsWith('/move')
            ? { direction: 'up' }
            : url.endsWith('/delete')
              ? {}
              : categoryForm({ name: 'Hijacked', slug: 'hijacked' });
        const res = method === 'GET' ? await c.get(url) : await c.post(url, body);
        expect(isNotFoundPage(res), `${who}: ${method} ${url} → ${res.statusCode}`).toBe(true);
        expect(res.headers['content-type']).toContain('text/html');
      }
      // Unknown paths under /admin look the same.
      expect(isNotFoundPage(await c.get('/admin/nothing-here')), who).toBe(true);
    }
    // Nothing changed.
    const after = await ctx.db.selectFrom('categories').selectAll().where('id', '=', victim.id).executeTakeFirst();
    expect(after).toMatchObject({ name: 'Untouchable', slug: victim.slug, position: victim.position });
    expect(await ctx.db.selectFrom('categories').select('id').where('slug', '=', 'hijacked').executeTakeFirst()).toBeUndefined();
    const roles = await ctx.db.selectFrom('users').select(['id', 'role']).where('id', 'in', personas.flatMap(([, u]) => (u ? [u.id] : []))).orderBy('id').execute();
    expect(roles.map((r) => r.role)).toEqual(['member', 'moderator', 'staff', 'admin']);
    expect((await ctx.db.selectFrom('users').select('role').where('id', '=', admin.id).executeTakeFirstOrThrow()).role).toBe('admin');
  });

  it('works for an admin: every page answers', async () => {
    const cat = await createCategory(ctx.db);
    expect(dom((await adminClient.get('/')).body).querySelector('header a[href^="/admin"]')).not.toBeNull();
    for (const route of adminRoutes().filter((r) => r.startsWith('GET '))) {
      const url = route.slice(4).replace(':id', String(cat.id));
      const res = await adminClient.get(url);
      if (url === '/admin' || url === '/admin/') {
        expect(res.statusCode, url).toBe(303);
        expect(res.headers.location).toBe('/admin/categories');
      } else {
        expect(res.statusCode, url).toBe(200);
        expect(res.headers['cache-control']).toBe('private, no-store');
      }
    }
    expect(isNotFoundPage(await adminClient.get('/admin/categories/99999999'))).toBe(true);
    expect(isNotFoundPage(await adminClient.get('/admin/categories/abc'))).toBe(true);
    expect(isNotFoundPage(await adminClient.get('/admin/users?before=9999999999'))).toBe(true);
  });
});

describe('categories admin', () => {
  it('creates a category with every field, and a subcategory one level deep only', async () => {
    const parentId = await createViaAdmin(
      categoryForm({ name: '  Help desk ', slug: 'Help-Desk', kind: 'questions', description: 'Ask here', color: '#10B981', read_access: 'members', post_access: 'staff' }),
    );
    const parent = await ctx.db.selectFrom('categories').selectAll().where('id', '=', parentId).executeTakeFirstOrThrow();
    expect(parent).toMatchObject({ name: 'Help desk', slug: 'help-desk', kind: 'questions', description: 'Ask here', color: '#10b981', read_access: 'members', post_access: 'staff', parent_id: null });

    const list = dom((await adminClient.get('/admin/categories')).body);
    expect(list.querySelector(`#category-${parentId} a[href="/admin/categories/${parentId}"]`)).not.toBeNull();
    expect(Array.from(list.querySelectorAll('#f-parent_id option')).map((o) => o.getAttribute('value'))).toContain(String(parentId));

    const childId = await createViaAdmin(categoryForm({ name: 'Billing', slug: 'billing', parent_id: String(parentId) }));
    expect((await ctx.db.selectFrom('categories').select('parent_id').where('id', '=', childId).executeTakeFirstOrThrow()).parent_id).toBe(parentId);
    // The child is offered as a parent nowhere.
    const again = dom((await adminClient.get('/admin/categories')).body);
    expect(Array.from(again.querySelectorAll('#f-parent_id option')).map((o) => o.getAttribute('value'))).not.toContain(String(childId));

    const grandchild = await adminClient.post('/admin/categories', categoryForm({ name: 'Invoices', slug: 'invoices', parent_id: String(childId) }));
    expect(grandchild.statusCode).toBe(422);
    const doc = dom(grandchild.body);
    expect(doc.querySelector('#f-parent_id')?.getAttribute('aria-invalid')).toBe('true');
    expect(text(doc.querySelector('#f-parent_id-error'))).toBe(en.t('errors.parentInvalid'));
    expect(field(doc, 'name').value).toBe('Invoices');
    expect(await ctx.db.selectFrom('categories').select('id').where('slug', '=', 'invoices').executeTakeFirst()).toBeUndefined();

    for (const bad of ['99999999', '0', 'abc', '99999999999']) {
      const res = await adminClient.post('/admin/categories', categoryForm({ slug: 'orphan', parent_id: bad }));
      expect(res.statusCode, bad).toBe(422);
    }

    // A category with children cannot become a child itself.
    const other = await createCategory(ctx.db);
    const demote = await adminClient.post(`/admin/categories/${parentId}`, categoryForm({ name: 'Help desk', slug: 'help-desk', parent_id: String(other.id) }));
    expect(demote.statusCode).toBe(422);
    expect(text(dom(demote.body).querySelector('#f-parent_id-error'))).toBe(en.t('errors.parentInvalid'));
    // Nor its own parent.
    const self = await adminClient.post(`/admin/categories/${other.id}`, categoryForm({ name: other.name, slug: other.slug, parent_id: String(other.id) }));
    expect(self.statusCode).toBe(422);
    expect((await ctx.db.selectFrom('categories').select('parent_id').where('id', '=', parentId).executeTakeFirstOrThrow()).parent_id).toBeNull();
  });

  it('edits a category', async () => {
    const cat = await createCategory(ctx.db, { name: 'Before', description: 'old' });
    const form = dom((await adminClient.get(`/admin/categories/${cat.id}`)).body);
    expect(form.querySelector(`form[action="/admin/categories/${cat.id}"]`)).not.toBeNull();
    expect(field(form, 'name').value).toBe('Before');
    expect(field(form, 'slug').value).toBe(cat.slug);

    const res = await adminClient.post(
      `/admin/categories/${cat.id}`,
      categoryForm({ name: 'After', slug: 'after-edit', kind: 'ideas', description: 'new words', color: '#ff0000', read_access: 'staff', post_access: 'staff' }),
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/categories');
    const row = await ctx.db.selectFrom('categories').selectAll().where('id', '=', cat.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: 'After', slug: 'after-edit', kind: 'ideas', description: 'new words', color: '#ff0000', read_access: 'staff', post_access: 'staff' });
    expect((await adminClient.get('/c/after-edit')).statusCode).toBe(200);
    expect((await adminClient.get(`/c/${cat.slug}`)).statusCode).toBe(404);
  });

  it('refuses a duplicate slug, a bad colour and bad shapes with 422 and a message by the field', async () => {
    const taken = await createCategory(ctx.db);
    const dup = await adminClient.post('/admin/categories', categoryForm({ name: 'Copycat', slug: taken.slug.toUpperCase() }));
    expect(dup.statusCode).toBe(422);
    let doc = dom(dup.body);
    expect(field(doc, 'slug')).toEqual({ value: taken.slug.toUpperCase(), invalid: true, error: en.t('errors.slugTaken') });
    expect(field(doc, 'name').value).toBe('Copycat');

    const mine = await createCategory(ctx.db);
    const dupEdit = await adminClient.post(`/admin/categories/${mine.id}`, categoryForm({ name: mine.name, slug: taken.slug }));
    expect(dupEdit.statusCode).toBe(422);
    expect(field(dom(dupEdit.body), 'slug').error).toBe(en.t('errors.slugTaken'));
    expect((await ctx.db.selectFrom('categories').select('slug').where('id', '=', mine.id).executeTakeFirstOrThrow()).slug).toBe(mine.slug);

    for (const color of ['red', '#12345', '#gggggg', 'url(x)']) {
      const res = await adminClient.post('/admin/categories', categoryForm({ slug: 'colourful', color }));
      expect(res.statusCode, color).toBe(422);
      expect(field(dom(res.body), 'color').error, color).toBe(en.t('errors.colorFormat'));
    }
    const tooLong = await adminClient.post('/admin/categories', categoryForm({ slug: 'colourful', color: '#1234567' }));
    expect(tooLong.statusCode).toBe(422);
    expect(field(dom(tooLong.body), 'color').invalid).toBe(true);

    const badSlug = await adminClient.post('/admin/categories', categoryForm({ slug: 'no spaces!' }));
    expect(badSlug.statusCode).toBe(422);
    expect(field(dom(badSlug.body), 'slug').error).toBe(en.t('errors.slugFormat'));

    const longName = await adminClient.post('/admin/categories', categoryForm({ name: 'n'.repeat(61), slug: 'long-name' }));
    expect(longName.statusCode).toBe(422);
    doc = dom(longName.body);
    expect(field(doc, 'name').error).toBe(en.t('errors.tooLong', { limit: 60 }));

    const blank = await adminClient.post('/admin/categories', categoryForm({ name: '   ', slug: 'blank-name' }));
    expect(blank.statusCode).toBe(422);
    expect(field(dom(blank.body), 'name').error).toBe(en.t('errors.required'));

    const badKind = await adminClient.post('/admin/categories', categoryForm({ slug: 'bad-kind', kind: 'chatroom', read_access: 'nobody' }));
    expect(badKind.statusCode).toBe(422);

    for (const slug of ['colourful', 'long-name', 'blank-name', 'bad-kind', 'no spaces!']) {
      expect(await ctx.db.selectFrom('categories').select('id').where('slug', '=', slug).executeTakeFirst(), slug).toBeUndefined();
    }
  });

  it('reorders categories up and down, as the home page shows', async () => {
    const a = await createViaAdmin(categoryForm({ name: 'Order A', slug: 'order-a' }));
    const b = await createViaAdmin(categoryForm({ name: 'Order B', slug: 'order-b' }));
    const pair = async () => (await homeCategoryOrder()).filter((s) => s === 'order-a' || s === 'order-b');
    expect(await pair()).toEqual(['order-a', 'order-b']);

    const up = await adminClient.post(`/admin/categories/${b}/move`, { direction: 'up' });
    expect(up.statusCode).toBe(303);
    expect(up.headers.location).toBe('/admin/categories');
    expect(await pair()).toEqual(['order-b', 'order-a']);
    // The admin list follows the same order.
    const ids = Array.from(dom((await adminClient.get('/admin/categories')).body).querySelectorAll('#admin-categories > li')).map((li) => li.id);
    expect(ids.indexOf(`category-${b}`)).toBeLessThan(ids.indexOf(`category-${a}`));

    expect((await adminClient.post(`/admin/categories/${b}/move`, { direction: 'down' })).statusCode).toBe(303);
    expect(await pair()).toEqual(['order-a', 'order-b']);

    // Past either end nothing moves.
    const first = (await homeCategoryOrder())[0]!;
    const firstId = (await ctx.db.selectFrom('categories').select('id').where('slug', '=', first).executeTakeFirstOrThrow()).id;
    const before = await homeCategoryOrder();
    expect((await adminClient.post(`/admin/categories/${firstId}/move`, { direction: 'up' })).statusCode).toBe(303);
    expect(await homeCategoryOrder()).toEqual(before);
    expect((await adminClient.post(`/admin/categories/${a}/move`, { direction: 'sideways' })).statusCode).toBe(400);
  });

  it('deletes an empty category, refuses one with topics or children (409 with the notice) and loses nothing', async () => {
    const author = await createUser(ctx.db);
    const empty = await createCategory(ctx.db);
    const res = await adminClient.post(`/admin/categories/${empty.id}/delete`);
    expect(res.statusCode).toBe(303);
    expect(await ctx.db.selectFrom('categories').select('id').where('id', '=', empty.id).executeTakeFirst()).toBeUndefined();
    expect(await homeCategoryOrder()).not.toContain(empty.slug);

    const busy = await createCategory(ctx.db);
    const { topic } = await createTopic(ctx.db, author, busy, { title: 'Keep me safe please' });
    const refused = await adminClient.post(`/admin/categories/${busy.id}/delete`);
    expect(refused.statusCode).toBe(409);
    const doc = dom(refused.body);
    expect(text(doc.querySelector('main [role="alert"]'))).toBe(en.t('admin.category.deleteNotEmpty'));
    expect(doc.querySelector(`#category-${busy.id}`)).not.toBeNull();
    expect(await ctx.db.selectFrom('categories').select(['id', 'topic_count']).where('id', '=', busy.id).executeTakeFirst()).toEqual({ id: busy.id, topic_count: 1 });
    expect((await adminClient.get(`/t/${topic.id}`)).statusCode).toBe(200);

    // Deleted topics still belong to the category.
    await ctx.db.updateTable('topics').set({ deleted_at: new Date() }).where('id', '=', topic.id).execute();
    expect((await adminClient.post(`/admin/categories/${busy.id}/delete`)).statusCode).toBe(409);
    expect(await ctx.db.selectFrom('posts').select('id').where('topic_id', '=', topic.id).execute()).toHaveLength(1);

    const parent = await createCategory(ctx.db);
    const child = await createCategory(ctx.db, { parent_id: parent.id });
    const withChild = await adminClient.post(`/admin/categories/${parent.id}/delete`);
    expect(withChild.statusCode).toBe(409);
    expect(text(dom(withChild.body).querySelector('main [role="alert"]'))).toBe(en.t('admin.category.deleteHasChildren'));
    expect((await adminClient.post(`/admin/categories/${child.id}/delete`)).statusCode).toBe(303);
    expect((await adminClient.post(`/admin/categories/${parent.id}/delete`)).statusCode).toBe(303);
    expect(isNotFoundPage(await adminClient.post(`/admin/categories/${parent.id}/delete`))).toBe(true);
  });

  it('lets the «Общее» category be renamed, and deleted while empty', async () => {
    const general = await ctx.db.selectFrom('categories').selectAll().where('slug', '=', 'general').executeTakeFirstOrThrow();
    expect(general.name).toBe('Общее');
    const renamed = await adminClient.post(
      `/admin/categories/${general.id}`,
      categoryForm({ name: 'Разное', slug: 'general', description: general.description, color: general.color }),
    );
    expect(renamed.statusCode).toBe(303);
    const home = dom((await browser().get('/')).body);
    expect(text(home.querySelector('a[href="/c/general"]'))).toBe('Разное');

    expect((await adminClient.post(`/admin/categories/${general.id}/delete`)).statusCode).toBe(303);
    expect(await ctx.db.selectFrom('categories').select('id').where('slug', '=', 'general').executeTakeFirst()).toBeUndefined();
    expect((await browser().get('/c/general')).statusCode).toBe(404);
  });
});

describe('users admin', () => {
  it('changes a member to moderator, staff and admin, which takes effect on their next request', async () => {
    const target = await createUser(ctx.db);
    const theirs = await signedIn(target);
    expect((await theirs.get('/admin/categories')).statusCode).toBe(404);

    const page = dom((await adminClient.get(`/admin/users?q=${target.username}`)).body);
    expect(page.querySelector(`#user-${target.id} form[action="/admin/users/${target.id}/role"]`)).not.toBeNull();
    expect(page.querySelector(`#role-${target.id} option[selected]`)?.getAttribute('value')).toBe('member');

    for (const role of ['moderator', 'staff', 'admin']) {
      const res = await adminClient.post(`/admin/users/${target.id}/role`, { role });
      expect(res.statusCode, role).toBe(303);
      expect(res.headers.location).toBe('/admin/users');
      expect((await ctx.db.selectFrom('users').select('role').where('id', '=', target.id).executeTakeFirstOrThrow()).role).toBe(role);
      const listed = dom((await adminClient.get(`/admin/users?q=${target.username}`)).body);
      expect(listed.querySelector(`#role-${target.id} option[selected]`)?.getAttribute('value')).toBe(role);
    }
    expect((await theirs.get('/admin/categories')).statusCode).toBe(200);

    expect((await adminClient.post(`/admin/users/${target.id}/role`, { role: 'member' })).statusCode).toBe(303);
    expect((await theirs.get('/admin/categories')).statusCode).toBe(404);
  });

  it('refuses an admin changing their own role (403), a made-up role (400) and an unknown user (404)', async () => {
    const page = dom((await adminClient.get('/admin/users')).body);
    expect(page.querySelector(`#user-${admin.id}`)).not.toBeNull();
    expect(page.querySelector(`#user-${admin.id} form`)).toBeNull();

    const own = await adminClient.post(`/admin/users/${admin.id}/role`, { role: 'member' });
    expect(own.statusCode).toBe(403);
    expect(text(dom(own.body).querySelector('#error p'))).toBe(en.t('admin.users.ownRole'));
    expect((await ctx.db.selectFrom('users').select('role').where('id', '=', admin.id).executeTakeFirstOrThrow()).role).toBe('admin');

    const target = await createUser(ctx.db);
    expect((await adminClient.post(`/admin/users/${target.id}/role`, { role: 'god' })).statusCode).toBe(400);
    expect((await adminClient.post(`/admin/users/${target.id}/role`, {})).statusCode).toBe(400);
    expect((await ctx.db.selectFrom('users').select('role').where('id', '=', target.id).executeTakeFirstOrThrow()).role).toBe('member');
    for (const id of ['99999999', 'abc', '0', '-1', '99999999999']) {
      expect(isNotFoundPage(await adminClient.post(`/admin/users/${id}/role`, { role: 'admin' })), id).toBe(true);
    }
  });

  it('finds users by the start of the name or by the whole e-mail, and pages by id', async () => {
    const findme = await createUser(ctx.db, { username: 'Findme_One', email: 'findme@example.com' });
    const other = await createUser(ctx.db, { username: 'Someone_Else' });
    const rows = async (url: string) => Array.from(dom((await adminClient.get(url)).body).querySelectorAll('tbody tr')).map((tr) => tr.id);
    expect(await rows('/admin/users?q=FINDME')).toEqual([`user-${findme.id}`]);
    expect(await rows('/admin/users?q=Findme%40Example.com')).toEqual([`user-${findme.id}`]);
    expect(await rows('/admin/users?q=%25')).toEqual([]);
    expect(await rows('/admin/users?q=_')).toEqual([]);
    expect(await rows(`/admin/users?before=${other.id}`)).toContain(`user-${findme.id}`);
    expect(await rows(`/admin/users?before=${other.id}`)).not.toContain(`user-${other.id}`);
    expect((await adminClient.get(`/admin/users?q=${'x'.repeat(61)}`)).statusCode).toBe(400);
    expect((await adminClient.get('/admin/users?before=abc')).statusCode).toBe(400);
  });
});
