import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { resetSettings, updateSettings } from '../../server/features/settings/settings.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, formField, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let cat: Category;
let author: User;
let member: User;
let moderator: User;

beforeAll(async () => {
  ctx = await createTestApp();
  cat = await createCategory(ctx.db);
  author = await createUser(ctx.db, { trust_level: 1 });
  member = await createUser(ctx.db, { trust_level: 1 });
  moderator = await createUser(ctx.db, { role: 'moderator' });
});
afterAll(async () => ctx.close());
afterEach(async () => resetSettings(ctx.db));

const signedIn = (user: User) => people.signedIn(ctx.app, user);

async function newPost(by: User = author) {
  const { topic } = await createTopic(ctx.db, by, cat);
  const post = await createReply(ctx.db, by, topic.id, 'Something people might object to.');
  return { topic, post };
}

const flagsOf = (postId: number) => ctx.db.selectFrom('flags').selectAll().where('post_id', '=', postId).orderBy('id').execute();
const itemsOf = (postId: number) => ctx.db.selectFrom('review_items').selectAll().where('post_id', '=', postId).orderBy('id').execute();
const postRow = (postId: number) => ctx.db.selectFrom('posts').selectAll().where('id', '=', postId).executeTakeFirstOrThrow();
const auditOf = (postId: number) =>
  ctx.db.selectFrom('moderation_actions').selectAll().where('post_id', '=', postId).orderBy('id').execute();

describe('the flag form', () => {
  it('opens as a page without JavaScript and as a fragment for htmx, from the post tools', async () => {
    const { topic, post } = await newPost();
    const c = await signedIn(member);
    const page = dom((await c.get(`/t/${topic.id}`)).body);
    const link = page.querySelector(`#post-tools-${post.id} a.flag-action`);
    expect(link?.getAttribute('href')).toBe(`/posts/${post.id}/flag`);
    expect(link?.getAttribute('hx-get')).toBe(`/posts/${post.id}/flag`);
    expect(link?.getAttribute('hx-target')).toBe(`#flag-slot-${post.id}`);
    expect(page.querySelector(`#flag-slot-${post.id}`)).not.toBeNull();

    const full = await c.get(`/posts/${post.id}/flag`);
    expect(full.statusCode).toBe(200);
    expect(full.body).toContain('<html');
    const form = dom(full.body).querySelector(`#flag-form-${post.id}`);
    expect(form?.getAttribute('action')).toBe(`/posts/${post.id}/flags`);
    expect([...form!.querySelectorAll('input[name="reason"]')].map((i) => i.getAttribute('value'))).toEqual(['spam', 'abuse', 'off_topic', 'staff', 'other']);
    expect(dom(full.body).querySelector(`label[for="f-flag-${post.id}-note"]`)).not.toBeNull();

    const frag = await c.get(`/posts/${post.id}/flag`, { htmx: true });
    expect(frag.body).not.toContain('<html');
    expect(frag.headers.vary).toContain('HX-Request');
    expect(dom(frag.body).querySelector(`#flag-form-${post.id}`)?.getAttribute('hx-target')).toBe(`#post-${post.id}`);
  });

  it('is not offered to a guest, a TL0 member or the author; a guest is sent to log in', async () => {
    const { topic, post } = await newPost();
    const tl0 = await createUser(ctx.db, { trust_level: 0 });
    for (const c of [people.browser(ctx.app), await signedIn(tl0), await signedIn(author)]) {
      const page = dom((await c.get(`/t/${topic.id}`)).body);
      expect(page.querySelector(`#post-${post.id}`)).not.toBeNull();
      expect(page.querySelector(`#post-tools-${post.id} a.flag-action`)).toBeNull();
    }
    const guest = await people.browser(ctx.app).get(`/posts/${post.id}/flag`);
    expect(guest.statusCode).toBe(303);
    expect(guest.headers.location).toContain('/login?next=');
    expect((await (await signedIn(tl0)).get(`/posts/${post.id}/flag`)).statusCode).toBe(403);
    expect((await (await signedIn(author)).get(`/posts/${post.id}/flag`)).statusCode).toBe(403);
    expect((await (await signedIn(member)).get('/posts/99999999/flag')).statusCode).toBe(404);
  });
});

describe('flagging', () => {
  it('without JavaScript: 303 to the form page, which now says the flag was received; one queue item', async () => {
    const { post } = await newPost();
    const c = await signedIn(member);
    const res = await c.post(`/posts/${post.id}/flags`, { reason: 'off_topic', note: '  belongs elsewhere  ' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/posts/${post.id}/flag`);
    const after = dom((await c.get(`/posts/${post.id}/flag`)).body);
    expect(text(after.querySelector(`#flag-form-${post.id}`))).toContain('your flag was received');
    const flags = await flagsOf(post.id);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ user_id: member.id, reason: 'off_topic', note: 'belongs elsewhere', status: 'open', weight: 2 });
    const items = await itemsOf(post.id);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ status: 'pending', score: 2 });
    expect(flags[0]!.review_item_id).toBe(items[0]!.id);
  });

  it('with htmx: the post comes back in place with the "you flagged this" notice, and no Flag link', async () => {
    const { post } = await newPost();
    const c = await signedIn(member);
    const res = await c.post(`/posts/${post.id}/flags`, { reason: 'abuse' }, { htmx: true });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<html');
    const doc = dom(res.body);
    expect(doc.querySelector(`#post-${post.id}`)).not.toBeNull();
    expect(text(doc.querySelector(`#flag-notice-${post.id}`))).toContain('You flagged this post as “Rude or abusive”');
    expect(doc.querySelector(`#post-tools-${post.id} a.flag-action`)).toBeNull();
  });

  it('a repeat flag is answered with the "already flagged" state, not an error, and stores nothing more', async () => {
    const { post } = await newPost();
    const c = await signedIn(member);
    expect((await c.post(`/posts/${post.id}/flags`, { reason: 'spam' })).statusCode).toBe(303);
    const again = await c.post(`/posts/${post.id}/flags`, { reason: 'abuse' }, { htmx: true });
    expect(again.statusCode).toBe(200);
    expect(again.headers['hx-retarget']).toBe(`#flag-slot-${post.id}`);
    expect(text(dom(again.body).querySelector(`#flag-form-${post.id}`))).toContain('already flagged');
    const plain = await c.post(`/posts/${post.id}/flags`, { reason: 'abuse' });
    expect(plain.statusCode).toBe(303);
    expect(await flagsOf(post.id)).toHaveLength(1);
    expect((await itemsOf(post.id))[0]!.score).toBe(2);
  });

  it('bad input re-renders the form with 422, values kept, and a clear message', async () => {
    const { post } = await newPost();
    const c = await signedIn(member);
    const long = await c.post(`/posts/${post.id}/flags`, { reason: 'abuse', note: 'x'.repeat(501) });
    expect(long.statusCode).toBe(422);
    const doc = dom(long.body);
    const note = formField(doc, `flag-${post.id}-note`);
    expect(note.value).toBe('x'.repeat(501));
    expect(note.invalid).toBe(true);
    expect(note.error).toContain('500');
    expect(doc.querySelector(`#f-flag-${post.id}-reason-abuse`)?.hasAttribute('checked')).toBe(true);

    const bad = await c.post(`/posts/${post.id}/flags`, { reason: 'boring', note: 'meh' }, { htmx: true });
    expect(bad.statusCode).toBe(422);
    expect(bad.headers['hx-retarget']).toBe(`#flag-slot-${post.id}`);
    expect(dom(bad.body).querySelector(`#f-flag-${post.id}-reason-error`)).not.toBeNull();
    expect(formField(dom(bad.body), `flag-${post.id}-note`).value).toBe('meh');

    const other = await c.post(`/posts/${post.id}/flags`, { reason: 'other', note: '   ' });
    expect(other.statusCode).toBe(422);
    expect(formField(dom(other.body), `flag-${post.id}-note`).error).toContain('say in the note');
    expect(await flagsOf(post.id)).toEqual([]);
  });

  it('refuses the wrong people: guest, TL0, the author, a suspended user (403); a silenced member may flag', async () => {
    const { post } = await newPost();
    const tl0 = await createUser(ctx.db, { trust_level: 0 });
    const suspended = await createUser(ctx.db, { trust_level: 2, suspended_until: new Date(Date.now() + 86400_000) });
    const silenced = await createUser(ctx.db, { trust_level: 1, silenced_until: new Date(Date.now() + 86400_000) });
    const guest = await people.browser(ctx.app).post(`/posts/${post.id}/flags`, { reason: 'spam' });
    expect(guest.statusCode).toBe(403);
    const t0 = await (await signedIn(tl0)).post(`/posts/${post.id}/flags`, { reason: 'spam' });
    expect(t0.statusCode).toBe(403);
    expect(text(dom(t0.body).querySelector('main'))).toContain('trust level 1');
    const own = await (await signedIn(author)).post(`/posts/${post.id}/flags`, { reason: 'spam' });
    expect(own.statusCode).toBe(403);
    expect(text(dom(own.body).querySelector('main'))).toContain('your own post');
    const susp = await people.withSession(ctx.app, ctx.db, suspended);
    const suspRes = await susp.post(`/posts/${post.id}/flags`, { reason: 'spam' });
    expect(suspRes.statusCode).toBe(403);
    expect(text(dom(suspRes.body).querySelector('main'))).toContain('active account');
    expect(await flagsOf(post.id)).toEqual([]);
    // Silence stops writing content, not flagging (like reacting): canFlag as written.
    expect((await (await signedIn(silenced)).post(`/posts/${post.id}/flags`, { reason: 'spam' })).statusCode).toBe(303);
    expect(await flagsOf(post.id)).toHaveLength(1);
    // Unknown and deleted posts.
    expect((await (await signedIn(member)).post('/posts/99999999/flags', { reason: 'spam' })).statusCode).toBe(404);
  });

  it('staff flag at any trust level with weight 5; a moderator may flag too', async () => {
    const { post } = await newPost();
    const staff = await createUser(ctx.db, { role: 'staff', trust_level: 0 });
    expect((await (await signedIn(staff)).post(`/posts/${post.id}/flags`, { reason: 'staff' })).statusCode).toBe(303);
    expect((await flagsOf(post.id))[0]!.weight).toBe(5);
  });
});

describe('the daily flag limit', () => {
  it('stops a member at the limit for their trust level (429 with Retry-After), counted in the database across instances', async () => {
    await updateSettings(ctx.db, { moderation: { ...(await import('../../server/features/settings/settings.js')).DEFAULT_SETTINGS.moderation, flag_daily_limit: 2 } });
    const flagger = await createUser(ctx.db, { trust_level: 1 });
    const posts = await Promise.all([newPost(), newPost(), newPost()]);
    const other = await ctx.another();
    const a = await signedIn(flagger);
    const b = await people.signedIn(other, flagger);
    expect((await a.post(`/posts/${posts[0].post.id}/flags`, { reason: 'spam' })).statusCode).toBe(303);
    expect((await b.post(`/posts/${posts[1].post.id}/flags`, { reason: 'spam' })).statusCode).toBe(303);
    const third = await a.post(`/posts/${posts[2].post.id}/flags`, { reason: 'spam' }, { htmx: true });
    expect(third.statusCode).toBe(429);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    expect(text(dom(third.body).querySelector(`#f-flag-${posts[2].post.id}-limit`))).toContain('used all your flags for today');
    expect(await flagsOf(posts[2].post.id)).toEqual([]);
    // Staff are not limited.
    const staff = await createUser(ctx.db, { role: 'moderator' });
    const s = await signedIn(staff);
    for (const { post } of posts) expect((await s.post(`/posts/${post.id}/flags`, { reason: 'spam' })).statusCode).toBe(303);
  });

  it('a TL2 member gets 1.5 times the base', async () => {
    await updateSettings(ctx.db, { moderation: { ...(await import('../../server/features/settings/settings.js')).DEFAULT_SETTINGS.moderation, flag_daily_limit: 2 } });
    const flagger = await createUser(ctx.db, { trust_level: 2 });
    const c = await signedIn(flagger);
    const posts = await Promise.all([newPost(), newPost(), newPost(), newPost()]);
    const codes = [];
    for (const { post } of posts) codes.push((await c.post(`/posts/${post.id}/flags`, { reason: 'spam' })).statusCode);
    expect(codes).toEqual([303, 303, 303, 429]);
  });
});

describe('score and auto-hide', () => {
  it('sums the open flags’ weights in one item and hides the post when the score reaches the threshold', async () => {
    const { topic, post } = await newPost();
    const flaggers = await Promise.all([1, 2, 3].map(() => createUser(ctx.db, { trust_level: 2 })));
    for (const [i, f] of flaggers.entries()) {
      expect((await (await signedIn(f)).post(`/posts/${post.id}/flags`, { reason: i === 2 ? 'spam' : 'abuse' })).statusCode).toBe(303);
      const row = await postRow(post.id);
      // 3 + 3 = 6 < 8; the third makes 9.
      expect(!!row.hidden_at).toBe(i === 2);
    }
    const [item] = await itemsOf(post.id);
    expect(item!.score).toBe(9);
    const row = await postRow(post.id);
    expect(row.hidden_reason).toBe('abuse');
    expect(row.hidden_by_id).toBeNull();
    const audit = await auditOf(post.id);
    expect(audit.map((a) => a.action)).toEqual(['post_auto_hide']);
    expect(audit[0]!.actor_id).toBeNull();

    // The author is told why and that an edit sends it back; a flagger sees the placeholder; staff see the body and the reason.
    const own = dom((await (await signedIn(author)).get(`/t/${topic.id}`)).body);
    expect(text(own.querySelector(`#post-notice-${post.id}`))).toContain('Rude or abusive');
    expect(text(own.querySelector(`#post-notice-${post.id}`))).toContain('Edit it');
    expect(own.querySelector(`#post-${post.id} .post-body`)).not.toBeNull();
    const flaggerView = dom((await (await signedIn(flaggers[0]!)).get(`/t/${topic.id}`)).body);
    expect(flaggerView.querySelector(`#post-${post.id} .post-body`)).toBeNull();
    expect(text(flaggerView.querySelector(`#post-${post.id} .placeholder`))).not.toBe('');
    const modView = dom((await (await signedIn(moderator)).get(`/t/${topic.id}`)).body);
    expect(text(modView.querySelector(`#post-notice-${post.id}`))).toContain('Hidden automatically by flags');
    expect(modView.querySelector(`#post-${post.id} .unhide-action`)).not.toBeNull();
  });

  it('a spam flag from a TL3 member on a TL0 author’s post hides it at once; not from TL2, not on TL1 authors', async () => {
    const newbie = await createUser(ctx.db, { trust_level: 0 });
    const tl3 = await createUser(ctx.db, { trust_level: 3 });
    const tl2 = await createUser(ctx.db, { trust_level: 2 });
    const a = await newPost(newbie);
    expect((await (await signedIn(tl2)).post(`/posts/${a.post.id}/flags`, { reason: 'spam' })).statusCode).toBe(303);
    expect((await postRow(a.post.id)).hidden_at).toBeNull();
    expect((await (await signedIn(tl3)).post(`/posts/${a.post.id}/flags`, { reason: 'abuse' }, {})).statusCode).toBe(303);
    expect((await postRow(a.post.id)).hidden_at).toBeNull();
    const b = await newPost(newbie);
    await (await signedIn(tl3)).post(`/posts/${b.post.id}/flags`, { reason: 'spam' });
    expect((await postRow(b.post.id)).hidden_reason).toBe('spam');
    const c = await newPost(author);
    await (await signedIn(tl3)).post(`/posts/${c.post.id}/flags`, { reason: 'spam' });
    expect((await postRow(c.post.id)).hidden_at).toBeNull();
  });

  it('follows the admin threshold', async () => {
    await updateSettings(ctx.db, { moderation: { ...(await import('../../server/features/settings/settings.js')).DEFAULT_SETTINGS.moderation, auto_hide_score: 2 } });
    const { post } = await newPost();
    await (await signedIn(member)).post(`/posts/${post.id}/flags`, { reason: 'off_topic' });
    expect((await postRow(post.id)).hidden_reason).toBe('off_topic');
  });

  it('10 members flagging the same post at once: one item, exact score, hidden once, one audit entry', async () => {
    const { post } = await newPost();
    const flaggers = await Promise.all(Array.from({ length: 10 }, () => createUser(ctx.db, { trust_level: 1 })));
    const clients = await Promise.all(flaggers.map((f) => signedIn(f)));
    const codes = await Promise.all(clients.map((c) => c.post(`/posts/${post.id}/flags`, { reason: 'abuse' }).then((r) => r.statusCode)));
    expect(codes).toEqual(Array(10).fill(303));
    const items = await itemsOf(post.id);
    expect(items).toHaveLength(1);
    expect(items[0]!.score).toBe(20);
    const flags = await flagsOf(post.id);
    expect(flags).toHaveLength(10);
    expect(new Set(flags.map((f) => f.review_item_id))).toEqual(new Set([items[0]!.id]));
    expect((await auditOf(post.id)).filter((a) => a.action === 'post_auto_hide')).toHaveLength(1);
    expect((await postRow(post.id)).hidden_at).not.toBeNull();
  });

  it('a new flag on a deferred item brings it back up', async () => {
    const { post } = await newPost();
    await (await signedIn(member)).post(`/posts/${post.id}/flags`, { reason: 'abuse' });
    const [item] = await itemsOf(post.id);
    await ctx.db.updateTable('review_items').set({ deferred_at: new Date() }).where('id', '=', item!.id).execute();
    await (await signedIn(await createUser(ctx.db, { trust_level: 1 }))).post(`/posts/${post.id}/flags`, { reason: 'abuse' });
    const [after] = await itemsOf(post.id);
    expect(after!.deferred_at).toBeNull();
    expect(after!.score).toBe(4);
  });
});
