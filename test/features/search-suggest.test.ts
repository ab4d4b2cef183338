import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { reindexPosts } from '../../server/features/search/search.reindex.js';
import { prefixQuery } from '../../server/features/search/search.suggest.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let anna: User;
let staff: User;
let open: Category;
let team: Category;

beforeAll(async () => {
  ctx = await createTestApp();
  anna = await createUser(ctx.db);
  staff = await createUser(ctx.db, { role: 'staff' });
  open = await createCategory(ctx.db, { name: 'Devices', slug: 'devices' });
  team = await createCategory(ctx.db, { name: 'Team room', slug: 'team-room', read_access: 'staff' });
  await createTopic(ctx.db, anna, open, { title: 'Как настроить роутер дома', body: 'Подскажите модель.' });
  await createTopic(ctx.db, anna, open, { title: 'Вопросы о гарантии на роутеры', body: 'Сколько длится гарантия?' });
  await createTopic(ctx.db, anna, open, { title: 'Firmware update stuck halfway', body: 'The router hangs.' });
  await createTopic(ctx.db, staff, team, { title: 'Роутер: внутренний план запуска', body: 'Только для команды.' });
});
afterAll(async () => ctx.close());

/** Titles offered by the header's search-as-you-type box. */
async function suggest(q: string, who = people.browser(ctx.app)) {
  const res = await who.get(`/search/suggest?${new URLSearchParams({ q }).toString()}`, { htmx: true });
  return { res, titles: [...dom(res.body).querySelectorAll('.suggest-title')].map((e) => text(e)) };
}

describe('search as you type (header)', () => {
  it('offers topics whose titles start the typed words, in any word form, as a fragment', async () => {
    const { res, titles } = await suggest('роут');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<html');
    expect(res.headers.vary).toContain('HX-Request');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(titles.sort()).toEqual(['Вопросы о гарантии на роутеры', 'Как настроить роутер дома']);
    expect((await suggest('вопрос гарант')).titles).toEqual(['Вопросы о гарантии на роутеры']);
    expect(dom(res.body).querySelector('a.suggest-all')?.getAttribute('href')).toBe('/search?q=%D1%80%D0%BE%D1%83%D1%82');
  });

  it('falls back to titles close in spelling when no word matches (a typo)', async () => {
    expect((await suggest('firmwre updat')).titles).toEqual(['Firmware update stuck halfway']);
  });

  it('never offers a topic the viewer may not read; staff see their own category', async () => {
    expect((await suggest('роутер')).titles).not.toContain('Роутер: внутренний план запуска');
    const member = await people.signedIn(ctx.app, anna);
    expect((await suggest('роутер', member)).titles).not.toContain('Роутер: внутренний план запуска');
    const s = await people.signedIn(ctx.app, staff);
    expect((await suggest('роутер', s)).titles).toContain('Роутер: внутренний план запуска');
  });

  it('treats operators and junk as plain text, and an empty box as nothing to show', async () => {
    for (const q of ["' OR 1=1--", '!&|:*', 'роут:* | !']) {
      const { res } = await suggest(q);
      expect(res.statusCode, q).toBe(200);
    }
    expect((await suggest('роут:* | !')).titles.length).toBe(2);
    const empty = await suggest('   ');
    expect(empty.res.statusCode).toBe(200);
    expect(empty.res.body.trim()).toBe('');
    // Too long, or a NUL byte: refused (the box itself stops at 200 characters).
    expect((await people.browser(ctx.app).get(`/search/suggest?q=${'x'.repeat(201)}`, { htmx: true })).statusCode).toBe(400);
    expect((await people.browser(ctx.app).get('/search/suggest?q=%00роут', { htmx: true })).statusCode).toBe(400);
  });

  it('without htmx it leads to the full search page', async () => {
    const res = await people.browser(ctx.app).get('/search/suggest?q=роутер');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/search?q=%D1%80%D0%BE%D1%83%D1%82%D0%B5%D1%80');
  });

  it('the header carries the box on every page, labelled, working as a plain form', async () => {
    const doc = dom((await people.browser(ctx.app).get('/')).body);
    const form = doc.querySelector('header form.header-search');
    expect(form?.getAttribute('action')).toBe('/search');
    const input = form?.querySelector('input[name="q"]');
    expect(input?.getAttribute('hx-get')).toBe('/search/suggest');
    expect(doc.querySelector(`label[for="${input?.id}"]`)).not.toBeNull();
  });
});

describe('search page: typo suggestions and new filters', () => {
  it('offers titles with similar spelling when a search finds little', async () => {
    const res = await people.browser(ctx.app).get('/search?q=firmwre');
    const doc = dom(res.body);
    expect(res.statusCode).toBe(200);
    expect([...doc.querySelectorAll('.search-similar a:not(.cat-badge)')].map((a) => text(a))).toEqual(['Firmware update stuck halfway']);
    // A staff-only title is never offered to others.
    const again = dom((await people.browser(ctx.app).get('/search?q=внутрений план')).body);
    expect(text(again.querySelector('main'))).not.toContain('внутренний план');
  });

  it('"titles only" ignores matches in post bodies', async () => {
    const t = await createTopic(ctx.db, anna, open, { title: 'Батарея быстро садится', body: 'Зарядка держит плохо.' });
    await createReply(ctx.db, anna, t.topic.id, 'Зарядка и у меня.');
    const titles = async (params: string) => [...dom((await people.browser(ctx.app).get(`/search?${params}`)).body).querySelectorAll('.search-hit-title')].map((a) => text(a));
    expect(await titles('q=зарядка')).toEqual(['Батарея быстро садится']);
    expect(await titles('q=зарядка&in=titles')).toEqual([]);
    expect(await titles('q=батарея&in=titles')).toEqual(['Батарея быстро садится']);
  });

  it('filters by a date range (whole days, inclusive) and refuses impossible dates with the values kept', async () => {
    const old = await createTopic(ctx.db, anna, open, { title: 'Старая тема о зимних шинах', body: 'Шины.' });
    await ctx.db.updateTable('posts').set({ created_at: new Date('2025-01-15T23:30:00Z') }).where('id', '=', old.post.id).execute();
    await createTopic(ctx.db, anna, open, { title: 'Новая тема о летних шинах', body: 'Шины.' });
    const titles = async (params: string) => [...dom((await people.browser(ctx.app).get(`/search?q=шины&${params}`)).body).querySelectorAll('.search-hit-title')].map((a) => text(a));
    expect(await titles('from=2025-01-15&to=2025-01-15')).toEqual(['Старая тема о зимних шинах']);
    expect(await titles('from=2025-01-16')).toEqual(['Новая тема о летних шинах']);
    expect((await titles('')).length).toBe(2);
    for (const bad of ['from=2025-02-30', 'to=2025-13-01', 'from=2025-03-01&to=2025-02-01', 'from=yesterday']) {
      const res = await people.browser(ctx.app).get(`/search?q=шины&${bad}`);
      expect(res.statusCode, bad).toBe(400);
      const doc = dom(res.body);
      expect(doc.querySelector('#search-q')?.getAttribute('value')).toBe('шины');
      expect(doc.querySelector('.field-error'), bad).not.toBeNull();
    }
  });
});

describe('reindex', () => {
  it('rebuilds lost rows in batches with the same weights and state as the triggers', async () => {
    const t = await createTopic(ctx.db, anna, open, { title: 'Пылесос гудит', body: 'Шумит при включении.' });
    const r = await createReply(ctx.db, anna, t.topic.id, 'Фильтр забился.');
    const rows = () => sql<{ post_id: number; v: string }>`select post_id, vector::text as v, category_id, visible, unlisted from post_search order by post_id`.execute(ctx.db).then((x) => x.rows);
    const before = await rows();
    const posts = await ctx.db.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(before.map((x) => x.post_id)).toHaveLength(Number(posts.n));
    // The index lost, as after a bulk load with triggers disabled, or one row stale: the topic cannot be found.
    await sql`delete from post_search where post_id <> ${r.id}`.execute(ctx.db);
    await sql`update post_search set vector = ''::tsvector, visible = false where post_id = ${r.id}`.execute(ctx.db);
    const found = async (q: string) => [...dom((await people.browser(ctx.app).get(`/search?q=${encodeURIComponent(q)}`)).body).querySelectorAll('.search-hit-title')].map((a) => text(a));
    expect(await found('пылесос')).toEqual([]);
    const batches: number[] = [];
    const done = await reindexPosts(ctx.db, { batch: 3, onBatch: (n) => batches.push(n) });
    expect(done).toBe(before.length);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(before.length);
    expect(Math.max(...batches)).toBe(3);
    expect(await rows()).toEqual(before);
    expect(await found('пылесосы')).toEqual(['Пылесос гудит']);
    expect(await found('фильтры')).toEqual(['Пылесос гудит']);
    expect((await ctx.db.selectFrom('posts').select('body_md').where('id', '=', r.id).executeTakeFirstOrThrow()).body_md).toBe('Фильтр забился.');
  });
});

describe('prefixQuery', () => {
  it('keeps letters and digits only, each word a prefix', () => {
    expect(prefixQuery('настр роут')).toBe('настр:* & роут:*');
    expect(prefixQuery("' OR 1=1--")).toBe('OR:* & 1:* & 1:*');
    expect(prefixQuery('!&|:*')).toBeNull();
    expect(prefixQuery('a b c d e f g h i j')?.split(' & ')).toHaveLength(8);
  });
});
