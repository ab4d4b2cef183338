import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { DEFAULT_SETTINGS, type ModerationSettings, updateSettings } from '../../server/features/settings/settings.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createTopic, createUser } from '../helpers/factories.js';
import { dom, formField, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let cat: Category;
let author: User;

beforeAll(async () => {
  ctx = await createTestApp();
  cat = await createCategory(ctx.db);
  author = await createUser(ctx.db, { trust_level: 2 });
});
afterAll(async () => ctx.close());

async function moderation(over: Partial<ModerationSettings> = {}) {
  await updateSettings(ctx.db, { moderation: { ...structuredClone(DEFAULT_SETTINGS.moderation), seconds_between_posts: [0, 0], ...over } });
}
beforeEach(async () =>
  moderation({ words_block: ['casino', 'ёлка'], words_approve: ['crypto giveaway'], words_censor: ['плохо', 'darn'], blocked_domains: ['spam.test'] }),
);

const member = async (trust_level = 1) => people.signedIn(ctx.app, await createUser(ctx.db, { trust_level }));
const topicId = async () => (await createTopic(ctx.db, author, cat)).topic.id;
const replyCount = async (id: number) => (await ctx.db.selectFrom('topics').select('reply_count').where('id', '=', id).executeTakeFirstOrThrow()).reply_count;

describe('block list', () => {
  it('refuses a reply naming the word (422, text kept), with and without htmx; ё and е are one letter', async () => {
    const id = await topicId();
    const c = await member();
    const res = await c.post(`/t/${id}/posts`, { body: 'Visit our CASINO tonight' });
    expect(res.statusCode).toBe(422);
    const field = formField(dom(res.body), 'body');
    expect(field.error).toBe('This text contains “casino”, which is not allowed here. Please rephrase it.');
    expect(field.value).toBe('Visit our CASINO tonight');
    const hx = await c.post(`/t/${id}/posts`, { body: 'Новогодняя елка' }, { htmx: true });
    expect(hx.statusCode).toBe(422);
    expect(formField(dom(hx.body), 'body').error).toContain('“ёлка”');
    // Inside another word it is not matched.
    expect((await c.post(`/t/${id}/posts`, { body: 'casinos and mycasino are fine' })).statusCode).toBe(303);
    expect(await replyCount(id)).toBe(1);
  });

  it('applies to titles (on the title field) and not to staff', async () => {
    const res = await (await member()).post('/t', { category_id: cat.id, title: 'Best casino offers', body: 'x' });
    expect(res.statusCode).toBe(422);
    expect(formField(dom(res.body), 'title').error).toContain('“casino”');
    expect(formField(dom(res.body), 'title').value).toBe('Best casino offers');
    const staff = await people.signedIn(ctx.app, await createUser(ctx.db, { role: 'staff' }));
    expect((await staff.post('/t', { category_id: cat.id, title: 'Why casino spam is banned', body: 'x' })).statusCode).toBe(303);
  });
});

describe('approval list', () => {
  it('holds a post with the phrase, recording which word held it', async () => {
    const id = await topicId();
    const user = await createUser(ctx.db, { trust_level: 3 });
    const res = await (await people.signedIn(ctx.app, user)).post(`/t/${id}/posts`, { body: 'Join the Crypto   Giveaway!' });
    expect(res.headers.location).toMatch(/^\/my\/pending\?held=/);
    expect(await ctx.db.selectFrom('queued_posts').select(['held_reason', 'status']).where('user_id', '=', user.id).execute()).toEqual([
      { held_reason: 'word:crypto giveaway', status: 'pending' },
    ]);
    const m = await people.signedIn(ctx.app, await createUser(ctx.db, { role: 'moderator' }));
    expect(text(dom((await m.get('/mod/approvals')).body).querySelector('[data-held="word:crypto giveaway"]'))).toBe('Word “crypto giveaway”');
  });
});

describe('censor list', () => {
  it('shows the words masked while the author’s markdown is kept as written (and offered unmasked for editing)', async () => {
    const id = await topicId();
    const user = await createUser(ctx.db);
    const c = await people.signedIn(ctx.app, user);
    expect((await c.post(`/t/${id}/posts`, { body: 'Это **плохо**, darn it' })).statusCode).toBe(303);
    const post = await ctx.db.selectFrom('posts').select(['id', 'body_md', 'body_html']).where('user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(post.body_md).toBe('Это **плохо**, darn it');
    expect(post.body_html).toBe('<p>Это <strong>п***о</strong>, d**n it</p>\n');
    const page = dom((await people.browser(ctx.app).get(`/t/${id}`)).body);
    expect(text(page.querySelector(`#post-${post.id}`))).toContain('Это п***о, d**n it');
    const edit = await c.get(`/posts/${post.id}/edit`);
    expect(edit.body).toContain('Это **плохо**, darn it');
  });

  it('masks a censored word in a new topic’s title', async () => {
    const c = await member();
    const res = await c.post('/t', { category_id: cat.id, title: 'Darn, this is hard', body: 'x' });
    expect(res.statusCode).toBe(303);
    const topic = await ctx.db.selectFrom('topics').select('title').where('id', '=', Number(/\/t\/(\d+)/.exec(res.headers.location as string)![1])).executeTakeFirstOrThrow();
    expect(topic.title).toBe('D**n, this is hard');
  });
});

describe('link rules', () => {
  it('TL0: at most 2 links and 1 image per post (422 naming the limit); TL1 is free', async () => {
    await moderation();
    const id = await topicId();
    const newbie = await member(0);
    const links = await newbie.post(`/t/${id}/posts`, { body: 'https://a.test https://b.test https://c.test' });
    expect(links.statusCode).toBe(422);
    expect(formField(dom(links.body), 'body').error).toBe('Links per post for new members: at most 2. Please remove some.');
    const images = await newbie.post(`/t/${id}/posts`, { body: '![a](https://a.test/1.png) ![b](https://b.test/2.png)' });
    expect(images.statusCode).toBe(422);
    expect(formField(dom(images.body), 'body').error).toBe('Images per post for new members: at most 1. Please remove some.');
    expect((await newbie.post(`/t/${id}/posts`, { body: 'https://a.test and [local](/t/1) ![a](https://a.test/1.png)' })).statusCode).toBe(303);
    expect((await (await member(1)).post(`/t/${id}/posts`, { body: 'https://a.test https://b.test https://c.test' })).statusCode).toBe(303);
  });

  it('blocked domains (and their subdomains) are refused for everyone but staff', async () => {
    const id = await topicId();
    const res = await (await member(4)).post(`/t/${id}/posts`, { body: 'see https://shop.spam.test/deal' });
    expect(res.statusCode).toBe(422);
    expect(formField(dom(res.body), 'body').error).toBe('Links to spam.test are not allowed here.');
    expect((await (await member(4)).post(`/t/${id}/posts`, { body: 'see https://notspam.test/' })).statusCode).toBe(303);
    const mod = await people.signedIn(ctx.app, await createUser(ctx.db, { role: 'moderator' }));
    expect((await mod.post(`/t/${id}/posts`, { body: 'Do not click https://spam.test' })).statusCode).toBe(303);
  });

  it('three links to one site by a TL0 member go to approval', async () => {
    await moderation({ new_user_max_links: 5 });
    const id = await topicId();
    const user = await createUser(ctx.db, { trust_level: 0 });
    const res = await (await people.signedIn(ctx.app, user)).post(`/t/${id}/posts`, { body: 'https://shop.test/1 https://www.shop.test/2 https://shop.test/3' });
    expect(res.headers.location).toMatch(/^\/my\/pending/);
    expect((await ctx.db.selectFrom('queued_posts').select('held_reason').where('user_id', '=', user.id).executeTakeFirstOrThrow()).held_reason).toBe('links');
  });
});
