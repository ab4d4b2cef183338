import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Category, User } from '../../server/db/types.js';
import '../../server/features/contests/contests.types.js';
import * as contests from '../../server/features/contests/contests.service.js';
import { toggleReaction } from '../../server/features/reactions/reactions.service.js';
import { updateSettings } from '../../server/features/settings/settings.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import type { Client } from '../helpers/client.js';
import { asViewer, createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let cat: Category;
let staffCat: Category;
let staff: User;
let admin: User;
let mod: User;
let member: User;
let suspended: User;
let suspendedStaff: User;
const DAY = 86400_000;

beforeAll(async () => {
  ctx = await createTestApp();
  cat = await createCategory(ctx.db);
  staffCat = await createCategory(ctx.db, { read_access: 'staff', post_access: 'staff' });
  staff = await createUser(ctx.db, { role: 'staff' });
  admin = await createUser(ctx.db, { role: 'admin' });
  mod = await createUser(ctx.db, { role: 'moderator' });
  member = await createUser(ctx.db);
  suspended = await createUser(ctx.db, { suspended_until: new Date(Date.now() + DAY) });
  suspendedStaff = await createUser(ctx.db, { role: 'staff', suspended_until: new Date(Date.now() + DAY) });
});
afterAll(async () => ctx.close());

const as = (u: User): Promise<Client> => (u.suspended_until ? people.withSession(ctx.app, ctx.db, u) : people.signedIn(ctx.app, u));
const guest = () => people.browser(ctx.app);
const future = (days = 3) => new Date(Date.now() + days * DAY).toISOString().slice(0, 16);
const reputation = async (u: User) => (await ctx.db.selectFrom('users').select('reputation').where('id', '=', u.id).executeTakeFirstOrThrow()).reputation;
const badgeHolders = async () =>
  (await sql<{ user_id: number }>`select ub.user_id from user_badges ub join badges b on b.id = ub.badge_id where b.key = 'contest_winner' order by ub.user_id`.execute(ctx.db)).rows.map((r) => r.user_id);

/** A contest topic by staff with entries by `entrants` (one reply each), made through the services. */
async function contestWithEntries(entrants: User[], mode: 'staff' | 'reactions' = 'staff', by = staff) {
  const { topic } = await createTopic(ctx.db, by, cat, { title: 'Photo contest: our product in the wild' });
  await contests.createContest(ctx.db, asViewer(by), topic.id, { entry_deadline: new Date(Date.now() + DAY), voting_mode: mode });
  const posts = [];
  for (const u of entrants) posts.push(await createReply(ctx.db, u, topic.id, `My entry, by ${u.username}.`));
  return { topic, posts };
}

/**
 * Moves time on: the posts so far are an hour older and the deadline passed a minute ago (entries close by
 * themselves: nothing else changes).
 */
async function closeEntries(topicId: number) {
  await sql`update posts set created_at = created_at - interval '1 hour' where topic_id = ${topicId}`.execute(ctx.db);
  await ctx.db.updateTable('contests').set({ entry_deadline: new Date(Date.now() - 60_000) }).where('topic_id', '=', topicId).execute();
}

/** The ledger's sum per user equals users.reputation for everyone. */
async function expectLedgerExact() {
  const { rows } = await sql<{ id: number }>`select u.id from users u where u.reputation <> coalesce((select sum(delta) from reputation_events e where e.user_id = u.id), 0)`.execute(ctx.db);
  expect(rows).toEqual([]);
}

describe('starting a contest', () => {
  it('staff make their own new topic a contest: offer, form, 422 with values kept, 303, panel, audit; only once', async () => {
    const { topic } = await createTopic(ctx.db, staff, cat, { title: 'Summer design contest' });
    const c = await as(staff);
    const page = dom((await c.get(`/t/${topic.id}`)).body);
    expect(page.querySelector(`#contest-offer a[href="/t/${topic.id}/contest/new"]`)).not.toBeNull();
    expect((await c.get(`/t/${topic.id}/contest/new`)).statusCode).toBe(200);

    const bad = await c.post(`/t/${topic.id}/contest`, { entry_deadline: '2020-01-01T10:00', voting_mode: 'reactions' });
    expect(bad.statusCode).toBe(422);
    const badDoc = dom(bad.body);
    expect((badDoc.querySelector('#f-entry_deadline') as HTMLInputElement).value).toBe('2020-01-01T10:00');
    expect(badDoc.querySelector('#f-voting_mode-reactions[checked]')).not.toBeNull();
    expect(text(badDoc.querySelector('#f-entry_deadline-error'))).toContain('future');
    expect((await c.post(`/t/${topic.id}/contest`, { entry_deadline: 'soon' })).statusCode).toBe(422);
    expect((await c.post(`/t/${topic.id}/contest`, { entry_deadline: future(400) })).statusCode).toBe(422);
    expect((await c.post(`/t/${topic.id}/contest`, { entry_deadline: future(), voting_mode: 'jury' })).statusCode).toBe(422);
    expect((await c.post(`/t/${topic.id}/contest`, { entry_deadline: 'x'.repeat(41) })).statusCode).toBe(422);

    const res = await c.post(`/t/${topic.id}/contest`, { entry_deadline: future(), voting_mode: 'staff' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/${topic.id}/${topic.slug}#contest`);
    const row = await ctx.db.selectFrom('contests').selectAll().where('topic_id', '=', topic.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ voting_mode: 'staff', created_by: staff.id, finished_at: null });
    const log = await ctx.db.selectFrom('moderation_actions').select('action').where('topic_id', '=', topic.id).execute();
    expect(log.map((l) => l.action)).toEqual(['contest_create']);

    const doc = dom((await guest().get(`/t/${topic.id}`)).body);
    expect(doc.querySelector('#contest.is-open')).not.toBeNull();
    expect(text(doc.querySelector('#contest-state'))).toContain('Entries until');
    expect(doc.querySelector('#contest-offer')).toBeNull();
    // One contest per topic.
    expect((await c.get(`/t/${topic.id}/contest/new`)).statusCode).toBe(403);
    expect((await c.post(`/t/${topic.id}/contest`, { entry_deadline: future() })).statusCode).toBe(403);
  });

  it('members, moderators, suspended staff and guests may not; nor staff on someone else’s topic or one with replies; unseen is 404', async () => {
    const own = await createTopic(ctx.db, member, cat);
    const m = await as(member);
    expect(dom((await m.get(`/t/${own.topic.id}`)).body).querySelector('#contest-offer')).toBeNull();
    expect((await m.get(`/t/${own.topic.id}/contest/new`)).statusCode).toBe(403);
    expect((await m.post(`/t/${own.topic.id}/contest`, { entry_deadline: future() })).statusCode).toBe(403);
    const others = await createTopic(ctx.db, member, cat);
    expect((await (await as(staff)).post(`/t/${others.topic.id}/contest`, { entry_deadline: future() })).statusCode).toBe(403);
    const modTopic = await createTopic(ctx.db, mod, cat);
    expect((await (await as(mod)).post(`/t/${modTopic.topic.id}/contest`, { entry_deadline: future() })).statusCode).toBe(403);
    const susTopic = await createTopic(ctx.db, staff, cat);
    await ctx.db.updateTable('topics').set({ user_id: suspendedStaff.id }).where('id', '=', susTopic.topic.id).execute();
    expect((await (await as(suspendedStaff)).post(`/t/${susTopic.topic.id}/contest`, { entry_deadline: future() })).statusCode).toBe(403);
    const replied = await createTopic(ctx.db, admin, cat);
    await createReply(ctx.db, member, replied.topic.id);
    const a = await as(admin);
    expect(dom((await a.get(`/t/${replied.topic.id}`)).body).querySelector('#contest-offer')).toBeNull();
    expect((await a.post(`/t/${replied.topic.id}/contest`, { entry_deadline: future() })).statusCode).toBe(403);
    const g = guest();
    const login = await g.get(`/t/${own.topic.id}/contest/new`);
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toContain('/login?next=');
    expect((await g.post(`/t/${own.topic.id}/contest`, { entry_deadline: future() })).statusCode).toBe(403);
    const hidden = await createTopic(ctx.db, staff, staffCat);
    expect((await m.get(`/t/${hidden.topic.id}/contest/new`)).statusCode).toBe(404);
    expect((await m.post(`/t/${hidden.topic.id}/contest`, { entry_deadline: future() })).statusCode).toBe(404);
    expect((await m.get('/t/99999999/contest/winners')).statusCode).toBe(404);
    expect(await ctx.db.selectFrom('contests').select('topic_id').where('topic_id', 'in', [own.topic.id, others.topic.id, modTopic.topic.id, susTopic.topic.id, replied.topic.id]).execute()).toEqual([]);
  });
});

describe('changing a contest', () => {
  it('staff extend a passed deadline: entries reopen; audit entry; members, moderators and guests may not; not after the winners', async () => {
    const a = await createUser(ctx.db);
    const late = await createUser(ctx.db);
    const { topic, posts } = await contestWithEntries([a]);
    await closeEntries(topic.id);
    const l = await as(late);
    expect((await l.post(`/t/${topic.id}/posts`, { body: 'Too late, sadly for me.' })).statusCode).toBe(403);
    for (const c of [l, await as(mod), await as(suspendedStaff)]) {
      expect((await c.get(`/t/${topic.id}/contest/edit`)).statusCode).toBe(403);
      expect((await c.post(`/t/${topic.id}/contest/edit`, { entry_deadline: future() })).statusCode).toBe(403);
    }
    expect((await guest().post(`/t/${topic.id}/contest/edit`, { entry_deadline: future() })).statusCode).toBe(403);
    const s = await as(staff);
    expect(dom((await s.get(`/t/${topic.id}`)).body).querySelector(`#contest-edit[href="/t/${topic.id}/contest/edit"]`)).not.toBeNull();
    const form = dom((await s.get(`/t/${topic.id}/contest/edit`)).body);
    expect((form.querySelector('#f-entry_deadline') as HTMLInputElement).value).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    expect((await s.post(`/t/${topic.id}/contest/edit`, { entry_deadline: '2020-01-01T00:00' })).statusCode).toBe(422);
    const res = await s.post(`/t/${topic.id}/contest/edit`, { entry_deadline: future(2), voting_mode: 'reactions' });
    expect(res.statusCode).toBe(303);
    expect((await ctx.db.selectFrom('contests').select('voting_mode').where('topic_id', '=', topic.id).executeTakeFirstOrThrow()).voting_mode).toBe('reactions');
    expect((await ctx.db.selectFrom('moderation_actions').select('action').where('topic_id', '=', topic.id).where('action', '=', 'contest_edit').execute())).toHaveLength(1);
    expect((await l.post(`/t/${topic.id}/posts`, { body: 'My entry after the extension.' })).statusCode).toBe(303);
    await closeEntries(topic.id);
    await contests.finishContest(ctx.db, asViewer(staff), { ...topicState(topic), id: topic.id }, [{ postId: posts[0]!.id, place: 1 }]);
    expect((await s.get(`/t/${topic.id}/contest/edit`)).statusCode).toBe(403);
    expect((await s.post(`/t/${topic.id}/contest/edit`, { entry_deadline: future() })).statusCode).toBe(403);
    expect(dom((await s.get(`/t/${topic.id}`)).body).querySelector('#contest-edit')).toBeNull();
    const plain = await createTopic(ctx.db, staff, cat);
    expect((await s.get(`/t/${plain.topic.id}/contest/edit`)).statusCode).toBe(404);
  });
});

describe('entries', () => {
  it('replies before the deadline are entries; after it members are refused with a clear message, staff may still post', async () => {
    const entrant = await createUser(ctx.db);
    const late = await createUser(ctx.db);
    const { topic } = await contestWithEntries([]);
    const c = await as(entrant);
    const ok = await c.post(`/t/${topic.id}/posts`, { body: 'My entry: a photo of the app on a mountain.' });
    expect(ok.statusCode).toBe(303);
    const entryId = Number(/#post-(\d+)$/.exec(ok.headers.location as string)?.[1]);
    expect((await c.get(`/posts/${entryId}/edit`)).statusCode).toBe(200);
    await closeEntries(topic.id);
    // The entry is judged as it stood at the deadline: its author may no longer change it.
    const frozen = await c.post(`/posts/${entryId}/edit`, { body: 'A better photo, sent after the deadline.' });
    expect(frozen.statusCode).toBe(403);
    expect(text(dom(frozen.body).querySelector('main'))).toContain('the contest deadline has passed');
    expect(dom((await c.get(`/t/${topic.id}`)).body).querySelector(`#post-${entryId} a[href="/posts/${entryId}/edit"]`)).toBeNull();
    expect((await ctx.db.selectFrom('posts').select('body_md').where('id', '=', entryId).executeTakeFirstOrThrow()).body_md).toBe('My entry: a photo of the app on a mountain.');
    const l = await as(late);
    const page = dom((await l.get(`/t/${topic.id}`)).body);
    expect(page.querySelector('#reply-form form')).toBeNull();
    expect(text(page.querySelector('#contest-closed-notice'))).toContain('deadline has passed');
    expect(page.querySelector('#contest.is-judging')).not.toBeNull();
    const refused = await l.post(`/t/${topic.id}/posts`, { body: 'Am I too late for the contest?' });
    expect(refused.statusCode).toBe(403);
    expect(text(dom(refused.body).querySelector('main'))).toContain('deadline has passed');
    const hx = await l.post(`/t/${topic.id}/posts`, { body: 'Am I too late for the contest?' }, { htmx: true });
    expect(hx.statusCode).toBe(403);
    // A suspended member's session is a guest's: sent to log in.
    expect((await (await as(suspended)).post(`/t/${topic.id}/posts`, { body: 'Suspended entry attempt.' })).headers.location).toMatch(/^\/login/);
    expect((await (await as(staff)).post(`/t/${topic.id}/posts`, { body: 'Entries are closed, results soon!' })).statusCode).toBe(303);
    expect((await (await as(mod)).post(`/t/${topic.id}/posts`, { body: 'A moderator note after the deadline.' })).statusCode).toBe(303);
    const posts = await ctx.db.selectFrom('posts').select('user_id').where('topic_id', '=', topic.id).where('post_number', '>', 1).orderBy('post_number').execute();
    expect(posts.map((p) => p.user_id)).toEqual([entrant.id, staff.id, mod.id]);
    // The staff and moderator posts after the deadline are not entries.
    const doc = dom((await (await as(staff)).get(`/t/${topic.id}/contest/winners`)).body);
    expect([...doc.querySelectorAll('input[name=winners]')].map((i) => (i as HTMLInputElement).value)).toHaveLength(1);
  });

  it('a contest topic offers no poll, and its organiser may not attach one (the contest decides by its own voting)', async () => {
    const { topic } = await contestWithEntries([]);
    const c = await as(staff);
    expect(dom((await c.get(`/t/${topic.id}`)).body).querySelector('#poll-offer')).toBeNull();
    expect((await c.get(`/t/${topic.id}/poll/new`)).statusCode).toBe(403);
    const res = await c.post(`/t/${topic.id}/poll`, { question: 'Which entry?', options: ['One', 'Two'] });
    expect(res.statusCode).toBe(403);
    expect(await ctx.db.selectFrom('polls').select('id').where('topic_id', '=', topic.id).executeTakeFirst()).toBeUndefined();
  });

  it('lists show the contest state: until a date, entries closed, finished', async () => {
    const a = await createUser(ctx.db);
    const { topic, posts } = await contestWithEntries([a]);
    const label = async () => text(dom((await guest().get('/')).body).querySelector(`#topic-${topic.id} .contest-label`));
    expect(await label()).toMatch(/^Contest · until /);
    const ru = people.browser(ctx.app, undefined, 'ru');
    expect(text(dom((await ru.get('/')).body).querySelector(`#topic-${topic.id} .contest-label`))).toMatch(/^Конкурс · до /);
    expect(text(dom((await ru.get(`/t/${topic.id}`)).body).querySelector('#contest-entries'))).toBe('1 работа');
    expect(text(dom((await guest().get(`/c/${cat.slug}`)).body).querySelector(`#topic-${topic.id} .contest-label.is-open`))).toMatch(/^Contest · until/);
    await closeEntries(topic.id);
    expect(await label()).toBe('Contest · entries closed');
    await contests.finishContest(ctx.db, asViewer(staff), { ...topicState(topic), id: topic.id }, [{ postId: posts[0]!.id, place: 1 }]);
    expect(await label()).toBe('Contest finished');
    const other = await createTopic(ctx.db, staff, cat);
    expect(dom((await guest().get('/')).body).querySelector(`#topic-${other.topic.id} .contest-label`)).toBeNull();
  });
});

function topicState(topic: { deleted_at: Date | null; locked_at: Date | null; reply_count: number }) {
  return { category: { read_access: cat.read_access, post_access: cat.post_access }, deleted_at: topic.deleted_at, locked_at: topic.locked_at, reply_count: topic.reply_count };
}

describe('marking winners', () => {
  it('staff pick places and plain winners after the deadline: badge, exact reputation, notifications, audit, panel on top', async () => {
    const [a, b, cUser, d] = await Promise.all([createUser(ctx.db), createUser(ctx.db), createUser(ctx.db), createUser(ctx.db)]);
    const { topic, posts } = await contestWithEntries([a, b, cUser, d]);
    await createReply(ctx.db, staff, topic.id, 'Organiser note: keep them coming.');
    const s = await as(staff);
    // Not before the deadline.
    expect((await s.get(`/t/${topic.id}/contest/winners`)).statusCode).toBe(403);
    expect((await s.post(`/t/${topic.id}/contest/winners`, { first: String(posts[0]!.id) })).statusCode).toBe(403);
    await closeEntries(topic.id);
    const page = dom((await s.get(`/t/${topic.id}`)).body);
    expect(page.querySelector(`#contest-pick[href="/t/${topic.id}/contest/winners"]`)).not.toBeNull();
    const form = dom((await s.get(`/t/${topic.id}/contest/winners`)).body);
    // The organiser's note is not an entry.
    expect([...form.querySelectorAll('input[name=winners]')].map((i) => Number((i as HTMLInputElement).value))).toEqual(posts.map((p) => p.id));
    expect(form.querySelectorAll('#f-first option')).toHaveLength(5);

    const before = await Promise.all([a, b, cUser, d].map(reputation));
    const none = await s.post(`/t/${topic.id}/contest/winners`, {});
    expect(none.statusCode).toBe(422);
    expect(text(dom(none.body).querySelector('#contest-form-error'))).toContain('at least one');
    const dup = await s.post(`/t/${topic.id}/contest/winners`, { first: String(posts[0]!.id), winners: [String(posts[0]!.id)] });
    expect(dup.statusCode).toBe(422);
    const notEntry = await s.post(`/t/${topic.id}/contest/winners`, { first: String(posts[0]!.id), second: '99999999' });
    expect(notEntry.statusCode).toBe(422);
    expect((dom(notEntry.body).querySelector('#f-first option[selected]') as HTMLOptionElement).value).toBe(String(posts[0]!.id));
    expect((await s.post(`/t/${topic.id}/contest/winners`, { first: 'abc' })).statusCode).toBe(422);
    expect(await ctx.db.selectFrom('contest_winners').select('id').where('topic_id', '=', topic.id).execute()).toEqual([]);

    const res = await s.post(`/t/${topic.id}/contest/winners`, { first: String(posts[1]!.id), second: String(posts[0]!.id), third: '', winners: [String(posts[3]!.id)] });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/${topic.id}/${topic.slug}#contest`);
    const winners = await ctx.db.selectFrom('contest_winners').select(['user_id', 'place']).where('topic_id', '=', topic.id).orderBy('id').execute();
    expect(winners).toEqual([{ user_id: b.id, place: 1 }, { user_id: a.id, place: 2 }, { user_id: d.id, place: null }]);
    const after = await Promise.all([a, b, cUser, d].map(reputation));
    expect(after.map((r, i) => r - before[i]!)).toEqual([30, 50, 0, 30]);
    expect(await badgeHolders()).toEqual(expect.arrayContaining([a.id, b.id, d.id]));
    expect(await badgeHolders()).not.toContain(cUser.id);
    await expectLedgerExact();
    const notes = await ctx.db.selectFrom('notifications').select(['user_id', 'post_id']).where('kind', '=', 'contest_won').where('topic_id', '=', topic.id).orderBy('user_id').execute();
    expect(notes).toEqual([{ user_id: a.id, post_id: posts[0]!.id }, { user_id: b.id, post_id: posts[1]!.id }, { user_id: d.id, post_id: posts[3]!.id }].sort((x, y) => x.user_id - y.user_id));
    const log = await ctx.db.selectFrom('moderation_actions').select(['action', 'actor_id']).where('topic_id', '=', topic.id).where('action', '=', 'contest_finish').execute();
    expect(log).toEqual([{ action: 'contest_finish', actor_id: staff.id }]);

    // The winner reads the notification in their language.
    const winner = await as(b);
    expect(text(dom((await winner.get('/notifications')).body).querySelector('.notification-text'))).toBe(
      'You took 1st place in the contest “Photo contest: our product in the wild”! The “Contest winner” badge is yours.',
    );
    // A winner without a place is told so plainly.
    expect(text(dom((await (await as(d)).get('/notifications')).body).querySelector('.notification-text'))).toContain('You are a winner of the contest');
    // Winners at the top of the topic, in place order, linking to their entries.
    const doc = dom((await guest().get(`/t/${topic.id}`)).body);
    const items = [...doc.querySelectorAll('#contest-winners li')];
    expect(items.map((li) => text(li.querySelector('.contest-place')))).toEqual(['1st place', '2nd place', 'Winner']);
    expect(items.map((li) => li.querySelector('a')!.getAttribute('href'))).toEqual([`/p/${posts[1]!.id}`, `/p/${posts[0]!.id}`, `/p/${posts[3]!.id}`]);
    expect(doc.querySelector('#contest.is-finished')).not.toBeNull();
    expect(doc.querySelector('header #contest')).not.toBeNull();
    expect(doc.querySelector('#contest-pick')).toBeNull();
    // Finishing again is refused and changes nothing.
    expect((await s.post(`/t/${topic.id}/contest/winners`, { first: String(posts[2]!.id) })).statusCode).toBe(403);
    expect((await s.get(`/t/${topic.id}/contest/winners`)).statusCode).toBe(403);
    expect(await Promise.all([a, b, cUser, d].map(reputation))).toEqual(after);
  });

  it('a member can win only once per contest (422), and a second badge is not granted for a second contest win', async () => {
    const a = await createUser(ctx.db);
    const { topic } = await contestWithEntries([a]);
    const second = await createReply(ctx.db, a, topic.id, 'Another entry by the same member.');
    const first = await ctx.db.selectFrom('posts').select('id').where('topic_id', '=', topic.id).where('post_number', '=', 2).executeTakeFirstOrThrow();
    await closeEntries(topic.id);
    const s = await as(staff);
    const res = await s.post(`/t/${topic.id}/contest/winners`, { first: String(first.id), second: String(second.id) });
    expect(res.statusCode).toBe(422);
    expect(text(dom(res.body).querySelector('#contest-form-error'))).toContain('only once');
    expect((await s.post(`/t/${topic.id}/contest/winners`, { first: String(first.id) })).statusCode).toBe(303);
    const again = await contestWithEntries([a]);
    await closeEntries(again.topic.id);
    expect((await s.post(`/t/${again.topic.id}/contest/winners`, { winners: [String(again.posts[0]!.id)] })).statusCode).toBe(303);
    expect((await badgeHolders()).filter((id) => id === a.id)).toHaveLength(1);
  });

  it('members, moderators, suspended staff and guests may not mark winners (403); a topic that is no contest is 404', async () => {
    const a = await createUser(ctx.db);
    const { topic, posts } = await contestWithEntries([a]);
    await closeEntries(topic.id);
    const body = { first: String(posts[0]!.id) };
    for (const u of [member, a, mod, suspended, suspendedStaff]) {
      const c = await as(u);
      expect((await c.get(`/t/${topic.id}/contest/winners`)).statusCode).toBe(403);
      expect((await c.post(`/t/${topic.id}/contest/winners`, body)).statusCode).toBe(403);
      expect(dom((await c.get(`/t/${topic.id}`)).body).querySelector('#contest-pick')).toBeNull();
    }
    expect((await guest().post(`/t/${topic.id}/contest/winners`, body)).statusCode).toBe(403);
    const plain = await createTopic(ctx.db, staff, cat);
    expect((await (await as(staff)).get(`/t/${plain.topic.id}/contest/winners`)).statusCode).toBe(404);
    expect(await ctx.db.selectFrom('contest_winners').select('id').where('topic_id', '=', topic.id).execute()).toEqual([]);
  });

  it('finishing is exactly once under concurrency: rewards from the settings are granted once', async () => {
    await updateSettings(ctx.db, { contests: { reputation: [7, 5, 3], winner: 2 } });
    try {
      const [a, b] = await Promise.all([createUser(ctx.db), createUser(ctx.db)]);
      const { topic, posts } = await contestWithEntries([a, b]);
      await closeEntries(topic.id);
      const before = await Promise.all([a, b].map(reputation));
      const picks = [{ postId: posts[0]!.id, place: 1 as const }, { postId: posts[1]!.id, place: null }];
      const state = { ...topicState(topic), id: topic.id };
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => contests.finishContest(ctx.db, asViewer(staff), state, picks)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.messageKey)).toEqual(Array(3).fill('contests.alreadyFinished'));
      const after = await Promise.all([a, b].map(reputation));
      expect(after.map((r, i) => r - before[i]!)).toEqual([7, 2]);
      expect(await ctx.db.selectFrom('contest_winners').select('id').where('topic_id', '=', topic.id).execute()).toHaveLength(2);
      expect(await ctx.db.selectFrom('notifications').select('id').where('kind', '=', 'contest_won').where('topic_id', '=', topic.id).execute()).toHaveLength(2);
      await expectLedgerExact();
    } finally {
      await updateSettings(ctx.db, { contests: { reputation: [50, 30, 20], winner: 30 } });
    }
  });
});

describe('reactions mode', () => {
  const like = { key: 'thumbs_up', emoji: '👍', weight: 1 };
  it('ranks entries by reactions: staff see it early, everyone after the deadline; the form starts from the top 3; "finish with the top 3"', async () => {
    const [a, b, cUser, fan1, fan2] = await Promise.all([createUser(ctx.db), createUser(ctx.db), createUser(ctx.db), createUser(ctx.db), createUser(ctx.db)]);
    const { topic, posts } = await contestWithEntries([a, b, cUser], 'reactions');
    await toggleReaction(ctx.db, asViewer(fan1), posts[1]!.id, like, 100);
    await toggleReaction(ctx.db, asViewer(fan2), posts[1]!.id, like, 100);
    await toggleReaction(ctx.db, asViewer(fan1), posts[2]!.id, like, 100);
    // A second kind of reaction from the same member is not a second vote.
    await toggleReaction(ctx.db, asViewer(fan1), posts[2]!.id, { key: 'heart', emoji: '❤️', weight: 1 }, 100);
    const m = await as(member);
    expect(dom((await m.get(`/t/${topic.id}`)).body).querySelector('#contest-ranking')).toBeNull();
    const s = await as(staff);
    const early = dom((await s.get(`/t/${topic.id}`)).body);
    expect([...early.querySelectorAll('#contest-ranking li a')].map((x) => x.getAttribute('href'))).toEqual([posts[1], posts[2], posts[0]].map((p) => `/p/${p!.id}`));
    expect(early.querySelector('#contest-top3')).toBeNull();

    await closeEntries(topic.id);
    const ranking = dom((await m.get(`/t/${topic.id}`)).body);
    const rows = [...ranking.querySelectorAll('#contest-ranking li')];
    expect(rows.map((li) => text(li.querySelector('.contest-votes')))).toEqual(['2 votes', '1 vote', '0 votes']);
    expect(ranking.querySelector('#contest-top3')).toBeNull();
    const form = dom((await s.get(`/t/${topic.id}/contest/winners`)).body);
    expect(['first', 'second', 'third'].map((f) => (form.querySelector(`#f-${f} option[selected]`) as HTMLOptionElement | null)?.value)).toEqual([posts[1], posts[2], posts[0]].map((p) => String(p!.id)));

    const panel = dom((await s.get(`/t/${topic.id}`)).body);
    const top3 = panel.querySelector('#contest-top3')!;
    expect(top3.getAttribute('hx-confirm')).toBeTruthy();
    const fields = Object.fromEntries([...top3.querySelectorAll('input[type=hidden]:not([name=_csrf])')].map((i) => [(i as HTMLInputElement).name, (i as HTMLInputElement).value]));
    const hx = await s.post(`/t/${topic.id}/contest/winners`, fields, { htmx: true });
    expect(hx.statusCode).toBe(204);
    expect(hx.headers['hx-redirect']).toBe(`/t/${topic.id}/${topic.slug}#contest`);
    const winners = await ctx.db.selectFrom('contest_winners').select(['user_id', 'place']).where('topic_id', '=', topic.id).orderBy('place').execute();
    expect(winners).toEqual([{ user_id: b.id, place: 1 }, { user_id: cUser.id, place: 2 }, { user_id: a.id, place: 3 }]);
    await expectLedgerExact();
  });
});
