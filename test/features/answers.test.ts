import { forgetCachedSettings } from '../../server/features/settings/settings.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Category, User } from '../../server/db/types.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { Client } from '../helpers/client.js';
import { asViewer, createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';
import { answerActions, type AnswerPostState, canAcceptAnswer, canMarkOfficial, canUnmarkOfficial, type QuestionState } from '../../server/policy/index.js';

let ctx: TestContext;
let mod: User;
let staff: User;
let admin: User;
let qa: Category;
let qaStaff: Category;
let talk: Category;

beforeAll(async () => {
  ctx = await createTestApp();
  mod = await createUser(ctx.db, { role: 'moderator' });
  staff = await createUser(ctx.db, { role: 'staff' });
  admin = await createUser(ctx.db, { role: 'admin' });
  qa = await createCategory(ctx.db, { name: 'Help desk', kind: 'questions' });
  qaStaff = await createCategory(ctx.db, { name: 'Team questions', kind: 'questions', read_access: 'staff' });
  talk = await createCategory(ctx.db, { name: 'Lounge', kind: 'discussion' });
});
afterAll(async () => ctx.close());

const signedIn = (user: User): Promise<Client> => people.signedIn(ctx.app, user);

async function reputation(user: User): Promise<number> {
  return (await ctx.db.selectFrom('users').select('reputation').where('id', '=', user.id).executeTakeFirstOrThrow()).reputation;
}

/** Users whose cached reputation differs from the sum of their ledger events (must be none). */
async function drift(): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    select u.id from users u
    where u.reputation <> coalesce((select sum(e.delta) from reputation_events e where e.user_id = u.id), 0)`.execute(ctx.db);
  return rows.map((r) => r.id);
}

async function solvedPostId(topicId: number): Promise<number | null> {
  return (await ctx.db.selectFrom('topics').select('solved_post_id').where('id', '=', topicId).executeTakeFirstOrThrow()).solved_post_id;
}

/** A question by a fresh asker with one reply by a fresh answerer. */
async function question(category = qa) {
  const asker = await createUser(ctx.db);
  const answerer = await createUser(ctx.db);
  const { topic, post: first } = await createTopic(ctx.db, asker, category, { title: 'How do I reset my router?' });
  const reply = await createReply(ctx.db, answerer, topic.id, 'Hold the button for ten seconds.');
  return { asker, answerer, topic, first, reply };
}

describe('accepting an answer', () => {
  it('the asker accepts a reply: 303 back to the post, the marks and box appear, reputation is credited', async () => {
    const { asker, answerer, topic, reply } = await question();
    const c = await signedIn(asker);
    const res = await c.post(`/posts/${reply.id}/accept`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/${topic.id}/${topic.slug}#post-${reply.id}`);
    expect(await solvedPostId(topic.id)).toBe(reply.id);
    expect(await reputation(answerer)).toBe(15);
    expect(await reputation(asker)).toBe(2);
    expect(await drift()).toEqual([]);

    const page = dom((await c.get(`/t/${topic.id}/${topic.slug}`)).body);
    expect(page.querySelector(`#post-${reply.id} .mark-accepted`)).not.toBeNull();
    expect(page.querySelector('.topic-header .mark-solved')).not.toBeNull();
    const box = page.querySelector('#accepted-answer');
    expect(text(box)).toContain('Hold the button for ten seconds.');
    expect(box?.querySelector('a.accepted-answer-link')?.getAttribute('href')).toBe(`/t/${topic.id}/${topic.slug}#post-${reply.id}`);
    // The box sits right under the question (the first post), before the reply.
    expect(page.querySelector('#posts > article + #accepted-answer')).not.toBeNull();
    expect(page.querySelector(`#post-${reply.id} [data-action="unaccept"]`)).not.toBeNull();
    expect(page.querySelector(`#post-${reply.id} [data-action="accept"]`)).toBeNull();

    // Solved mark in every list: home and the category page.
    for (const url of ['/', `/c/${qa.slug}`]) {
      const list = dom((await new Client(ctx.app).get(url)).body);
      expect(list.querySelector(`#topic-${topic.id} .mark-solved`)).not.toBeNull();
    }
  });

  it('accepting another reply replaces it and moves reputation exactly; unaccepting takes it all back', async () => {
    const { asker, answerer, topic, reply } = await question();
    const second = await createUser(ctx.db);
    const reply2 = await createReply(ctx.db, second, topic.id, 'Or call support.');
    const c = await signedIn(asker);
    expect((await c.post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);
    // Accepting the same reply again changes nothing.
    expect((await c.post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);
    expect(await reputation(answerer)).toBe(15);
    expect((await c.post(`/posts/${reply2.id}/accept`)).statusCode).toBe(303);
    expect(await solvedPostId(topic.id)).toBe(reply2.id);
    expect([await reputation(answerer), await reputation(second), await reputation(asker)]).toEqual([0, 15, 2]);
    const page = dom((await c.get(`/t/${topic.id}`)).body);
    expect(page.querySelector(`#post-${reply.id} .mark-accepted`)).toBeNull();
    expect(page.querySelector(`#post-${reply2.id} .mark-accepted`)).not.toBeNull();

    // Unaccepting a reply that is not the accepted one is a no-op.
    expect((await c.post(`/posts/${reply.id}/unaccept`)).statusCode).toBe(303);
    expect(await solvedPostId(topic.id)).toBe(reply2.id);
    expect((await c.post(`/posts/${reply2.id}/unaccept`)).statusCode).toBe(303);
    expect(await solvedPostId(topic.id)).toBeNull();
    expect([await reputation(answerer), await reputation(second), await reputation(asker)]).toEqual([0, 0, 0]);
    const events = await ctx.db.selectFrom('reputation_events').select(['user_id', 'delta', 'reason']).where('post_id', 'in', [reply.id, reply2.id]).orderBy('id').execute();
    expect(events.map((e) => e.reason)).toEqual(['accepted_answer', 'accept_own', 'answer_unaccepted', 'answer_unaccepted', 'accepted_answer', 'accept_own', 'answer_unaccepted', 'answer_unaccepted']);
    expect(await drift()).toEqual([]);
  });

  it('answering your own question earns nothing; a moderator accepting earns the answerer only', async () => {
    const { asker, answerer, topic, reply } = await question();
    const own = await createReply(ctx.db, asker, topic.id, 'Never mind, I found it.');
    const c = await signedIn(asker);
    expect((await c.post(`/posts/${own.id}/accept`)).statusCode).toBe(303);
    expect(await solvedPostId(topic.id)).toBe(own.id);
    expect(await reputation(asker)).toBe(0);
    const m = await signedIn(mod);
    expect((await m.post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);
    expect(await solvedPostId(topic.id)).toBe(reply.id);
    expect([await reputation(answerer), await reputation(asker), await reputation(mod)]).toEqual([15, 0, 0]);
    // Staff and admins may too.
    expect((await (await signedIn(staff)).post(`/posts/${reply.id}/unaccept`)).statusCode).toBe(303);
    expect(await reputation(answerer)).toBe(0);
    const a = await signedIn(admin);
    expect((await a.post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);
    expect([await reputation(answerer), await reputation(asker)]).toEqual([15, 0]);
    expect((await a.post(`/posts/${reply.id}/unaccept`)).statusCode).toBe(303);
    // Nothing accepted any more: unaccepting again is a harmless no-op.
    expect((await a.post(`/posts/${reply.id}/unaccept`)).statusCode).toBe(303);
    expect(await reputation(answerer)).toBe(0);
    expect(await drift()).toEqual([]);
  });

  it('uses the weights in force when the answer was accepted', async () => {
    const { asker, answerer, reply } = await question();
    await ctx.db.insertInto('settings').values({ key: 'reputation', value: JSON.stringify({ accepted_answer: 20, accept_own: 3 }) }).execute();
    forgetCachedSettings(ctx.db);
    try {
      expect((await (await signedIn(asker)).post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);
    } finally {
      await ctx.db.deleteFrom('settings').where('key', '=', 'reputation').execute();
      forgetCachedSettings(ctx.db);
    }
    expect([await reputation(answerer), await reputation(asker)]).toEqual([20, 3]);
    // A later reconciliation (a delete) takes back exactly what was given.
    expect((await (await signedIn(mod)).post(`/posts/${reply.id}/delete`)).statusCode).toBe(303);
    expect([await reputation(answerer), await reputation(asker)]).toEqual([0, 0]);
    expect(await drift()).toEqual([]);
  });

  it('deleting the accepted answer takes its reputation back, restoring it gives it again', async () => {
    const { asker, answerer, topic, reply } = await question();
    expect((await (await signedIn(asker)).post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);
    const m = await signedIn(mod);
    expect((await m.post(`/posts/${reply.id}/delete`)).statusCode).toBe(303);
    expect([await reputation(answerer), await reputation(asker)]).toEqual([0, 0]);
    const page = dom((await new Client(ctx.app).get(`/t/${topic.id}`)).body);
    expect(page.querySelector('#accepted-answer')).toBeNull();
    expect((await m.post(`/posts/${reply.id}/restore`)).statusCode).toBe(303);
    expect([await reputation(answerer), await reputation(asker)]).toEqual([15, 2]);
    // The answerer deleting their own accepted answer takes it back too.
    expect((await (await signedIn(answerer)).post(`/posts/${reply.id}/delete`)).statusCode).toBe(303);
    expect([await reputation(answerer), await reputation(asker)]).toEqual([0, 0]);
    expect(await drift()).toEqual([]);
  });

  it('deleting the whole question takes the accepted answer’s reputation back; restoring it gives it again', async () => {
    const { asker, answerer, topic, reply } = await question();
    expect((await (await signedIn(asker)).post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);
    expect([await reputation(answerer), await reputation(asker)]).toEqual([15, 2]);
    const first = await ctx.db.selectFrom('posts').select('id').where('topic_id', '=', topic.id).where('post_number', '=', 1).executeTakeFirstOrThrow();
    const m = await signedIn(mod);
    expect((await m.post(`/posts/${first.id}/delete`)).statusCode).toBe(303);
    expect([await reputation(answerer), await reputation(asker)]).toEqual([0, 0]);
    expect(await drift()).toEqual([]);
    expect((await m.post(`/posts/${first.id}/restore`)).statusCode).toBe(303);
    expect([await reputation(answerer), await reputation(asker)]).toEqual([15, 2]);
    expect(await drift()).toEqual([]);
  });

  it('htmx: 204 with HX-Refresh (the change touches several places)', async () => {
    const { asker, reply, topic } = await question();
    const res = await (await signedIn(asker)).post(`/posts/${reply.id}/accept`, {}, { htmx: true });
    expect(res.statusCode).toBe(204);
    expect(res.headers['hx-refresh']).toBe('true');
    expect(await solvedPostId(topic.id)).toBe(reply.id);
  });

  it('the buttons are forms with _csrf and hx-post, shown only to who may use them', async () => {
    const { asker, answerer, topic, first, reply } = await question();
    const doc = dom((await (await signedIn(asker)).get(`/t/${topic.id}`)).body);
    const form = doc.querySelector(`#post-${reply.id} form[action="/posts/${reply.id}/accept"]`);
    expect(form?.getAttribute('method')).toBe('post');
    expect(form?.getAttribute('hx-post')).toBe(`/posts/${reply.id}/accept`);
    expect(form?.querySelector('input[name="_csrf"]')?.getAttribute('value')).toBeTruthy();
    expect(doc.querySelector(`#post-${first.id} [data-action="accept"]`)).toBeNull();
    for (const c of [new Client(ctx.app), await signedIn(answerer)]) {
      expect(dom((await c.get(`/t/${topic.id}`)).body).querySelector('[data-action="accept"]')).toBeNull();
    }
  });
});

describe('accepting as the wrong person or the wrong post', () => {
  it('refuses a guest, another member and a suspended asker’s old session, changing nothing', async () => {
    const { asker, answerer, topic, reply } = await question();
    const stranger = await createUser(ctx.db);
    const clients = [new Client(ctx.app, 'en', people.nextIp()), await signedIn(stranger), await signedIn(answerer)];
    await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 86400_000) }).where('id', '=', asker.id).execute();
    clients.push(await people.withSession(ctx.app, ctx.db, asker));
    for (const c of clients) {
      expect((await c.post(`/posts/${reply.id}/accept`)).statusCode).toBe(403);
    }
    expect(await solvedPostId(topic.id)).toBeNull();
    expect(await reputation(answerer)).toBe(0);
  });

  it('refuses unaccepting to a member who is not the asker', async () => {
    const { asker, answerer, topic, reply } = await question();
    expect((await (await signedIn(asker)).post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);
    for (const c of [new Client(ctx.app, 'en', people.nextIp()), await signedIn(answerer)]) {
      expect((await c.post(`/posts/${reply.id}/unaccept`)).statusCode).toBe(403);
    }
    expect(await solvedPostId(topic.id)).toBe(reply.id);
  });

  it('lets a silenced asker accept (accepting writes no content, like a reaction)', async () => {
    const { asker, answerer, topic, reply } = await question();
    await ctx.db.updateTable('users').set({ silenced_until: new Date(Date.now() + 86400_000) }).where('id', '=', asker.id).execute();
    expect((await (await signedIn(asker)).post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);
    expect(await solvedPostId(topic.id)).toBe(reply.id);
    expect(await reputation(answerer)).toBe(15);
  });

  it('is not found for a member who cannot see the category, and a staff-only question works for staff', async () => {
    const asker = await createUser(ctx.db, { role: 'moderator' });
    const { topic } = await createTopic(ctx.db, asker, qaStaff, { title: 'Internal question here' });
    const reply = await createReply(ctx.db, staff, topic.id, 'Internal answer.');
    const member = await createUser(ctx.db);
    expect((await (await signedIn(member)).post(`/posts/${reply.id}/accept`)).statusCode).toBe(404);
    expect((await new Client(ctx.app, 'en', people.nextIp()).post(`/posts/${reply.id}/accept`)).statusCode).toBe(404);
    expect(await solvedPostId(topic.id)).toBeNull();
    expect((await (await signedIn(asker)).post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);
    expect(await solvedPostId(topic.id)).toBe(reply.id);
  });

  it('refuses the first post, a deleted or hidden reply, a discussion topic and a locked topic (for its author)', async () => {
    const { asker, topic, first, reply } = await question();
    const c = await signedIn(asker);
    expect((await c.post(`/posts/${first.id}/accept`)).statusCode).toBe(403);
    const hidden = await createReply(ctx.db, mod, topic.id, 'Hidden one.');
    await ctx.db.updateTable('posts').set({ hidden_at: new Date() }).where('id', '=', hidden.id).execute();
    expect((await c.post(`/posts/${hidden.id}/accept`)).statusCode).toBe(403);
    await ctx.db.updateTable('posts').set({ deleted_at: new Date(), deleted_by_id: mod.id }).where('id', '=', reply.id).execute();
    expect((await c.post(`/posts/${reply.id}/accept`)).statusCode).toBe(403);
    expect(await solvedPostId(topic.id)).toBeNull();

    const { topic: chat } = await createTopic(ctx.db, asker, talk, { title: 'Just chatting here' });
    const chatReply = await createReply(ctx.db, mod, chat.id, 'Hello.');
    expect((await c.post(`/posts/${chatReply.id}/accept`)).statusCode).toBe(403);
    expect((await (await signedIn(mod)).post(`/posts/${chatReply.id}/accept`)).statusCode).toBe(403);
    expect(await solvedPostId(chat.id)).toBeNull();

    const locked = await question();
    await ctx.db.updateTable('topics').set({ locked_at: new Date() }).where('id', '=', locked.topic.id).execute();
    expect((await (await signedIn(locked.asker)).post(`/posts/${locked.reply.id}/accept`)).statusCode).toBe(403);
    expect((await (await signedIn(mod)).post(`/posts/${locked.reply.id}/accept`)).statusCode).toBe(303);
  });

  it('answers 404 for a post that does not exist or a malformed id', async () => {
    const c = await signedIn(mod);
    expect((await c.post('/posts/999999/accept')).statusCode).toBe(404);
    expect((await c.post('/posts/abc/accept')).statusCode).toBe(404);
  });

  it('requires the CSRF token', async () => {
    const { asker, reply } = await question();
    const c = await signedIn(asker);
    expect((await c.post(`/posts/${reply.id}/accept`, {}, { noCsrf: true })).statusCode).toBe(403);
  });
});

describe('under concurrency', () => {
  it('10 parallel accepts of different replies leave exactly one accepted and exact reputation', async () => {
    const asker = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, asker, qa, { title: 'Which reply is right?' });
    const answerers = await Promise.all(Array.from({ length: 10 }, () => createUser(ctx.db)));
    const replies = [];
    for (const u of answerers) replies.push(await createReply(ctx.db, u, topic.id, `Answer by ${u.username}`));
    const c = await signedIn(asker);
    const second = await ctx.another();
    const results = await Promise.all(
      replies.map((r, i) => {
        const client = i % 2 ? c : Object.assign(new Client(second, 'en', c.ip), { cookies: new Map(c.cookies), csrf: c.csrf });
        return client.post(`/posts/${r.id}/accept`);
      }),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(303));
    const solved = await solvedPostId(topic.id);
    const winner = replies.findIndex((r) => r.id === solved);
    expect(winner).toBeGreaterThanOrEqual(0);
    const reps = await Promise.all(answerers.map((u) => reputation(u)));
    expect(reps).toEqual(answerers.map((_, i) => (i === winner ? 15 : 0)));
    expect(await reputation(asker)).toBe(2);
    expect(await drift()).toEqual([]);

    // And accept/unaccept racing each other still end consistent.
    await Promise.all(replies.flatMap((r) => [c.post(`/posts/${r.id}/accept`), c.post(`/posts/${r.id}/unaccept`)]));
    const now = await solvedPostId(topic.id);
    const total = (await Promise.all(answerers.map((u) => reputation(u)))).reduce((a, b) => a + b, 0);
    expect(total).toBe(now ? 15 : 0);
    expect(await reputation(asker)).toBe(now ? 2 : 0);
    expect(await drift()).toEqual([]);
  });
  it('accepts racing deletes and restores of the same replies end with exact reputation', async () => {
    const asker = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, asker, qa, { title: 'Race between accept and delete' });
    const answerers = await Promise.all(Array.from({ length: 4 }, () => createUser(ctx.db)));
    const replies = [];
    for (const u of answerers) replies.push(await createReply(ctx.db, u, topic.id, `Answer by ${u.username}`));
    const c = await signedIn(asker);
    const m = await signedIn(mod);
    const results = await Promise.all(
      replies.flatMap((r) => [c.post(`/posts/${r.id}/accept`), m.post(`/posts/${r.id}/delete`), c.post(`/posts/${r.id}/accept`), m.post(`/posts/${r.id}/restore`)]),
    );
    // A refused accept (the reply was deleted at that moment) is fine; a server error is not.
    for (const r of results) expect([303, 403]).toContain(r.statusCode);
    const solved = await solvedPostId(topic.id);
    const live = await ctx.db.selectFrom('posts').select(['id', 'user_id', 'deleted_at']).where('topic_id', '=', topic.id).execute();
    const winner = live.find((p) => p.id === solved);
    const expected = answerers.map((u) => (winner && !winner.deleted_at && winner.user_id === u.id ? 15 : 0));
    expect(await Promise.all(answerers.map((u) => reputation(u)))).toEqual(expected);
    expect(await reputation(asker)).toBe(winner && !winner.deleted_at ? 2 : 0);
    expect(await drift()).toEqual([]);
  });
});

describe('official answers', () => {
  it('staff mark their own reply official in any category: highlighted and linked from the top', async () => {
    const asker = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, asker, talk, { title: 'Is the service down?' });
    const reply = await createReply(ctx.db, staff, topic.id, 'We are on it.');
    const c = await signedIn(staff);
    const res = await c.post(`/posts/${reply.id}/official`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/${topic.id}/${topic.slug}#post-${reply.id}`);
    const page = dom((await new Client(ctx.app).get(`/t/${topic.id}`)).body);
    expect(page.querySelector(`#post-${reply.id} .mark-official`)).not.toBeNull();
    expect(page.querySelector(`#post-${reply.id} .tag-staff`)).not.toBeNull();
    expect(page.querySelector('#official-answer-link')?.getAttribute('href')).toBe(`/t/${topic.id}/${topic.slug}#post-${reply.id}`);

    // A second official reply replaces the first (one per topic); an admin may withdraw it.
    const reply2 = await createReply(ctx.db, staff, topic.id, 'Fixed now.');
    expect((await c.post(`/posts/${reply2.id}/official`, {}, { htmx: true })).headers['hx-refresh']).toBe('true');
    const marked = await ctx.db.selectFrom('posts').select('id').where('topic_id', '=', topic.id).where('official_at', 'is not', null).execute();
    expect(marked.map((r) => r.id)).toEqual([reply2.id]);
    expect((await (await signedIn(admin)).post(`/posts/${reply2.id}/unofficial`)).statusCode).toBe(303);
    expect(dom((await new Client(ctx.app).get(`/t/${topic.id}`)).body).querySelector('#official-answer-link')).toBeNull();
  });

  it('refuses members, moderators, other people’s replies, a silenced or suspended staff member, and guests', async () => {
    const { asker, answerer, topic, first, reply } = await question();
    const modReply = await createReply(ctx.db, mod, topic.id, 'Moderator here.');
    const staffReply = await createReply(ctx.db, staff, topic.id, 'Staff here.');
    expect((await (await signedIn(answerer)).post(`/posts/${reply.id}/official`)).statusCode).toBe(403);
    expect((await (await signedIn(mod)).post(`/posts/${modReply.id}/official`)).statusCode).toBe(403);
    expect((await (await signedIn(admin)).post(`/posts/${staffReply.id}/official`)).statusCode).toBe(403);
    expect((await new Client(ctx.app, 'en', people.nextIp()).post(`/posts/${staffReply.id}/official`)).statusCode).toBe(403);
    const staffTopic = await createTopic(ctx.db, staff, talk, { title: 'Staff asks a question' });
    expect((await (await signedIn(staff)).post(`/posts/${staffTopic.post.id}/official`)).statusCode).toBe(403);
    expect(first.id).toBeGreaterThan(0);

    const quiet = await createUser(ctx.db, { role: 'staff', silenced_until: new Date(Date.now() + 86400_000) });
    const quietReply = await createReply(ctx.db, staff, topic.id, 'x');
    await ctx.db.updateTable('posts').set({ user_id: quiet.id }).where('id', '=', quietReply.id).execute();
    expect((await (await signedIn(quiet)).post(`/posts/${quietReply.id}/official`)).statusCode).toBe(403);
    const gone = await createUser(ctx.db, { role: 'staff' });
    const goneReply = await createReply(ctx.db, gone, topic.id, 'y');
    await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 86400_000) }).where('id', '=', gone.id).execute();
    expect((await (await people.withSession(ctx.app, ctx.db, gone)).post(`/posts/${goneReply.id}/official`)).statusCode).toBe(403);

    // Withdrawing is for brand staff only.
    expect((await (await signedIn(staff)).post(`/posts/${staffReply.id}/official`)).statusCode).toBe(303);
    for (const c of [await signedIn(asker), await signedIn(mod)]) expect((await c.post(`/posts/${staffReply.id}/unofficial`)).statusCode).toBe(403);
    const still = await ctx.db.selectFrom('posts').select('official_at').where('id', '=', staffReply.id).executeTakeFirstOrThrow();
    expect(still.official_at).not.toBeNull();
  });
});

describe('question lists', () => {
  it('unanswered and unsolved, forum-wide and per category, only what the viewer may read', async () => {
    const cat = await createCategory(ctx.db, { name: 'Lists questions', kind: 'questions' });
    const asker = await createUser(ctx.db);
    const helper = await createUser(ctx.db);
    const lonely = (await createTopic(ctx.db, asker, cat, { title: 'Nobody answered this yet' })).topic;
    const selfOnly = (await createTopic(ctx.db, asker, cat, { title: 'Only I replied to this one' })).topic;
    await createReply(ctx.db, asker, selfOnly.id, 'Bump.');
    const answered = (await createTopic(ctx.db, asker, cat, { title: 'Someone answered this one' })).topic;
    const answer = await createReply(ctx.db, helper, answered.id, 'Here you go.');
    const solved = (await createTopic(ctx.db, asker, cat, { title: 'This one is solved now' })).topic;
    const solution = await createReply(ctx.db, helper, solved.id, 'Solution.');
    const deletedAnswer = (await createTopic(ctx.db, asker, cat, { title: 'Its only answer was deleted' })).topic;
    const deleted = await createReply(ctx.db, helper, deletedAnswer.id, 'Spam.');
    const chat = (await createTopic(ctx.db, asker, talk, { title: 'Not a question at all' })).topic;
    const secret = (await createTopic(ctx.db, mod, qaStaff, { title: 'Staff only question' })).topic;
    const c = await signedIn(asker);
    expect((await c.post(`/posts/${solution.id}/accept`)).statusCode).toBe(303);
    expect((await (await signedIn(mod)).post(`/posts/${deleted.id}/delete`)).statusCode).toBe(303);
    expect(answer.id).toBeGreaterThan(0);

    const ids = async (client: Client, url: string) => {
      const res = await client.get(url);
      expect(res.statusCode).toBe(200);
      return [...dom(res.body).querySelectorAll('.topic-row')].map((li) => Number(li.id.replace('topic-', '')));
    };
    const guest = new Client(ctx.app);
    expect(await ids(guest, `/c/${cat.slug}/unanswered`)).toEqual([deletedAnswer.id, selfOnly.id, lonely.id]);
    expect(await ids(guest, `/c/${cat.slug}/unsolved`)).toEqual([deletedAnswer.id, answered.id, selfOnly.id, lonely.id]);
    const all = await ids(guest, '/unanswered');
    expect(all).toEqual(expect.arrayContaining([lonely.id, selfOnly.id, deletedAnswer.id]));
    expect(all).not.toContain(answered.id);
    expect(all).not.toContain(chat.id);
    expect(all).not.toContain(secret.id);
    const unsolved = await ids(guest, '/unsolved');
    expect(unsolved).not.toContain(solved.id);
    expect(unsolved).not.toContain(secret.id);
    expect(await ids(await signedIn(staff), '/unanswered')).toContain(secret.id);
    expect((await guest.get(`/c/${qaStaff.slug}/unsolved`)).statusCode).toBe(404);
    expect((await (await signedIn(helper)).get(`/c/${qaStaff.slug}/unanswered`)).statusCode).toBe(404);
    expect((await guest.get('/unsolved?before=garbage')).statusCode).toBe(404);
  });

  it('pages by key with "load more"; the htmx fragment is the list items alone', async () => {
    const cat = await createCategory(ctx.db, { name: 'Many questions', kind: 'questions' });
    const asker = await createUser(ctx.db);
    for (let i = 0; i < 32; i++) await createTopic(ctx.db, asker, cat, { title: `Question number ${i} here` });
    const guest = new Client(ctx.app);
    const first = await guest.get(`/c/${cat.slug}/unanswered`);
    expect(first.headers.vary).toContain('HX-Request');
    const doc = dom(first.body);
    expect(doc.querySelectorAll('.topic-row').length).toBe(30);
    const more = doc.querySelector('#load-more a')?.getAttribute('hx-get');
    expect(more).toMatch(new RegExp(`^/c/${cat.slug}/unanswered\\?before=`));
    const fragment = await guest.get(more!, { htmx: true });
    expect(fragment.body).not.toContain('<html');
    expect(fragment.headers.vary).toContain('HX-Request');
    const rest = dom(fragment.body);
    expect(rest.querySelectorAll('.topic-row').length).toBe(2);
    expect(rest.querySelector('#load-more')).toBeNull();
    const firstIds = new Set([...doc.querySelectorAll('.topic-row')].map((li) => li.id));
    for (const li of rest.querySelectorAll('.topic-row')) expect(firstIds.has(li.id)).toBe(false);
  });

  it('?filter= on the home and category lists leads to the question lists', async () => {
    const guest = new Client(ctx.app);
    expect((await guest.get('/?filter=unsolved')).headers.location).toBe('/unsolved');
    expect((await guest.get(`/c/${qa.slug}?filter=unanswered`)).headers.location).toBe(`/c/${qa.slug}/unanswered`);
    expect((await guest.get(`/c/${qaStaff.slug}?filter=unanswered`)).statusCode).toBe(404);
  });

  it('renders in Russian too', async () => {
    const res = await new Client(ctx.app, 'ru').get('/unsolved');
    expect(text(dom(res.body).querySelector('#question-list-heading'))).toBe('Нерешённые вопросы');
  });
});

describe('answer policy (pure)', () => {
  const now = new Date();
  const topicOf = (owner: User, over: Partial<QuestionState> = {}): QuestionState => ({
    category: { read_access: 'everyone', post_access: 'members' }, locked_at: null, deleted_at: null, reply_count: 1,
    user_id: owner.id, category_kind: 'questions', solved_post_id: null, ...over,
  });
  const postOf = (author: User, over: Partial<AnswerPostState> = {}): AnswerPostState => ({
    id: 1, user_id: author.id, post_number: 2, created_at: now, deleted_at: null, hidden_at: null, official_at: null, ...over,
  });

  it('decides accept and official by role, ownership and state', async () => {
    const asker = await createUser(ctx.db);
    const member = await createUser(ctx.db);
    const topic = topicOf(asker);
    const reply = postOf(member);
    expect(canAcceptAnswer(null, topic, reply)).toBe(false);
    expect(canAcceptAnswer(asViewer(member), topic, reply)).toBe(false);
    expect(canAcceptAnswer(asViewer(asker), topic, reply)).toBe(true);
    expect(canAcceptAnswer({ ...asViewer(asker), silenced_until: new Date(Date.now() + 60_000) }, topic, reply)).toBe(true);
    expect(canAcceptAnswer({ ...asViewer(asker), suspended_until: new Date(Date.now() + 60_000) }, topic, reply)).toBe(false);
    for (const u of [mod, staff, admin]) expect(canAcceptAnswer(asViewer(u), topic, reply)).toBe(true);
    expect(canAcceptAnswer(asViewer(asker), topicOf(asker, { category_kind: 'discussion' }), reply)).toBe(false);
    expect(canAcceptAnswer(asViewer(asker), topic, postOf(member, { post_number: 1 }))).toBe(false);
    expect(canAcceptAnswer(asViewer(asker), topic, postOf(member, { hidden_at: now }))).toBe(false);
    const staffRoom = topicOf(asker, { category: { read_access: 'staff', post_access: 'staff' } });
    expect(canAcceptAnswer(asViewer(mod), staffRoom, reply)).toBe(true);
    expect(canAcceptAnswer(asViewer(asker), staffRoom, reply)).toBe(false);

    const own = postOf(staff);
    expect(canMarkOfficial(asViewer(staff), topicOf(asker, { category_kind: 'discussion' }), own)).toBe(true);
    expect(canMarkOfficial(asViewer(admin), topic, own)).toBe(false);
    expect(canMarkOfficial(asViewer(mod), topic, postOf(mod))).toBe(false);
    expect(canMarkOfficial(asViewer(member), topic, postOf(member))).toBe(false);
    expect(canUnmarkOfficial(asViewer(admin), topic, { ...own, official_at: now })).toBe(true);
    expect(canUnmarkOfficial(asViewer(mod), topic, { ...own, official_at: now })).toBe(false);
    expect(answerActions(asViewer(asker), { ...topic, solved_post_id: reply.id }, reply)).toEqual({ accept: false, unaccept: true, official: false, unofficial: false });
  });
});
