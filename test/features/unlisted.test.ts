import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { canSeeUnlisted } from '../../server/policy/index.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import type { Client } from '../helpers/client.js';
import { asViewer, createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let mod: User;
let member: User;
let spammer: User;
let cat: Category;
let modClient: Client;
let memberClient: Client;

beforeAll(async () => {
  ctx = await createTestApp();
  mod = await createUser(ctx.db, { role: 'moderator' });
  member = await createUser(ctx.db);
  spammer = await createUser(ctx.db, { trust_level: 0 });
  cat = await createCategory(ctx.db, { name: 'Garden', slug: 'garden' });
  modClient = await people.signedIn(ctx.app, mod);
  memberClient = await people.signedIn(ctx.app, member);
});
afterAll(async () => ctx.close());

const rowTitles = (html: string) => [...dom(html).querySelectorAll('.topic-row .topic-title')].map((a) => text(a));
const hitTitles = (html: string) => [...dom(html).querySelectorAll('.search-hit-title')].map((a) => text(a));
const suggestions = (html: string) => [...dom(html).querySelectorAll('.suggest-title')].map((a) => text(a));

describe('a topic whose opening post is hidden is unlisted', () => {
  it('leaves lists, search, suggestions and the category card for everyone but staff; its address still opens', async () => {
    const good = await createTopic(ctx.db, member, cat, { title: 'Tomatoes on the balcony', body: 'Which variety?' });
    const spam = await createTopic(ctx.db, spammer, cat, { title: 'Cheap watches tomatoes discount', body: 'Buy now!' });
    const guest = people.browser(ctx.app);
    expect(rowTitles((await guest.get('/c/garden')).body)).toContain('Cheap watches tomatoes discount');

    const res = await modClient.post(`/mod/posts/${spam.post.id}/hide`, { reason: 'spam' });
    expect(res.statusCode).toBe(303);
    expect((await ctx.db.selectFrom('topics').select('unlisted_at').where('id', '=', spam.topic.id).executeTakeFirstOrThrow()).unlisted_at).not.toBeNull();

    for (const who of [guest, memberClient]) {
      expect(rowTitles((await who.get('/')).body)).not.toContain('Cheap watches tomatoes discount');
      expect(rowTitles((await who.get('/c/garden')).body)).toEqual(['Tomatoes on the balcony']);
      expect(hitTitles((await who.get('/search?q=tomatoes')).body)).toEqual(['Tomatoes on the balcony']);
      expect(suggestions((await who.get('/search/suggest?q=tomat', { htmx: true })).body)).toEqual(['Tomatoes on the balcony']);
    }
    // The home page's category card names the latest listed topic, not the hidden one.
    const card = text(dom((await guest.get('/')).body).querySelector('main'));
    expect(card).toContain('Tomatoes on the balcony');
    // The address still opens (as on Discourse), with the hidden post's notice instead of its text.
    const page = await guest.get(`/t/${spam.topic.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('Buy now!');

    // Staff still see it in lists, labelled, so they can review it (search never shows a hidden post's text).
    const modList = dom((await modClient.get('/c/garden')).body);
    const row = modList.querySelector(`#topic-${spam.topic.id}`);
    expect(row).not.toBeNull();
    expect(text(row)).toContain('Hidden from members');
    expect(good.topic.id).toBeLessThan(spam.topic.id);
  });

  it('is listed again when the opening post is restored; hiding a reply unlists nothing', async () => {
    const t = await createTopic(ctx.db, spammer, cat, { title: 'Mulch questions for autumn', body: 'Straw or bark?' });
    const reply = await createReply(ctx.db, member, t.topic.id, 'Bark, definitely.');
    await modClient.post(`/mod/posts/${reply.id}/hide`, { reason: 'off topic' });
    expect(rowTitles((await memberClient.get('/c/garden')).body)).toContain('Mulch questions for autumn');
    await modClient.post(`/mod/posts/${t.post.id}/hide`, { reason: 'spam' });
    expect(rowTitles((await memberClient.get('/c/garden')).body)).not.toContain('Mulch questions for autumn');
    const other = await people.signedIn(ctx.app, await createUser(ctx.db, { role: 'moderator' }));
    expect((await other.post(`/mod/posts/${t.post.id}/unhide`, { reason: 'not spam after all' })).statusCode).toBe(303);
    expect(rowTitles((await memberClient.get('/c/garden')).body)).toContain('Mulch questions for autumn');
    expect((await ctx.db.selectFrom('topics').select('unlisted_at').where('id', '=', t.topic.id).executeTakeFirstOrThrow()).unlisted_at).toBeNull();
  });

  it('a member cannot unlist anything: the hide route is not theirs', async () => {
    const t = await createTopic(ctx.db, spammer, cat, { title: 'Seeds swap this spring', body: 'Anyone?' });
    const res = await memberClient.post(`/mod/posts/${t.post.id}/hide`, { reason: 'spam' });
    expect(res.statusCode).toBe(404);
    expect(rowTitles((await memberClient.get('/c/garden')).body)).toContain('Seeds swap this spring');
  });

  it('the rule: staff see unlisted topics, nobody else', () => {
    expect(canSeeUnlisted(null)).toBe(false);
    expect(canSeeUnlisted(asViewer(member))).toBe(false);
    expect(canSeeUnlisted(asViewer(mod))).toBe(true);
    expect(canSeeUnlisted({ ...asViewer(mod), suspended_until: new Date(Date.now() + 86_400_000) })).toBe(false);
  });
});
