import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';
import { search } from '../../server/features/search/search.queries.js';
import { asViewer } from '../helpers/factories.js';
import { sql } from 'kysely';
import { reindexPosts, searchDrift } from '../../server/features/search/search.reindex.js';
import { deletePost, editPost, restorePost } from '../../server/features/posts/posts.service.js';
import { hidePost, unhidePost } from '../../server/features/moderation/moderation.service.js';
import { moveTopic } from '../../server/features/moderation/topic-tools.service.js';
import { mergeTopics, splitTopic } from '../../server/features/moderation/topic-tools.restructure.js';

let ctx: TestContext;
let anna: User;
let boris: User;
let staff: User;
let open: Category;
let members: Category;
let team: Category;
let qa: Category;

beforeAll(async () => {
  ctx = await createTestApp();
  anna = await createUser(ctx.db, { username: 'anna_s' });
  boris = await createUser(ctx.db, { username: 'boris_s' });
  staff = await createUser(ctx.db, { role: 'staff' });
  open = await createCategory(ctx.db, { name: 'Routers', slug: 'routers' });
  members = await createCategory(ctx.db, { name: 'Members lounge', slug: 'lounge', read_access: 'members' });
  team = await createCategory(ctx.db, { name: 'Team room', slug: 'team', read_access: 'staff' });
  qa = await createCategory(ctx.db, { name: 'Help', slug: 'help', kind: 'questions' });
});
afterAll(async () => ctx.close());

/** Topic titles of a results page, in order. */
function titles(html: string): string[] {
  return [...dom(html).querySelectorAll('.search-hit-title')].map((a) => text(a));
}

async function find(q: string, params: Record<string, string> = {}, who = people.browser(ctx.app)) {
  const res = await who.get(`/search?${new URLSearchParams({ q, ...params }).toString()}`);
  return { res, titles: titles(res.body), doc: dom(res.body) };
}

describe('search: Russian and English word forms', () => {
  beforeAll(async () => {
    await createTopic(ctx.db, anna, open, { title: 'Как настроить роутер дома', body: 'Подскажите, какие роутеры лучше для квартиры?' });
    await createTopic(ctx.db, boris, open, { title: 'Firmware update stuck halfway', body: 'The router configuring page hangs after the update.' });
  });

  it('finds Russian words in other grammatical forms (роутеры → роутер, роутера)', async () => {
    expect((await find('роутеры')).titles).toContain('Как настроить роутер дома');
    expect((await find('роутера')).titles).toContain('Как настроить роутер дома');
  });

  it('finds English words in other forms (configured → configuring, routers → router)', async () => {
    expect((await find('configured')).titles).toEqual(['Firmware update stuck halfway']);
    expect((await find('routers')).titles).toContain('Firmware update stuck halfway');
  });

  it('understands quotes for phrases and a minus for excluded words', async () => {
    expect((await find('"update stuck"')).titles).toEqual(['Firmware update stuck halfway']);
    expect((await find('"stuck update"')).titles).toEqual([]);
    const both = await find('роутер OR router');
    expect(both.titles).toEqual(expect.arrayContaining(['Как настроить роутер дома', 'Firmware update stuck halfway']));
    expect((await find('роутер OR router -firmware')).titles).toEqual(['Как настроить роутер дома']);
  });

  it('says plainly when nothing matches, also for a query of stop words only', async () => {
    for (const q of ['несуществующееслово', 'и в на']) {
      const { res, doc } = await find(q);
      expect(res.statusCode).toBe(200);
      expect(text(doc.querySelector('.empty'))).toContain('Nothing found');
    }
  });
});

describe('search: ranking and results', () => {
  beforeAll(async () => {
    await createTopic(ctx.db, anna, open, { title: 'Синхронизация календаря', body: 'Календарь не обновляется.' });
    const other = await createTopic(ctx.db, boris, open, { title: 'Разное про телефоны', body: 'Ничего особенного.' });
    await createReply(ctx.db, anna, other.topic.id, 'Кстати, синхронизация у меня тоже сломалась.');
    await createReply(ctx.db, boris, other.topic.id, 'Синхронизация — больная тема, синхронизация снова.');
  });

  it('ranks a title match above a match in a reply, and shows each topic once with its best post', async () => {
    const { titles: found, doc } = await find('синхронизация');
    expect(found).toEqual(['Синхронизация календаря', 'Разное про телефоны']);
    const reply = [...doc.querySelectorAll('.search-hit')][1]!;
    expect(text(reply.querySelector('.meta'))).toMatch(/reply #\d/);
    expect(reply.querySelector('a')!.getAttribute('href')).toMatch(/^\/t\/\d+\/[a-z0-9-]+#post-\d+$/);
  });

  it('highlights matches in the snippet and escapes everything the author typed', async () => {
    await createTopic(ctx.db, anna, open, { title: 'Escaping check topic', body: 'Look: <script>alert(1)</script> <b>bold</b> уникальныйтермин here.' });
    const { res, doc } = await find('уникальныйтермин');
    const snippet = doc.querySelector('.search-snippet')!;
    expect(snippet.querySelector('mark')!.textContent).toBe('уникальныйтермин');
    expect(snippet.querySelector('script, b')).toBeNull();
    expect(res.body).not.toContain('<script>alert(1)');
    expect(text(snippet)).toContain('alert(1)');
  });

  it('pages results 20 at a time with real links', async () => {
    for (let i = 0; i < 23; i++) await createTopic(ctx.db, boris, open, { title: `Пагинация номер ${i} тема`, body: 'Текст для пагинации.' });
    const first = await find('пагинация');
    expect(first.titles).toHaveLength(20);
    const next = first.doc.querySelector('a[rel="next"]')!.getAttribute('href')!;
    expect(next).toContain('page=2');
    const second = await people.browser(ctx.app).get(next);
    expect(titles(second.body)).toHaveLength(3);
    expect(dom(second.body).querySelector('a[rel="next"]')).toBeNull();
    expect(new Set([...first.titles, ...titles(second.body)]).size).toBe(23);
  });

  it('sorts by newest when asked', async () => {
    const { titles: found } = await find('пагинация', { sort: 'newest' });
    expect(found[0]).toBe('Пагинация номер 22 тема');
  });
});

describe('search: only what the viewer may read', () => {
  beforeAll(async () => {
    await createTopic(ctx.db, anna, open, { title: 'Публичная тема про секретное слово', body: 'Открыто всем: секретик.' });
    await createTopic(ctx.db, anna, members, { title: 'Тема для участников про секретик', body: 'Только участникам.' });
    await createTopic(ctx.db, staff, team, { title: 'Служебная тема про секретик', body: 'Только команде.' });
    const hidden = await createTopic(ctx.db, boris, open, { title: 'Обычная тема', body: 'Нейтрально.' });
    const reply = await createReply(ctx.db, boris, hidden.topic.id, 'Скрытый ответ про секретик.');
    await ctx.db.updateTable('posts').set({ hidden_at: new Date(), hidden_reason: 'spam' }).where('id', '=', reply.id).execute();
    const gone = await createTopic(ctx.db, boris, open, { title: 'Удалённая тема про секретик', body: 'Её удалили.' });
    await ctx.db.updateTable('topics').set({ deleted_at: new Date() }).where('id', '=', gone.topic.id).execute();
  });

  it('a guest finds public topics only', async () => {
    expect((await find('секретик')).titles).toEqual(['Публичная тема про секретное слово']);
  });

  it('a member also finds members-only categories, never staff-only ones', async () => {
    const member = await people.signedIn(ctx.app, boris);
    expect((await find('секретик', {}, member)).titles.sort()).toEqual(['Публичная тема про секретное слово', 'Тема для участников про секретик'].sort());
  });

  it('staff find staff-only categories too; hidden posts and deleted topics are found by nobody', async () => {
    const s = await people.signedIn(ctx.app, staff);
    const found = (await find('секретик', {}, s)).titles;
    expect(found.sort()).toEqual(['Публичная тема про секретное слово', 'Служебная тема про секретик', 'Тема для участников про секретик'].sort());
  });

  it('a suspended member searches like a guest', async () => {
    const suspended = await createUser(ctx.db, { suspended_until: new Date(Date.now() + 86400_000) });
    const c = await people.withSession(ctx.app, ctx.db, suspended);
    expect((await find('секретик', {}, c)).titles).toEqual(['Публичная тема про секретное слово']);
  });

  it('a staff-only category cannot be used as a filter by others: it is not offered and is refused', async () => {
    const { res, doc } = await find('секретик', { category: 'team' });
    expect(res.statusCode).toBe(400);
    expect(doc.querySelector('#search-category option[value="team"]')).toBeNull();
    expect(text(doc.querySelector('#search-category-error'))).toBe('There is no such category.');
  });
});

describe('search: filters and bad input', () => {
  beforeAll(async () => {
    const q1 = await createTopic(ctx.db, anna, qa, { title: 'Вопрос про зарядку телефона', body: 'Не заряжается телефон.' });
    const answer = await createReply(ctx.db, boris, q1.topic.id, 'Смените кабель для зарядки.');
    await ctx.db.updateTable('topics').set({ solved_post_id: answer.id, solved_by_id: anna.id, solved_at: new Date() }).where('id', '=', q1.topic.id).execute();
    await createTopic(ctx.db, boris, qa, { title: 'Ещё вопрос про зарядку', body: 'Зарядка греется.' });
    await createTopic(ctx.db, boris, open, { title: 'Обсуждение зарядки в целом', body: 'Просто разговор.' });
  });

  it('filters by category, author and solved state', async () => {
    expect((await find('зарядка', { category: 'help' })).titles.sort()).toEqual(['Вопрос про зарядку телефона', 'Ещё вопрос про зарядку'].sort());
    expect((await find('зарядка', { status: 'solved' })).titles).toEqual(['Вопрос про зарядку телефона']);
    expect((await find('зарядка', { status: 'unsolved' })).titles).toEqual(['Ещё вопрос про зарядку']);
    const byBoris = (await find('зарядка', { user: 'boris_s' })).titles;
    expect(byBoris.sort()).toEqual(['Вопрос про зарядку телефона', 'Ещё вопрос про зарядку', 'Обсуждение зарядки в целом'].sort());
    expect((await find('зарядка', { user: 'anna_s', category: 'help' })).titles).toEqual(['Вопрос про зарядку телефона']);
  });

  it('an unknown author is a clear 400 with the form values kept', async () => {
    const { res, doc } = await find('зарядка', { user: 'nobody_here' });
    expect(res.statusCode).toBe(400);
    expect(text(doc.querySelector('#search-user-error'))).toBe('There is no member with that username.');
    expect(doc.querySelector('#search-user')!.getAttribute('value')).toBe('nobody_here');
    expect(doc.querySelector('#search-q')!.getAttribute('value')).toBe('зарядка');
  });

  it('a query over 200 characters, or a bad page number, is a 400 page with the form, never a 500', async () => {
    const long = await find('а'.repeat(201));
    expect(long.res.statusCode).toBe(400);
    expect(long.doc.querySelector('#search-q')!.getAttribute('value')).toBe('а'.repeat(200));
    const page = await find('зарядка', { page: '0' });
    expect(page.res.statusCode).toBe(400);
    const weird = await find('зарядка', { sort: 'sideways' });
    expect(weird.res.statusCode).toBe(400);
  });

  it('an empty query shows the form and no results; pages are private to the viewer', async () => {
    const res = await people.browser(ctx.app).get('/search');
    expect(res.statusCode).toBe(200);
    expect(dom(res.body).querySelector('form[role="search"] #search-q')).not.toBeNull();
    expect(dom(res.body).querySelector('.search-results, .empty')).toBeNull();
    expect(res.headers['cache-control']).toBe('private, no-store');
  });

  it('is labelled in Russian for a Russian reader', async () => {
    const res = await people.browser(ctx.app, undefined, 'ru').get('/search?q=зарядка');
    expect(text(dom(res.body).querySelector('label[for="search-category"]'))).toBe('Раздел');
  });
});

describe('search: windows of the newest posts', () => {
  let hiddenId = 0;
  beforeAll(async () => {
    for (let i = 0; i < 12; i++) {
      const author = i % 4 === 3 ? staff : i % 2 ? anna : boris;
      const { topic } = await createTopic(ctx.db, author, i % 4 === 3 ? team : open, { title: `Окно номер ${i}`, body: 'Про оконное стекло.' });
      for (let k = 0; k < 3; k++) {
        await createReply(ctx.db, i % 4 === 3 ? staff : boris, topic.id, k === 1 ? 'Посторонний ответ.' : `Оконная рама, ответ ${k}${'. Окно'.repeat(k)}.`);
      }
      if (i === 5) {
        const row = await ctx.db.updateTable('posts').set({ hidden_at: new Date(), hidden_reason: 'spam' })
          .where('topic_id', '=', topic.id).where('post_number', '=', 4).returning('id').executeTakeFirstOrThrow();
        hiddenId = row.id;
      }
    }
  });

  it('a search run in small id windows finds exactly what one unbounded pass finds, for every viewer and sort', async () => {
    for (const viewer of [null, asViewer(staff)]) {
      for (const sort of ['relevance', 'newest'] as const) {
        for (const q of ['окно', 'оконная рама', '"оконное стекло"']) {
          const whole = await search(ctx.db, viewer, { q, sort, page: 1, firstWindow: 1_000_000_000 });
          const windowed = await search(ctx.db, viewer, { q, sort, page: 1, firstWindow: 2 });
          expect(windowed).toEqual(whole);
          expect(whole.hits.length).toBeGreaterThan(0);
          expect(whole.hits.some((h) => h.post_id === hiddenId)).toBe(false);
          if (!viewer) expect(whole.hits.every((h) => !h.topic_title.match(/ (3|7|11)$/))).toBe(true);
        }
      }
    }
  });
});

describe('search: the index follows every change, in the same transaction', () => {
  it('edits, hiding, deleting, moving, renaming, merging and splitting are found (or not) at once', async () => {
    const mod = asViewer(staff);
    const member = await people.signedIn(ctx.app, boris);
    const s = await people.signedIn(ctx.app, staff);
    const { topic, post } = await createTopic(ctx.db, anna, open, { title: 'Чайник свистит', body: 'Свисток у чайника громкий.' });
    const reply = await createReply(ctx.db, boris, topic.id, 'Снимите крышку с кипятильника.');
    expect((await find('кипятильник')).titles).toEqual(['Чайник свистит']);

    // An edit: the old words go, the new ones are found.
    expect(await editPost(ctx.db, asViewer(boris), reply.id, 'Снимите крышку с термоса.')).toBe(true);
    expect((await find('кипятильник')).titles).toEqual([]);
    expect((await find('термосы')).titles).toEqual(['Чайник свистит']);

    // Hidden, then shown again; deleted, then restored.
    await ctx.db.transaction().execute((trx) => hidePost(trx, { postId: reply.id, actorId: staff.id, reason: 'spam' }));
    expect((await find('термос', {}, s)).titles).toEqual([]);
    await ctx.db.transaction().execute((trx) => unhidePost(trx, { postId: reply.id, actorId: staff.id }));
    expect((await find('термос')).titles).toEqual(['Чайник свистит']);
    await deletePost(ctx.db, asViewer(boris), reply.id);
    expect((await find('термос', {}, s)).titles).toEqual([]);
    await restorePost(ctx.db, mod, reply.id);
    expect((await find('термос')).titles).toEqual(['Чайник свистит']);

    // The whole topic deleted (with its first post) and restored: its replies go and come back with it.
    await deletePost(ctx.db, asViewer(anna), post.id);
    expect((await find('термос', {}, s)).titles).toEqual([]);
    await restorePost(ctx.db, mod, post.id);
    expect((await find('термос')).titles).toEqual(['Чайник свистит']);

    // Moved into the staff room: gone for guests and members, found by staff; and back.
    expect(await moveTopic(ctx.db, mod, topic.id, team.id, true)).toEqual({ status: 'moved' });
    expect((await find('термос')).titles).toEqual([]);
    expect((await find('термос', {}, member)).titles).toEqual([]);
    expect((await find('термос', {}, s)).titles).toEqual(['Чайник свистит']);
    expect((await find('свисток', { category: 'routers' }, s)).titles).toEqual([]);
    await moveTopic(ctx.db, mod, topic.id, open.id, true);
    expect((await find('термос', { category: 'routers' })).titles).toEqual(['Чайник свистит']);

    // A new title is found, the old one no longer (the first post's vector carries the title).
    await ctx.db.updateTable('topics').set({ title: 'Самовар шумит' }).where('id', '=', topic.id).execute();
    expect((await find('самовары', { in: 'titles' })).titles).toEqual(['Самовар шумит']);
    expect((await find('чайник свистит', { in: 'titles' })).titles).toEqual([]);

    // Merged into another topic: the reply is found under that topic; a post split off is found under its new one.
    const other = await createTopic(ctx.db, boris, open, { title: 'Кухонная техника', body: 'Всё про кухню.' });
    expect(await mergeTopics(ctx.db, mod, topic.id, other.topic.id, true)).toMatchObject({ status: 'merged' });
    expect((await find('термос')).titles).toEqual(['Кухонная техника']);
    const split = await splitTopic(ctx.db, mod, other.topic.id, { postIds: [reply.id], title: 'Термосы и крышки' }, true);
    expect(split).toMatchObject({ status: 'split' });
    expect((await find('термос')).titles).toEqual(['Термосы и крышки']);
    expect((await find('термосы', { in: 'titles' })).titles).toEqual(['Термосы и крышки']);

    // Every row still says exactly what its post and topic say.
    expect(await searchDrift(ctx.db)).toEqual([]);
    // And the check notices a row that does not.
    await sql`update post_search set category_id = ${team.id} where post_id = ${reply.id}`.execute(ctx.db);
    expect(await searchDrift(ctx.db)).toEqual([reply.id]);
    await reindexPosts(ctx.db);
    expect(await searchDrift(ctx.db)).toEqual([]);
  });
});
