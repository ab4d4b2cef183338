import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { findMergeTarget } from '../../server/features/moderation/topic-tools.queries.js';
import { countDrift } from '../../server/features/topics/topics.queries.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import type { Client } from '../helpers/client.js';
import { asViewer, createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, formField, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let mod: User;
let member: User;
let author: User;
let modClient: Client;
let memberClient: Client;
let cat: Category;
let other: Category;
let staffCat: Category;

beforeAll(async () => {
  ctx = await createTestApp();
  mod = await createUser(ctx.db, { role: 'moderator' });
  member = await createUser(ctx.db);
  author = await createUser(ctx.db);
  cat = await createCategory(ctx.db);
  other = await createCategory(ctx.db, { read_access: 'members' });
  staffCat = await createCategory(ctx.db, { read_access: 'staff', post_access: 'staff' });
  modClient = await people.signedIn(ctx.app, mod);
  memberClient = await people.signedIn(ctx.app, member);
});
afterAll(async () => ctx.close());

const topicRow = (id: number) => ctx.db.selectFrom('topics').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const categoryRow = (id: number) => ctx.db.selectFrom('categories').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const audit = (topicId: number, action?: string) => {
  let q = ctx.db.selectFrom('moderation_actions').selectAll().where('topic_id', '=', topicId);
  if (action) q = q.where('action', '=', action);
  return q.orderBy('id').execute();
};
const numbering = (topicId: number) =>
  ctx.db.selectFrom('posts').select(['id', 'post_number']).where('topic_id', '=', topicId).orderBy('post_number').execute();

async function expectNoDrift() {
  expect(await countDrift(ctx.db)).toEqual({ topics: [], categories: [] });
}

/** Sets read marks: [user, topic, last read post number]. */
async function setReads(marks: [User, number, number][]) {
  for (const [u, topicId, n] of marks) {
    await ctx.db
      .insertInto('topic_reads')
      .values({ user_id: u.id, topic_id: topicId, last_read_post_number: n })
      .onConflict((oc) => oc.columns(['user_id', 'topic_id']).doUpdateSet({ last_read_post_number: n }))
      .execute();
  }
}
const readMark = async (u: User, topicId: number) =>
  (await ctx.db.selectFrom('topic_reads').select('last_read_post_number').where('user_id', '=', u.id).where('topic_id', '=', topicId).executeTakeFirst())?.last_read_post_number ?? null;

describe('lock, close, pin, slow mode', () => {
  it('are refused (404, nothing changes) to a guest, a member and a suspended moderator', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const suspended = await createUser(ctx.db, { role: 'moderator', suspended_until: new Date(Date.now() + 86400_000) });
    const guest = people.browser(ctx.app);
    for (const c of [guest, memberClient, await people.withSession(ctx.app, ctx.db, suspended)]) {
      for (const tool of ['lock', 'close', 'pin']) expect((await c.post(`/mod/t/${topic.id}/${tool}`)).statusCode).toBe(404);
      expect((await c.post(`/mod/t/${topic.id}/slow-mode`, { seconds: '600' })).statusCode).toBe(404);
      expect((await c.get(`/mod/t/${topic.id}/move`)).statusCode).toBe(404);
    }
    const row = await topicRow(topic.id);
    expect([row.locked_at, row.closed_at, row.pinned_at, row.slow_mode_seconds]).toEqual([null, null, null, 0]);
    expect(await audit(topic.id)).toEqual([]);
  });

  it('lock and unlock: 303 back to the topic, one audit entry each, a repeat records nothing', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const res = await modClient.post(`/mod/t/${topic.id}/lock`, { reason: 'heated' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/${topic.id}/${topic.slug}`);
    expect((await topicRow(topic.id)).locked_at).not.toBeNull();
    await modClient.post(`/mod/t/${topic.id}/lock`);
    const entries = await audit(topic.id, 'topic_lock');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_id: mod.id, target_user_id: author.id, reason: 'heated' });
    const htmx = await modClient.post(`/mod/t/${topic.id}/unlock`, {}, { htmx: true });
    expect(htmx.statusCode).toBe(204);
    expect(htmx.headers['hx-refresh']).toBe('true');
    expect((await topicRow(topic.id)).locked_at).toBeNull();
    expect(await audit(topic.id, 'topic_unlock')).toHaveLength(1);
  });

  it('a closed topic takes no reply from a member nor from a moderator; reopening lets them reply again', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    expect((await modClient.post(`/mod/t/${topic.id}/close`)).statusCode).toBe(303);
    const page = dom((await people.browser(ctx.app).get(`/t/${topic.id}`)).body);
    expect(text(page.querySelector('#tag-closed'))).toBe('Closed');
    for (const c of [memberClient, modClient]) expect((await c.post(`/t/${topic.id}/posts`, { body: 'Still here?' })).statusCode).toBe(403);
    expect((await topicRow(topic.id)).reply_count).toBe(0);
    expect((await modClient.post(`/mod/t/${topic.id}/reopen`)).statusCode).toBe(303);
    expect((await memberClient.post(`/t/${topic.id}/posts`, { body: 'Back again.' })).statusCode).toBe(303);
    expect((await audit(topic.id)).map((a) => a.action)).toEqual(['topic_close', 'topic_reopen']);
  });

  it('pin and unpin in the category', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    await modClient.post(`/mod/t/${topic.id}/pin`);
    expect((await topicRow(topic.id)).pinned_at).not.toBeNull();
    await modClient.post(`/mod/t/${topic.id}/unpin`);
    expect((await topicRow(topic.id)).pinned_at).toBeNull();
    expect((await audit(topic.id)).map((a) => a.action)).toEqual(['topic_pin', 'topic_unpin']);
  });

  it('slow mode records from/to, shows a tag to everyone, and refuses bad values with 422', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    expect((await modClient.post(`/mod/t/${topic.id}/slow-mode`, { seconds: '600' })).statusCode).toBe(303);
    expect((await topicRow(topic.id)).slow_mode_seconds).toBe(600);
    expect((await audit(topic.id, 'topic_slow_mode'))[0]!.details).toEqual({ from: 0, to: 600 });
    const page = dom((await people.browser(ctx.app).get(`/t/${topic.id}`)).body);
    expect(text(page.querySelector('#tag-slow-mode'))).toBe('Slow mode: once every 10 minutes');
    for (const seconds of ['999999', 'abc']) {
      const bad = await modClient.post(`/mod/t/${topic.id}/slow-mode`, { seconds });
      expect(bad.statusCode).toBe(422);
      expect(formField(dom(bad.body), 'seconds').invalid).toBe(true);
    }
    await modClient.post(`/mod/t/${topic.id}/slow-mode`, { seconds: '0' });
    expect((await audit(topic.id, 'topic_slow_mode')).map((a) => a.details)).toEqual([{ from: 0, to: 600 }, { from: 600, to: 0 }]);
  });

  it('the tools menu is in the topic header for moderators only, and works as plain forms', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const modPage = dom((await modClient.get(`/t/${topic.id}`)).body);
    const forms = Array.from(modPage.querySelectorAll('#topic-tools form')).map((f) => f.getAttribute('action'));
    expect(forms).toEqual([`/mod/t/${topic.id}/lock`, `/mod/t/${topic.id}/close`, `/mod/t/${topic.id}/pin`]);
    expect(modPage.querySelector('#topic-tools a[href$="/move"]')).not.toBeNull();
    expect(dom((await memberClient.get(`/t/${topic.id}`)).body).querySelector('#topic-tools')).toBeNull();
    expect(dom((await people.browser(ctx.app).get(`/t/${topic.id}`)).body).querySelector('#topic-tools')).toBeNull();
  });
});

describe('move', () => {
  it('moves the topic with exact counters in both categories and records from/to', async () => {
    const from = await createCategory(ctx.db);
    const to = await createCategory(ctx.db);
    const { topic } = await createTopic(ctx.db, author, from);
    await createReply(ctx.db, member, topic.id);
    await createReply(ctx.db, member, topic.id);
    const page = dom((await modClient.get(`/mod/t/${topic.id}/move`)).body);
    expect(page.querySelector(`#f-category_id option[value="${from.id}"]`)?.hasAttribute('selected')).toBe(true);
    const res = await modClient.post(`/mod/t/${topic.id}/move`, { category_id: String(to.id), reason: 'wrong place' });
    expect(res.statusCode).toBe(303);
    expect((await topicRow(topic.id)).category_id).toBe(to.id);
    expect(await categoryRow(from.id)).toMatchObject({ topic_count: 0, post_count: 0, last_topic_id: null });
    expect(await categoryRow(to.id)).toMatchObject({ topic_count: 1, post_count: 3, last_topic_id: topic.id });
    expect((await audit(topic.id, 'topic_move'))[0]).toMatchObject({ reason: 'wrong place', details: expect.objectContaining({ from: from.id, to: to.id }) });
    await expectNoDrift();
  });

  it('asks for confirmation before a staff-only topic goes public; nothing moves until confirm=1', async () => {
    const { topic } = await createTopic(ctx.db, mod, staffCat);
    const ask = await modClient.post(`/mod/t/${topic.id}/move`, { category_id: String(cat.id) });
    expect(ask.statusCode).toBe(422);
    const doc = dom(ask.body);
    expect(text(doc.querySelector('#move-confirm'))).toContain('everyone, guests included');
    expect(doc.querySelector('#move-form input[name="confirm"]')?.getAttribute('value')).toBe('1');
    expect((await topicRow(topic.id)).category_id).toBe(staffCat.id);
    expect(await audit(topic.id)).toEqual([]);
    expect((await modClient.post(`/mod/t/${topic.id}/move`, { category_id: String(cat.id), confirm: '1' })).statusCode).toBe(303);
    expect((await topicRow(topic.id)).category_id).toBe(cat.id);
    await expectNoDrift();
  });

  it('allows a move into a category the author cannot read (no confirmation needed)', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    expect((await modClient.post(`/mod/t/${topic.id}/move`, { category_id: String(staffCat.id) })).statusCode).toBe(303);
    expect((await topicRow(topic.id)).category_id).toBe(staffCat.id);
    expect((await people.signedIn(ctx.app, author).then((c) => c.get(`/t/${topic.id}`))).statusCode).toBe(404);
  });

  it('refuses a missing category with 422 and the choice kept', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const res = await modClient.post(`/mod/t/${topic.id}/move`, { category_id: '999999', reason: 'kept' });
    expect(res.statusCode).toBe(422);
    expect(formField(dom(res.body), 'category_id').invalid).toBe(true);
    expect(formField(dom(res.body), 'reason').value).toBe('kept');
    expect((await topicRow(topic.id)).category_id).toBe(cat.id);
  });
});

describe('merge', () => {
  it('interleaves posts by time after the target opening post, renumbers 1..n and empties the source', async () => {
    const src = await createTopic(ctx.db, author, cat);
    const dst = await createTopic(ctx.db, member, other);
    const a1 = await createReply(ctx.db, member, src.topic.id);
    const b1 = await createReply(ctx.db, author, dst.topic.id);
    const a2 = await createReply(ctx.db, member, src.topic.id);
    const before = { cat: await categoryRow(cat.id), other: await categoryRow(other.id) };
    const res = await modClient.post(`/mod/t/${src.topic.id}/merge`, { into: `http://localhost/t/${dst.topic.id}/${dst.topic.slug}` });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/${dst.topic.id}/${dst.topic.slug}`);
    expect((await numbering(dst.topic.id)).map((p) => p.id)).toEqual([dst.post.id, src.post.id, a1.id, b1.id, a2.id]);
    expect((await numbering(dst.topic.id)).map((p) => p.post_number)).toEqual([1, 2, 3, 4, 5]);
    expect(await topicRow(dst.topic.id)).toMatchObject({ reply_count: 4, last_post_number: 5, last_post_user_id: member.id });
    const source = await topicRow(src.topic.id);
    expect(source.merged_into_id).toBe(dst.topic.id);
    expect(source.deleted_at).not.toBeNull();
    expect(await categoryRow(cat.id)).toMatchObject({ topic_count: before.cat.topic_count - 1, post_count: before.cat.post_count - 3 });
    expect(await categoryRow(other.id)).toMatchObject({ topic_count: before.other.topic_count, post_count: before.other.post_count + 3 });
    expect((await audit(dst.topic.id, 'topic_merge'))[0]!.details).toMatchObject({ from: src.topic.id, to: dst.topic.id, posts: 3 });
    await expectNoDrift();
  });

  it('stays exact when replies race a merge (every post lands once, numbering gapless, counters exact)', async () => {
    const src = await createTopic(ctx.db, author, cat);
    const dst = await createTopic(ctx.db, author, other);
    const replies = Array.from({ length: 10 }, (_, i) => createReply(ctx.db, member, i % 2 ? src.topic.id : dst.topic.id).then((p) => p.id, () => null));
    const [merge, ...ids] = await Promise.all([modClient.post(`/mod/t/${src.topic.id}/merge`, { into: String(dst.topic.id) }), ...replies]);
    expect(merge!.statusCode).toBe(303);
    const posts = await numbering(dst.topic.id);
    expect(posts.map((p) => p.post_number)).toEqual(posts.map((_, i) => i + 1));
    for (const id of ids.filter((x): x is number => x !== null)) expect(posts.map((p) => p.id)).toContain(id);
    expect(await numbering(src.topic.id)).toEqual([]);
    await expectNoDrift();
  });

  it('carries read marks: each reader stops before the first post they had not read in either topic', async () => {
    const src = await createTopic(ctx.db, author, cat);
    const dst = await createTopic(ctx.db, member, cat);
    const a1 = await createReply(ctx.db, member, src.topic.id);
    await createReply(ctx.db, author, dst.topic.id);
    await createReply(ctx.db, member, src.topic.id);
    // New order: dst#1, src#1, a1, dst#2, src#3.
    const both = await createUser(ctx.db);
    const dstOnly = await createUser(ctx.db);
    const srcOnly = await createUser(ctx.db);
    const partial = await createUser(ctx.db);
    await setReads([[both, src.topic.id, 3], [both, dst.topic.id, 2], [dstOnly, dst.topic.id, 2], [srcOnly, src.topic.id, 3], [partial, src.topic.id, 1], [partial, dst.topic.id, 2]]);
    expect((await modClient.post(`/mod/t/${src.topic.id}/merge`, { into: String(dst.topic.id) })).statusCode).toBe(303);
    expect(await readMark(both, dst.topic.id)).toBe(5);
    expect(await readMark(dstOnly, dst.topic.id)).toBe(1); // the source's opening post (#2 now) is new to them
    expect(await readMark(srcOnly, dst.topic.id)).toBeNull(); // never saw the target's opening post: nothing marked
    expect(await readMark(partial, dst.topic.id)).toBe(2); // read src#1, not a1 (#3 now)
    expect(await ctx.db.selectFrom('topic_reads').select('user_id').where('topic_id', '=', src.topic.id).execute()).toEqual([]);
    expect((await numbering(dst.topic.id)).find((p) => p.post_number === 3)!.id).toBe(a1.id);
  });

  it('the old address finds its target (through a chain), but not for someone who could not read the source', async () => {
    const a = await createTopic(ctx.db, author, cat);
    const b = await createTopic(ctx.db, author, cat);
    const c = await createTopic(ctx.db, author, cat);
    const hidden = await createTopic(ctx.db, mod, staffCat);
    await modClient.post(`/mod/t/${a.topic.id}/merge`, { into: String(b.topic.id) });
    await modClient.post(`/mod/t/${b.topic.id}/merge`, { into: String(c.topic.id) });
    expect((await modClient.post(`/mod/t/${hidden.topic.id}/merge`, { into: String(c.topic.id), confirm: '1' })).statusCode).toBe(303);
    expect(await findMergeTarget(ctx.db, null, a.topic.id)).toEqual({ id: c.topic.id, slug: c.topic.slug });
    expect(await findMergeTarget(ctx.db, null, c.topic.id)).toBeNull();
    expect(await findMergeTarget(ctx.db, null, hidden.topic.id)).toBeNull();
    expect(await findMergeTarget(ctx.db, asViewer(mod), hidden.topic.id)).toEqual({ id: c.topic.id, slug: c.topic.slug });
  });

  it('refuses itself, an unknown topic and an already merged source with 422', async () => {
    const a = await createTopic(ctx.db, author, cat);
    const b = await createTopic(ctx.db, author, cat);
    for (const into of [String(a.topic.id), '999999', 'not a topic']) {
      const res = await modClient.post(`/mod/t/${a.topic.id}/merge`, { into, reason: 'dupe' });
      expect(res.statusCode).toBe(422);
      expect(formField(dom(res.body), 'into')).toMatchObject({ value: into, invalid: true });
    }
    expect((await modClient.post(`/mod/t/${a.topic.id}/merge`, { into: String(b.topic.id) })).statusCode).toBe(303);
    expect((await modClient.post(`/mod/t/${a.topic.id}/merge`, { into: String(b.topic.id) })).statusCode).toBe(422);
    expect(await audit(b.topic.id, 'topic_merge')).toHaveLength(1);
    await expectNoDrift();
  });
});

describe('split', () => {
  it('moves chosen replies into a new topic numbered from 1 and renumbers the source', async () => {
    const { topic, post } = await createTopic(ctx.db, author, cat);
    const r = [];
    for (let i = 0; i < 4; i++) r.push(await createReply(ctx.db, i % 2 ? author : member, topic.id, `Reply ${i}`));
    const form = dom((await modClient.get(`/mod/t/${topic.id}/split`)).body);
    expect(form.querySelectorAll('#split-form input[name="post_ids"]')).toHaveLength(4);
    const res = await modClient.post(`/mod/t/${topic.id}/split`, { post_ids: [String(r[3]!.id), String(r[1]!.id)], title: 'A side discussion here', category_id: String(other.id) });
    expect(res.statusCode).toBe(303);
    const created = await ctx.db.selectFrom('topics').selectAll().where('title', '=', 'A side discussion here').executeTakeFirstOrThrow();
    expect(res.headers.location).toBe(`/t/${created.id}/${created.slug}`);
    expect(created).toMatchObject({ category_id: other.id, user_id: author.id, reply_count: 1, last_post_number: 2 });
    expect(await numbering(created.id)).toEqual([{ id: r[1]!.id, post_number: 1 }, { id: r[3]!.id, post_number: 2 }]);
    expect(await numbering(topic.id)).toEqual([{ id: post.id, post_number: 1 }, { id: r[0]!.id, post_number: 2 }, { id: r[2]!.id, post_number: 3 }]);
    expect(await topicRow(topic.id)).toMatchObject({ reply_count: 2, last_post_number: 3 });
    expect((await audit(topic.id, 'topic_split'))[0]!.details).toMatchObject({ from: topic.id, to: created.id, posts: 2 });
    await expectNoDrift();
  });

  it('carries read marks into both topics after a split', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const r = [];
    for (let i = 0; i < 4; i++) r.push(await createReply(ctx.db, member, topic.id, `Reply ${i}`)); // #2..#5
    const all = await createUser(ctx.db);
    const upTo3 = await createUser(ctx.db);
    await setReads([[all, topic.id, 5], [upTo3, topic.id, 3]]);
    // #3 and #5 leave: the source becomes #1, #2 (was 2), #3 (was 4); the new topic #1 (was 3), #2 (was 5).
    const res = await modClient.post(`/mod/t/${topic.id}/split`, { post_ids: [String(r[1]!.id), String(r[3]!.id)], title: 'Split with readers here' });
    expect(res.statusCode).toBe(303);
    const created = await ctx.db.selectFrom('topics').select('id').where('title', '=', 'Split with readers here').executeTakeFirstOrThrow();
    expect(await readMark(all, topic.id)).toBe(3);
    expect(await readMark(all, created.id)).toBe(2);
    expect(await readMark(upTo3, topic.id)).toBe(2); // read old #2; old #4 (now #3) is unread
    expect(await readMark(upTo3, created.id)).toBe(1); // read old #3 (now #1), not old #5
  });

  it('asks for confirmation before staff-only replies go into a public category (split and merge alike)', async () => {
    const { topic } = await createTopic(ctx.db, mod, staffCat);
    const r = await createReply(ctx.db, mod, topic.id);
    const form = { post_ids: String(r.id), title: 'Public part of the plan', category_id: String(cat.id) };
    const ask = await modClient.post(`/mod/t/${topic.id}/split`, form);
    expect(ask.statusCode).toBe(422);
    expect(dom(ask.body).querySelector('#split-form input[name="confirm"]')).not.toBeNull();
    expect(formField(dom(ask.body), 'title').value).toBe('Public part of the plan');
    expect((await numbering(topic.id)).map((p) => p.id)).toContain(r.id);
    expect((await modClient.post(`/mod/t/${topic.id}/split`, { ...form, confirm: '1' })).statusCode).toBe(303);
    const target = await createTopic(ctx.db, author, cat);
    const askMerge = await modClient.post(`/mod/t/${topic.id}/merge`, { into: String(target.topic.id) });
    expect(askMerge.statusCode).toBe(422);
    expect(dom(askMerge.body).querySelector('#merge-form input[name="confirm"]')).not.toBeNull();
    expect((await topicRow(topic.id)).merged_into_id).toBeNull();
    await expectNoDrift();
  });

  it('refuses no posts, the first post and another topic’s post with 422, keeping the title', async () => {
    const { topic, post } = await createTopic(ctx.db, author, cat);
    await createReply(ctx.db, member, topic.id);
    const elsewhere = await createTopic(ctx.db, author, cat);
    for (const post_ids of [undefined, String(post.id), String(elsewhere.post.id)]) {
      const res = await modClient.post(`/mod/t/${topic.id}/split`, { post_ids, title: 'Kept title for the form' });
      expect(res.statusCode).toBe(422);
      const doc = dom(res.body);
      expect(formField(doc, 'title').value).toBe('Kept title for the form');
      expect(doc.querySelector('#f-post_ids-error')).not.toBeNull();
    }
    const short = await modClient.post(`/mod/t/${topic.id}/split`, { title: 'x' });
    expect(short.statusCode).toBe(422);
    expect(formField(dom(short.body), 'title').invalid).toBe(true);
    expect(await audit(topic.id)).toEqual([]);
    await expectNoDrift();
  });
});
