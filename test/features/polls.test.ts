import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, User } from '../../server/db/types.js';
import { countPollDrift } from '../../server/features/polls/polls.queries.js';
import * as polls from '../../server/features/polls/polls.service.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import type { Client } from '../helpers/client.js';
import { asViewer, createCategory, createTopic, createUser } from '../helpers/factories.js';
import { dom, formField, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let cat: Category;
let staffCat: Category;
let author: User;
let member: User;
let tl0: User;
let silenced: User;
let suspended: User;
let staff: User;
const DAY = 86400_000;

beforeAll(async () => {
  ctx = await createTestApp();
  cat = await createCategory(ctx.db);
  staffCat = await createCategory(ctx.db, { read_access: 'staff', post_access: 'staff' });
  author = await createUser(ctx.db);
  member = await createUser(ctx.db);
  tl0 = await createUser(ctx.db, { trust_level: 0 });
  silenced = await createUser(ctx.db, { silenced_until: new Date(Date.now() + DAY) });
  suspended = await createUser(ctx.db, { suspended_until: new Date(Date.now() + DAY) });
  staff = await createUser(ctx.db, { role: 'staff', trust_level: 0 });
});
afterAll(async () => ctx.close());

const as = (u: User): Promise<Client> => (u === suspended ? people.withSession(ctx.app, ctx.db, u) : people.signedIn(ctx.app, u));
const guest = () => people.browser(ctx.app);

/** A topic by `by` in `category` with a poll made through the service (the HTTP form is tested on its own). */
async function pollTopic(opts: Partial<polls.PollInput> & { by?: User; category?: Category } = {}) {
  const { topic } = await createTopic(ctx.db, opts.by ?? author, opts.category ?? cat);
  const spec = polls.parsePollInput({ question: 'Which day suits you?', options: ['Monday', 'Tuesday', 'Wednesday'], ...opts });
  const pollId = await polls.createPoll(ctx.db, asViewer(opts.by ?? author), topic.id, spec);
  const options = await ctx.db.selectFrom('poll_options').selectAll().where('poll_id', '=', pollId).orderBy('position').execute();
  return { topic, pollId, ids: options.map((o) => String(o.id)) };
}

const counts = async (pollId: number) =>
  (await ctx.db.selectFrom('poll_options').select('vote_count').where('poll_id', '=', pollId).orderBy('position').execute()).map((o) => o.vote_count);

async function expectExact(pollId: number) {
  const drift = await countPollDrift(ctx.db, pollId);
  for (const o of drift.options) expect(o.kept).toBe(o.fresh);
  expect(drift.voters!.kept).toBe(drift.voters!.fresh);
}

describe('attaching a poll', () => {
  it('the author (TL1) gets the form from a link on the topic, publishes, and the poll shows under the first post', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const c = await as(author);
    const page = dom((await c.get(`/t/${topic.id}`)).body);
    expect(page.querySelector(`#poll-offer a[href="/t/${topic.id}/poll/new"]`)).not.toBeNull();
    expect((await c.get(`/t/${topic.id}/poll/new`)).statusCode).toBe(200);
    const res = await c.post(`/t/${topic.id}/poll`, {
      question: 'Best release?', options: ['One', '', '  Two  ', 'Three', ''], kind: 'multiple', max_choices: '2', results: 'voted',
      closes_at: new Date(Date.now() + 3 * DAY).toISOString().slice(0, 16),
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/${topic.id}/${topic.slug}#poll`);
    const poll = await ctx.db.selectFrom('polls').selectAll().where('topic_id', '=', topic.id).executeTakeFirstOrThrow();
    expect(poll).toMatchObject({ question: 'Best release?', multiple: true, max_choices: 2, results_visibility: 'voted', user_id: author.id });
    const labels = await ctx.db.selectFrom('poll_options').select('label').where('poll_id', '=', poll.id).orderBy('position').execute();
    expect(labels.map((l) => l.label)).toEqual(['One', 'Two', 'Three']);
    const doc = dom((await c.get(`/t/${topic.id}`)).body);
    expect(text(doc.querySelector('#poll #poll-question'))).toBe('Best release?');
    expect(doc.querySelectorAll('#poll input[type=checkbox][name=option]')).toHaveLength(3);
    expect(doc.querySelector('#poll-offer')).toBeNull();
    // One poll per topic.
    expect((await c.get(`/t/${topic.id}/poll/new`)).statusCode).toBe(403);
    expect((await c.post(`/t/${topic.id}/poll`, { question: 'Again?', options: ['a', 'b'] })).statusCode).toBe(403);
  });

  it('refuses everyone else: guest → login, other member, TL0 and silenced authors, suspended → login; staff at TL0 may; hidden category → 404', async () => {
    const form = { question: 'Q?', options: ['a', 'b'] };
    // Sanctioned members cannot start topics now: their topic was started before (made by another, then handed over).
    const own = async (u: User, category = cat) => {
      const { topic } = await createTopic(ctx.db, u.silenced_until || u.suspended_until ? author : u, category);
      await ctx.db.updateTable('topics').set({ user_id: u.id }).where('id', '=', topic.id).execute();
      return topic;
    };
    const t1 = await own(author);
    const g = guest();
    expect((await g.get(`/t/${t1.id}/poll/new`)).headers.location).toMatch(/^\/login\?next=/);
    expect((await g.post(`/t/${t1.id}/poll`, form)).headers.location).toMatch(/^\/login\?next=/);
    const other = await as(member);
    expect((await other.get(`/t/${t1.id}/poll/new`)).statusCode).toBe(403);
    expect((await other.post(`/t/${t1.id}/poll`, form)).statusCode).toBe(403);
    expect(dom((await other.get(`/t/${t1.id}`)).body).querySelector('#poll-offer')).toBeNull();
    for (const u of [tl0, silenced]) {
      const t = await own(u);
      const c = await as(u);
      expect((await c.get(`/t/${t.id}/poll/new`)).statusCode, u.username).toBe(403);
      expect((await c.post(`/t/${t.id}/poll`, form)).statusCode, u.username).toBe(403);
    }
    // A suspended member's session is a guest's.
    const ts = await own(suspended);
    const sc = await as(suspended);
    expect((await sc.get(`/t/${ts.id}/poll/new`)).headers.location).toMatch(/^\/login\?next=/);
    expect((await sc.post(`/t/${ts.id}/poll`, form)).headers.location).toMatch(/^\/login\?next=/);
    const staffTopic = await own(staff, staffCat);
    const s = await as(staff);
    expect((await s.post(`/t/${staffTopic.id}/poll`, form)).statusCode).toBe(303);
    expect((await s.post(`/t/${t1.id}/poll`, form)).statusCode).toBe(403); // not their topic
    expect((await other.get(`/t/${staffTopic.id}/poll/new`)).statusCode).toBe(404);
    expect(await ctx.db.selectFrom('polls').select('id').where('topic_id', '=', t1.id).execute()).toEqual([]);
  });

  it('bad input → 422 with every value kept and a message per field', async () => {
    const { topic } = await createTopic(ctx.db, author, cat);
    const c = await as(author);
    const res = await c.post(`/t/${topic.id}/poll`, {
      question: '   ', options: ['Only one', '', ''], kind: 'multiple', max_choices: '9', results: 'closed', closes_at: '2001-01-01T10:00',
    });
    expect(res.statusCode).toBe(422);
    const doc = dom(res.body);
    expect(formField(doc, 'question').error).toBeTruthy();
    expect(formField(doc, 'options').value).toBe('Only one');
    expect(formField(doc, 'options').error).toContain('from 2 to 20');
    expect(formField(doc, 'closes_at')).toMatchObject({ value: '2001-01-01T10:00', invalid: true });
    expect(formField(doc, 'closes_at').error).toContain('future');
    expect(doc.querySelector('#f-kind-multiple')?.hasAttribute('checked')).toBe(true);
    expect(doc.querySelector('#f-results-closed')?.hasAttribute('checked')).toBe(true);
    const long = await c.post(`/t/${topic.id}/poll`, { question: 'x'.repeat(301), options: ['a', 'b'] });
    expect(long.statusCode).toBe(422);
    expect(formField(dom(long.body), 'options').value).toBe('a');
    const tooLongOption = await c.post(`/t/${topic.id}/poll`, { question: 'Fine?', options: ['a', 'b'.repeat(201)] });
    expect(tooLongOption.statusCode).toBe(422);
    const maxChoices = await c.post(`/t/${topic.id}/poll`, { question: 'Fine?', options: ['a', 'b', 'c'], kind: 'multiple', max_choices: '4' });
    expect(formField(dom(maxChoices.body), 'max_choices').error).toContain('2 to 3');
    const dup = await c.post(`/t/${topic.id}/poll`, { question: 'Fine?', options: ['Yes', 'yes'] });
    expect(dup.statusCode).toBe(422);
    const many = await c.post(`/t/${topic.id}/poll`, { question: 'Fine?', options: Array.from({ length: 21 }, (_, i) => `o${i}`) });
    expect(many.statusCode).toBe(422);
    // "Add an option" without JavaScript: the same form, one more row, nothing saved.
    const more = await c.post(`/t/${topic.id}/poll`, { question: 'Keep me', options: ['a', 'b', 'c', 'd'], add_row: '1' });
    expect(more.statusCode).toBe(200);
    expect(dom(more.body).querySelectorAll('input[name=options]')).toHaveLength(5);
    expect(formField(dom(more.body), 'question').value).toBe('Keep me');
    expect(await ctx.db.selectFrom('polls').select('id').where('topic_id', '=', topic.id).execute()).toEqual([]);
  });
});

describe('voting', () => {
  it('without JavaScript: 303 back; changing the vote replaces the ballot; own choice is marked', async () => {
    const { topic, pollId, ids } = await pollTopic();
    const c = await as(member);
    const res = await c.post(`/t/${topic.id}/poll/vote`, { option: ids[0] });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/${topic.id}/${topic.slug}#poll`);
    expect(await counts(pollId)).toEqual([1, 0, 0]);
    expect((await c.post(`/t/${topic.id}/poll/vote`, { option: ids[2] })).statusCode).toBe(303);
    expect(await counts(pollId)).toEqual([0, 0, 1]);
    const doc = dom((await c.get(`/t/${topic.id}`)).body);
    const mine = doc.querySelectorAll('#poll .poll-result.is-mine');
    expect(mine).toHaveLength(1);
    expect(text(mine[0])).toContain('Wednesday');
    expect(text(mine[0])).toContain('100%');
    expect(doc.querySelector(`#poll input[value="${ids[2]}"]`)?.hasAttribute('checked')).toBe(true);
    await expectExact(pollId);
  });

  it('with htmx answers the #poll fragment in place; bad ballots → 422 fragment with the choices kept', async () => {
    const { topic, pollId, ids } = await pollTopic({ kind: 'multiple', max_choices: '2' });
    const c = await as(member);
    const res = await c.post(`/t/${topic.id}/poll/vote`, { option: [ids[0]!, ids[1]!] }, { htmx: true });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<html');
    expect(res.headers.vary).toContain('HX-Request');
    const doc = dom(res.body);
    expect(doc.querySelectorAll('#poll')).toHaveLength(1);
    expect(doc.querySelectorAll('.poll-result.is-mine')).toHaveLength(2);
    expect(text(doc.querySelector('.poll-voters'))).toBe('1 voter');
    const tooMany = await c.post(`/t/${topic.id}/poll/vote`, { option: ids }, { htmx: true });
    expect(tooMany.statusCode).toBe(422);
    const bad = dom(tooMany.body);
    expect(text(bad.querySelector('#poll-option-error'))).toContain('at most 2');
    expect(bad.querySelectorAll('input[name=option][checked]')).toHaveLength(3);
    const none = await c.post(`/t/${topic.id}/poll/vote`, {});
    expect(none.statusCode).toBe(422);
    expect(none.body).toContain('<html');
    expect(text(dom(none.body).querySelector('#poll-option-error'))).toContain('Choose an option');
    const { ids: foreign } = await pollTopic();
    expect((await c.post(`/t/${topic.id}/poll/vote`, { option: foreign[0] })).statusCode).toBe(422);
    expect((await c.post(`/t/${topic.id}/poll/vote`, { option: 'abc' })).statusCode).toBe(422);
    expect(await counts(pollId)).toEqual([1, 1, 0]);
    const single = await pollTopic();
    expect((await c.post(`/t/${single.topic.id}/poll/vote`, { option: [single.ids[0]!, single.ids[1]!] })).statusCode).toBe(422);
  });

  it('who may vote: TL0, silenced and staff yes; guest and suspended → login; staff-only category → 404 for members', async () => {
    const { topic, pollId, ids } = await pollTopic();
    for (const u of [tl0, silenced, staff]) expect((await (await as(u)).post(`/t/${topic.id}/poll/vote`, { option: ids[1] })).statusCode, u.username).toBe(303);
    const g = guest();
    expect((await g.post(`/t/${topic.id}/poll/vote`, { option: ids[1] })).headers.location).toMatch(/^\/login\?next=/);
    const gx = await g.post(`/t/${topic.id}/poll/vote`, { option: ids[1] }, { htmx: true });
    expect(gx.statusCode).toBe(401);
    expect(gx.headers['hx-redirect']).toMatch(/^\/login/);
    expect((await (await as(suspended)).post(`/t/${topic.id}/poll/vote`, { option: ids[1] })).headers.location).toMatch(/^\/login\?next=/);
    expect(await counts(pollId)).toEqual([0, 3, 0]);
    const hidden = await pollTopic({ by: staff, category: staffCat });
    const m = await as(member);
    expect((await m.post(`/t/${hidden.topic.id}/poll/vote`, { option: hidden.ids[0] })).statusCode).toBe(404);
    expect((await m.get(`/t/${hidden.topic.id}/poll`)).statusCode).toBe(404);
    expect((await m.get(`/t/${hidden.topic.id}/poll.csv`)).statusCode).toBe(404);
    expect((await m.post(`/t/${hidden.topic.id}/poll/close`)).statusCode).toBe(404);
    expect((await (await as(staff)).post(`/t/${hidden.topic.id}/poll/vote`, { option: hidden.ids[0] })).statusCode).toBe(303);
  });

  it('a guest sees the results and a log-in link; a topic without a poll has no poll page', async () => {
    const { topic, ids } = await pollTopic();
    await (await as(member)).post(`/t/${topic.id}/poll/vote`, { option: ids[0] });
    const doc = dom((await guest().get(`/t/${topic.id}`)).body);
    expect(doc.querySelector('#poll form')).toBeNull();
    expect(doc.querySelector('#poll .poll-login a')?.getAttribute('href')).toBe(`/login?next=${encodeURIComponent(`/t/${topic.id}`)}`);
    expect(text(doc.querySelector('#poll .poll-result'))).toContain('1 vote');
    const page = await guest().get(`/t/${topic.id}/poll`);
    expect(page.statusCode).toBe(200);
    expect(dom((await guest().get(`/t/${topic.id}/poll`, { htmx: true })).body).querySelector('html > head > title')).toBeNull();
    const { topic: plain } = await createTopic(ctx.db, author, cat);
    expect((await guest().get(`/t/${plain.id}/poll`)).statusCode).toBe(404);
  });
});

describe('results visibility', () => {
  it('"after voting": counts hidden until the viewer votes (guests until it closes); staff always see them', async () => {
    const { topic, pollId, ids } = await pollTopic({ results: 'voted' });
    const c = await as(member);
    const before = dom((await c.get(`/t/${topic.id}`)).body);
    expect(before.querySelector('#poll .poll-results')).toBeNull();
    expect(text(before.querySelector('#poll .poll-notice'))).toContain('after you vote');
    expect(dom((await (await as(staff)).get(`/t/${topic.id}`)).body).querySelector('#poll .poll-results')).not.toBeNull();
    const after = dom((await c.post(`/t/${topic.id}/poll/vote`, { option: ids[0] }, { htmx: true })).body);
    expect(after.querySelector('.poll-results')).not.toBeNull();
    expect(dom((await guest().get(`/t/${topic.id}`)).body).querySelector('#poll .poll-results')).toBeNull();
    await ctx.db.updateTable('polls').set({ closes_at: new Date(Date.now() - 1000) }).where('id', '=', pollId).execute();
    expect(dom((await guest().get(`/t/${topic.id}`)).body).querySelector('#poll .poll-results')).not.toBeNull();
  });

  it('"after close": even voters see only their own vote until staff close it', async () => {
    const { topic, ids } = await pollTopic({ results: 'closed' });
    const c = await as(member);
    const doc = dom((await c.post(`/t/${topic.id}/poll/vote`, { option: ids[1] }, { htmx: true })).body);
    expect(doc.querySelector('.poll-results')).toBeNull();
    expect(doc.querySelector(`input[value="${ids[1]}"]`)?.hasAttribute('checked')).toBe(true);
    expect((await (await as(staff)).post(`/t/${topic.id}/poll/close`)).statusCode).toBe(303);
    const closed = dom((await c.get(`/t/${topic.id}`)).body);
    expect(closed.querySelector('#poll .poll-results')).not.toBeNull();
    expect(closed.querySelector('#poll form.poll-form')).toBeNull();
  });
});

describe('closing and exporting', () => {
  it('staff close early (audit entry, once); nobody else may; a closed poll takes no votes, by staff or by date', async () => {
    const { topic, pollId, ids } = await pollTopic();
    for (const c of [guest(), await as(member), await as(author), await as(tl0), await as(silenced), await as(suspended)]) {
      expect((await c.post(`/t/${topic.id}/poll/close`)).statusCode).toBe(403);
    }
    const s = await as(staff);
    const res = await s.post(`/t/${topic.id}/poll/close`, {}, { htmx: true });
    expect(res.statusCode).toBe(200);
    expect(dom(res.body).querySelector('#poll.is-closed')).not.toBeNull();
    expect((await s.post(`/t/${topic.id}/poll/close`)).statusCode).toBe(303);
    const log = await ctx.db.selectFrom('moderation_actions').selectAll().where('action', '=', 'poll_close').where('topic_id', '=', topic.id).execute();
    expect(log).toHaveLength(1);
    expect(log[0]!.actor_id).toBe(staff.id);
    const m = await as(member);
    expect((await m.post(`/t/${topic.id}/poll/vote`, { option: ids[0] })).statusCode).toBe(403);
    const hx = await m.post(`/t/${topic.id}/poll/vote`, { option: ids[0] }, { htmx: true });
    expect(hx.statusCode).toBe(403);
    expect(hx.headers['hx-refresh']).toBe('true');
    const byDate = await pollTopic();
    await ctx.db.updateTable('polls').set({ closes_at: new Date(Date.now() - 1000) }).where('id', '=', byDate.pollId).execute();
    expect((await m.post(`/t/${byDate.topic.id}/poll/vote`, { option: byDate.ids[0] })).statusCode).toBe(403);
    expect(await counts(pollId)).toEqual([0, 0, 0]);
    expect(await counts(byDate.pollId)).toEqual([0, 0, 0]);
  });

  it('CSV export: staff only, BOM, escaped, formula-safe, Cyrillic intact', async () => {
    const { topic, ids } = await pollTopic({ question: 'Какой, "лучший"?', options: ['=HYPERLINK("x")', '+1', 'Вариант\nдва', '@home', '-5'] });
    await (await as(member)).post(`/t/${topic.id}/poll/vote`, { option: ids[0] });
    for (const c of [guest(), await as(member), await as(author), await as(suspended)]) expect((await c.get(`/t/${topic.id}/poll.csv`)).statusCode).toBe(403);
    const res = await (await as(staff)).get(`/t/${topic.id}/poll.csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toContain(`poll-${topic.id}.csv`);
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const body = res.body.replace(/^\uFEFF/, '');
    const lines = body.split('\r\n');
    expect(lines[0]).toBe('Question,"Какой, ""лучший""?"');
    expect(lines[1]).toBe('Voters,1');
    expect(lines[4]).toBe(`"'=HYPERLINK(""x"")",1,100`);
    expect(lines[5]).toBe(`'+1,0,0`);
    expect(body).toContain('"Вариант\nдва",0,0');
    expect(body).toContain(`'@home,0,0`);
    expect(body).toContain(`'-5,0,0`);
  });
});

describe('under concurrency', () => {
  it('30 voters at once and one voter changing their vote 10 times in parallel: counts equal a fresh count', async () => {
    const { topic, pollId, ids } = await pollTopic();
    const voters = await Promise.all(Array.from({ length: 30 }, () => createUser(ctx.db)));
    const clients = await Promise.all(voters.map((u) => people.signedIn(ctx.app, u)));
    const second = await ctx.another();
    const changer = await as(member);
    const results = await Promise.all([
      ...clients.map((c, i) => {
        if (i % 2) c.app = second;
        return c.post(`/t/${topic.id}/poll/vote`, { option: ids[i % 3] });
      }),
      ...Array.from({ length: 10 }, (_, i) => changer.post(`/t/${topic.id}/poll/vote`, { option: ids[i % 3] })),
    ]);
    expect(results.map((r) => r.statusCode)).toEqual(Array(40).fill(303));
    await expectExact(pollId);
    const kept = await counts(pollId);
    expect(kept.reduce((a, b) => a + b, 0)).toBe(31);
    const poll = await ctx.db.selectFrom('polls').select('voter_count').where('id', '=', pollId).executeTakeFirstOrThrow();
    expect(poll.voter_count).toBe(31);
    const ballot = await ctx.db.selectFrom('poll_votes').select('option_id').where('poll_id', '=', pollId).where('user_id', '=', member.id).execute();
    expect(ballot).toHaveLength(1);
  });
});

describe('withdrawing a vote', () => {
  it('a voter takes their ballot back (no JS: 303; htmx: the #poll fragment); counts stay exact; others’ ballots stay', async () => {
    const { topic, pollId, ids } = await pollTopic({ kind: 'multiple' });
    const m = await as(member);
    const other = await as(tl0);
    expect(dom((await m.get(`/t/${topic.id}`)).body).querySelector('#poll-withdraw')).toBeNull();
    await m.post(`/t/${topic.id}/poll/vote`, { option: [ids[0]!, ids[2]!] });
    await other.post(`/t/${topic.id}/poll/vote`, { option: ids[0] });
    expect(await counts(pollId)).toEqual([2, 0, 1]);
    expect(dom((await m.get(`/t/${topic.id}`)).body).querySelector(`#poll-withdraw[action="/t/${topic.id}/poll/unvote"]`)).not.toBeNull();
    const res = await m.post(`/t/${topic.id}/poll/unvote`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/${topic.id}/${topic.slug}#poll`);
    expect(await counts(pollId)).toEqual([1, 0, 0]);
    expect((await ctx.db.selectFrom('polls').select('voter_count').where('id', '=', pollId).executeTakeFirstOrThrow()).voter_count).toBe(1);
    await expectExact(pollId);
    // Withdrawing again (a stale page) changes nothing.
    expect((await m.post(`/t/${topic.id}/poll/unvote`)).statusCode).toBe(303);
    expect(await counts(pollId)).toEqual([1, 0, 0]);
    // With htmx: the fragment, ready to vote again.
    await m.post(`/t/${topic.id}/poll/vote`, { option: ids[1] });
    const hx = await m.post(`/t/${topic.id}/poll/unvote`, {}, { htmx: true });
    expect(hx.statusCode).toBe(200);
    expect(hx.body).not.toContain('<html');
    expect(hx.headers.vary).toContain('HX-Request');
    const frag = dom(hx.body);
    expect(frag.querySelector('#poll #poll-withdraw')).toBeNull();
    expect(frag.querySelectorAll('#poll input[name=option]:checked')).toHaveLength(0);
    expect(await counts(pollId)).toEqual([1, 0, 0]);
    await expectExact(pollId);
  });

  it('not on a closed poll (403, htmx reloads); guests and suspended members may not; unseen polls are 404', async () => {
    const { topic, pollId, ids } = await pollTopic();
    const m = await as(member);
    await m.post(`/t/${topic.id}/poll/vote`, { option: ids[1] });
    expect((await guest().post(`/t/${topic.id}/poll/unvote`)).statusCode).toBe(403);
    expect((await (await as(suspended)).post(`/t/${topic.id}/poll/unvote`)).statusCode).toBe(403);
    await ctx.db.updateTable('polls').set({ closes_at: new Date(Date.now() - 1000) }).where('id', '=', pollId).execute();
    expect((await m.post(`/t/${topic.id}/poll/unvote`)).statusCode).toBe(403);
    const hx = await m.post(`/t/${topic.id}/poll/unvote`, {}, { htmx: true });
    expect(hx.statusCode).toBe(403);
    expect(hx.headers['hx-refresh']).toBe('true');
    expect(await counts(pollId)).toEqual([0, 1, 0]);
    const hidden = await pollTopic({ by: staff, category: staffCat });
    expect((await m.post(`/t/${hidden.topic.id}/poll/unvote`)).statusCode).toBe(404);
  });
});

describe('editing a poll', () => {
  it('before the first vote the author changes everything; after it only the question and the close date', async () => {
    const { topic, pollId, ids } = await pollTopic();
    const a = await as(author);
    expect(dom((await a.get(`/t/${topic.id}`)).body).querySelector(`#poll-edit[href="/t/${topic.id}/poll/edit"]`)).not.toBeNull();
    const form = dom((await a.get(`/t/${topic.id}/poll/edit`)).body);
    expect([...form.querySelectorAll('input[name=options]')].map((i) => (i as HTMLInputElement).value).slice(0, 3)).toEqual(['Monday', 'Tuesday', 'Wednesday']);
    expect((form.querySelector('#f-question') as HTMLInputElement).value).toBe('Which day suits you?');
    const bad = await a.post(`/t/${topic.id}/poll/edit`, { question: 'Which day?', options: ['Only one'] });
    expect(bad.statusCode).toBe(422);
    expect((dom(bad.body).querySelector('#f-question') as HTMLInputElement).value).toBe('Which day?');
    const res = await a.post(`/t/${topic.id}/poll/edit`, { question: 'Which weekday suits you?', options: ['Thursday', 'Friday'], kind: 'single', results: 'voted' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/${topic.id}/${topic.slug}#poll`);
    const poll = await ctx.db.selectFrom('polls').selectAll().where('id', '=', pollId).executeTakeFirstOrThrow();
    expect(poll).toMatchObject({ question: 'Which weekday suits you?', results_visibility: 'voted' });
    const options = await ctx.db.selectFrom('poll_options').select(['id', 'label']).where('poll_id', '=', pollId).orderBy('position').execute();
    expect(options.map((o) => o.label)).toEqual(['Thursday', 'Friday']);
    expect(options.some((o) => ids.includes(String(o.id)))).toBe(false);
    // The author's own edit is no moderation action.
    expect(await ctx.db.selectFrom('moderation_actions').select('id').where('action', '=', 'poll_edit').where('topic_id', '=', topic.id).execute()).toEqual([]);

    await (await as(member)).post(`/t/${topic.id}/poll/vote`, { option: String(options[1]!.id) });
    const limited = dom((await a.get(`/t/${topic.id}/poll/edit`)).body);
    expect(limited.querySelector('#poll-edit-limited')).not.toBeNull();
    expect(limited.querySelector('input[name=options]')).toBeNull();
    expect([...limited.querySelectorAll('#poll-options-fixed li')].map((li) => text(li))).toEqual(['Thursday', 'Friday']);
    const closes = new Date(Date.now() + 5 * DAY).toISOString().slice(0, 16);
    const res2 = await a.post(`/t/${topic.id}/poll/edit`, { question: 'Which weekday suits you best?', options: ['Saturday', 'Sunday'], kind: 'multiple', closes_at: closes });
    expect(res2.statusCode).toBe(303);
    const after = await ctx.db.selectFrom('polls').selectAll().where('id', '=', pollId).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ question: 'Which weekday suits you best?', multiple: false, results_visibility: 'voted' });
    expect(after.closes_at?.toISOString().slice(0, 16)).toBe(closes);
    expect((await ctx.db.selectFrom('poll_options').select('label').where('poll_id', '=', pollId).orderBy('position').execute()).map((o) => o.label)).toEqual(['Thursday', 'Friday']);
    expect(await counts(pollId)).toEqual([0, 1]);
    await expectExact(pollId);
    const past = await a.post(`/t/${topic.id}/poll/edit`, { question: 'Still fine', closes_at: '2020-01-01T00:00' });
    expect(past.statusCode).toBe(422);
    expect(dom(past.body).querySelector('#poll-edit-limited')).not.toBeNull();
  });

  it('a full edit is refused once a vote has arrived (the ballots were cast for these options)', async () => {
    const { pollId, ids } = await pollTopic();
    await polls.castVote(ctx.db, asViewer(member), pollId, [Number(ids[0])]);
    const spec = polls.parsePollInput({ question: 'Changed?', options: ['A', 'B'] });
    await expect(polls.updatePoll(ctx.db, asViewer(author), pollId, { full: spec })).rejects.toMatchObject({ fields: { options: { key: 'polls.errors.votesArrived' } } });
    expect(await counts(pollId)).toEqual([1, 0, 0]);
  });

  it('staff may edit anyone’s poll (audit entry); other members, silenced authors, guests and suspended members may not; closed polls are final', async () => {
    const { topic, pollId } = await pollTopic();
    const body = { question: 'Edited by someone', options: ['A', 'B'] };
    // A suspended member's session is a guest's: the form sends them to log in.
    for (const [c, page] of [[await as(member), 403], [await as(silenced), 403], [await as(suspended), 303]] as const) {
      expect((await c.get(`/t/${topic.id}/poll/edit`)).statusCode).toBe(page);
      expect((await c.post(`/t/${topic.id}/poll/edit`, body)).statusCode).toBe(403);
      expect(dom((await c.get(`/t/${topic.id}`)).body).querySelector('#poll-edit')).toBeNull();
    }
    const g = guest();
    expect((await g.get(`/t/${topic.id}/poll/edit`)).headers.location).toMatch(/^\/login/);
    expect((await g.post(`/t/${topic.id}/poll/edit`, body)).statusCode).toBe(403);
    // A poll whose author has since been silenced.
    const silencedPoll = await pollTopic();
    await ctx.db.updateTable('polls').set({ user_id: silenced.id }).where('id', '=', silencedPoll.pollId).execute();
    await ctx.db.updateTable('topics').set({ user_id: silenced.id }).where('id', '=', silencedPoll.topic.id).execute();
    expect((await (await as(silenced)).post(`/t/${silencedPoll.topic.id}/poll/edit`, body)).statusCode).toBe(403);
    expect((await ctx.db.selectFrom('polls').select('question').where('id', '=', pollId).executeTakeFirstOrThrow()).question).toBe('Which day suits you?');

    const s = await as(staff);
    expect((await s.post(`/t/${topic.id}/poll/edit`, { question: 'Which day suits you? (fixed)', options: ['Mon', 'Tue'] })).statusCode).toBe(303);
    const log = await ctx.db.selectFrom('moderation_actions').selectAll().where('action', '=', 'poll_edit').where('topic_id', '=', topic.id).execute();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ actor_id: staff.id, target_user_id: author.id });
    await ctx.db.updateTable('polls').set({ closed_at: new Date() }).where('id', '=', pollId).execute();
    expect((await (await as(author)).get(`/t/${topic.id}/poll/edit`)).statusCode).toBe(403);
    expect((await s.post(`/t/${topic.id}/poll/edit`, body)).statusCode).toBe(403);
    const hidden = await pollTopic({ by: staff, category: staffCat });
    expect((await (await as(member)).get(`/t/${hidden.topic.id}/poll/edit`)).statusCode).toBe(404);
  });
});
