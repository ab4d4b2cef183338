import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Category, User } from '../../server/db/types.js';
import '../../server/features/ideas/ideas.types.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import type { Client } from '../helpers/client.js';
import { createCategory, createTopic, createUser } from '../helpers/factories.js';
import { dom, formField, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let ideas: Category;
let teamIdeas: Category;
let talk: Category;
let staff: User;
let admin: User;
let mod: User;
let staffClient: Client;

const DAY = 86400_000;

beforeAll(async () => {
  ctx = await createTestApp();
  ideas = await createCategory(ctx.db, { name: 'Product ideas', kind: 'ideas' });
  teamIdeas = await createCategory(ctx.db, { name: 'Team ideas', kind: 'ideas', read_access: 'staff', post_access: 'staff' });
  talk = await createCategory(ctx.db, { name: 'Lounge' });
  staff = await createUser(ctx.db, { role: 'staff' });
  admin = await createUser(ctx.db, { role: 'admin' });
  mod = await createUser(ctx.db, { role: 'moderator' });
  staffClient = await people.signedIn(ctx.app, staff);
});
afterAll(async () => ctx.close());

const signedIn = (user: User) => people.signedIn(ctx.app, user);
const topicRow = (id: number) => ctx.db.selectFrom('topics').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const voteRows = async (id: number) => (await ctx.db.selectFrom('idea_votes').select('user_id').where('topic_id', '=', id).orderBy('user_id').execute()).map((r) => r.user_id);
const notes = (topicId: number) => ctx.db.selectFrom('notifications').selectAll().where('topic_id', '=', topicId).where('kind', '=', 'idea_status').orderBy('id').execute();
const audit = (topicId: number) => ctx.db.selectFrom('moderation_actions').selectAll().where('topic_id', '=', topicId).orderBy('id').execute();

/** Ideas whose cached vote count differs from their votes (must be none). */
async function voteDrift(): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`select t.id from topics t where t.vote_count <> (select count(*) from idea_votes v where v.topic_id = t.id)`.execute(ctx.db);
  return rows.map((r) => r.id);
}

async function idea(category = ideas, title = 'Dark mode for the mobile app') {
  const author = await createUser(ctx.db, { role: category.read_access === 'staff' ? 'staff' : 'member' });
  const { topic } = await createTopic(ctx.db, author, category, { title });
  return { author, topic };
}

describe('voting', () => {
  it('a member votes and takes the vote back: 303 to the idea, counts in the row, the page and the lists', async () => {
    const { topic } = await idea();
    const member = await createUser(ctx.db);
    const c = await signedIn(member);
    const res = await c.post(`/t/${topic.id}/vote`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/${topic.id}/${topic.slug}`);
    expect((await topicRow(topic.id)).vote_count).toBe(1);
    // Voting twice changes nothing.
    expect((await c.post(`/t/${topic.id}/vote`)).statusCode).toBe(303);
    expect(await voteRows(topic.id)).toEqual([member.id]);

    const page = dom((await c.get(`/t/${topic.id}`)).body);
    expect(text(page.querySelector('#idea-vote-count'))).toBe('1 vote');
    expect(page.querySelector('#idea-unvote')?.getAttribute('data-action')).toBe('unvote');
    expect(page.querySelector('#idea-vote')).not.toBeNull();
    expect(text(page.querySelector('#idea-status'))).toBe('New');
    for (const url of ['/', `/c/${ideas.slug}`]) {
      const row = dom((await people.browser(ctx.app).get(url)).body).querySelector(`#topic-${topic.id}`);
      expect(text(row?.querySelector('.idea-status'))).toBe('New');
      expect(text(row?.querySelector('.idea-row-votes'))).toBe('1 vote');
    }

    expect((await c.post(`/t/${topic.id}/unvote`)).statusCode).toBe(303);
    expect((await c.post(`/t/${topic.id}/unvote`)).statusCode).toBe(303);
    expect((await topicRow(topic.id)).vote_count).toBe(0);
    expect(await voteRows(topic.id)).toEqual([]);
    expect(await voteDrift()).toEqual([]);
  });

  it('htmx swaps the vote box in place (a fragment with the new count, Vary set)', async () => {
    const { topic } = await idea();
    const c = await signedIn(await createUser(ctx.db));
    await c.get(`/t/${topic.id}`);
    const res = await c.post(`/t/${topic.id}/vote`, {}, { htmx: true });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<html');
    expect(res.headers.vary).toContain('HX-Request');
    const frag = dom(res.body);
    expect(frag.querySelector('#idea-vote')).not.toBeNull();
    expect(text(frag.querySelector('#idea-vote-count'))).toBe('1 vote');
    expect(frag.querySelector('#idea-unvote')).not.toBeNull();
    const back = dom((await c.post(`/t/${topic.id}/unvote`, {}, { htmx: true })).body);
    expect(text(back.querySelector('#idea-vote-count'))).toBe('0 votes');
    expect(back.querySelector('#idea-vote button')?.getAttribute('data-action')).toBe('vote');
  });

  it('authors vote for their own idea; silenced members, moderators and staff vote too', async () => {
    const { author, topic } = await idea();
    const silenced = await createUser(ctx.db, { silenced_until: new Date(Date.now() + DAY) });
    for (const user of [author, silenced, mod, staff]) expect((await (await signedIn(user)).post(`/t/${topic.id}/vote`)).statusCode).toBe(303);
    expect((await topicRow(topic.id)).vote_count).toBe(4);
    expect(await voteDrift()).toEqual([]);
  });

  it('a guest (and a suspended member, whose session is a guest’s) is sent to log in (htmx: 401 with HX-Redirect); nothing is counted', async () => {
    const { topic } = await idea();
    const guest = people.browser(ctx.app);
    const res = await guest.post(`/t/${topic.id}/vote`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(`/t/${topic.id}/${topic.slug}`)}`);
    const hx = await guest.post(`/t/${topic.id}/vote`, {}, { htmx: true });
    expect(hx.statusCode).toBe(401);
    expect(hx.headers['hx-redirect']).toContain('/login?next=');
    const suspended = await createUser(ctx.db, { suspended_until: new Date(Date.now() + DAY) });
    const s = await people.withSession(ctx.app, ctx.db, suspended);
    for (const path of ['vote', 'unvote']) {
      const refused = await s.post(`/t/${topic.id}/${path}`);
      expect(refused.statusCode).toBe(303);
      expect(refused.headers.location).toContain('/login?next=');
    }
    expect((await topicRow(topic.id)).vote_count).toBe(0);
    // A guest sees the count and a sign-in link instead of the button.
    const page = dom((await guest.get(`/t/${topic.id}`)).body);
    expect(page.querySelector('#idea-login')).not.toBeNull();
    expect(page.querySelector('#idea-vote form')).toBeNull();
  });

  it('what the viewer may not see, or is not an idea, is not found', async () => {
    const { topic: hidden } = await idea(teamIdeas);
    const { topic: chat } = await createTopic(ctx.db, await createUser(ctx.db), talk);
    const member = await signedIn(await createUser(ctx.db));
    for (const path of ['vote', 'unvote', 'status', 'merge-idea']) {
      expect((await member.post(`/t/${hidden.id}/${path}`, { status: 'planned', into: '1' })).statusCode).toBe(404);
      expect((await staffClient.post(`/t/${chat.id}/${path}`, { status: 'planned', into: '1' })).statusCode).toBe(404);
      expect((await member.post(`/t/999999/${path}`, { status: 'planned', into: '1' })).statusCode).toBe(404);
    }
    expect((await member.get(`/t/${hidden.id}/status`)).statusCode).toBe(404);
    expect((await staffClient.get(`/t/${chat.id}/status`)).statusCode).toBe(404);
    // Staff see and vote on the team's ideas; a discussion topic has no idea panel.
    expect((await staffClient.post(`/t/${hidden.id}/vote`)).statusCode).toBe(303);
    expect(dom((await staffClient.get(`/t/${chat.id}`)).body).querySelector('#idea-panel')).toBeNull();
  });

  it('a closed or finished idea takes no votes, but a vote can still be taken back', async () => {
    const { topic } = await idea();
    const member = await createUser(ctx.db);
    const c = await signedIn(member);
    expect((await c.post(`/t/${topic.id}/vote`)).statusCode).toBe(303);
    expect((await staffClient.post(`/t/${topic.id}/status`, { status: 'done' })).statusCode).toBe(303);
    const late = await signedIn(await createUser(ctx.db));
    expect((await late.post(`/t/${topic.id}/vote`)).statusCode).toBe(403);
    expect(dom((await late.get(`/t/${topic.id}`)).body).querySelector('#idea-vote-closed')).not.toBeNull();
    expect((await c.post(`/t/${topic.id}/unvote`)).statusCode).toBe(303);
    expect((await topicRow(topic.id)).vote_count).toBe(0);
    const { topic: closed } = await idea();
    await ctx.db.updateTable('topics').set({ closed_at: new Date() }).where('id', '=', closed.id).execute();
    expect((await late.post(`/t/${closed.id}/vote`)).statusCode).toBe(403);
  });

  it('counts stay exact under concurrency: 30 parallel voters, and one voter toggling 10 times in parallel', async () => {
    const { topic } = await idea();
    const voters = await Promise.all(Array.from({ length: 30 }, () => createUser(ctx.db)));
    const clients = await Promise.all(voters.map((v) => signedIn(v)));
    const results = await Promise.all(clients.map((c) => c.post(`/t/${topic.id}/vote`)));
    expect(results.map((r) => r.statusCode)).toEqual(Array(30).fill(303));
    expect((await topicRow(topic.id)).vote_count).toBe(30);
    expect((await voteRows(topic.id)).length).toBe(30);

    const toggler = clients[0]!;
    const toggles = await Promise.all(Array.from({ length: 10 }, (_, i) => toggler.post(`/t/${topic.id}/${i % 2 ? 'unvote' : 'vote'}`)));
    expect(toggles.every((r) => r.statusCode === 303)).toBe(true);
    const row = await topicRow(topic.id);
    expect(row.vote_count).toBe((await voteRows(topic.id)).length);
    expect([29, 30]).toContain(row.vote_count);
    expect(await voteDrift()).toEqual([]);
  });
});

describe('statuses', () => {
  it('staff set a status with a comment: label, public history, audit, and voters and the author are told (not the staff member)', async () => {
    const { author, topic } = await idea();
    const voter = await createUser(ctx.db);
    const voterClient = await signedIn(voter);
    await voterClient.post(`/t/${topic.id}/vote`);
    await staffClient.post(`/t/${topic.id}/vote`);
    const res = await staffClient.post(`/t/${topic.id}/status`, { status: 'planned', comment: 'Coming in the spring release.' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/${topic.id}/${topic.slug}`);
    expect((await topicRow(topic.id)).idea_status).toBe('planned');

    const page = dom((await people.browser(ctx.app).get(`/t/${topic.id}`)).body);
    expect(text(page.querySelector('#idea-status'))).toBe('Planned');
    const history = page.querySelector('#idea-history');
    expect(text(history)).toContain(`${staff.username} changed the status from New to Planned`);
    expect(text(history)).toContain('Coming in the spring release.');
    expect(history?.querySelector('time')).not.toBeNull();
    expect(text(dom((await people.browser(ctx.app).get(`/c/${ideas.slug}`)).body).querySelector(`#topic-${topic.id} .idea-status`))).toBe('Planned');

    const told = await notes(topic.id);
    expect(told.map((n) => n.user_id).sort((a, b) => a - b)).toEqual([author.id, voter.id].sort((a, b) => a - b));
    expect(told.every((n) => (n.data as { status?: string }).status === 'planned' && n.actor_id === staff.id)).toBe(true);
    const list = dom((await voterClient.get('/notifications')).body);
    expect(text(list.querySelector('.notification-list'))).toContain(topic.title);

    const entries = await audit(topic.id);
    expect(entries.map((e) => [e.action, e.actor_id, e.reason])).toEqual([['idea_status', staff.id, 'Coming in the spring release.']]);
    expect(entries[0]!.details).toEqual({ from: 'new', to: 'planned' });

    // Admins may too; a second change adds to the history.
    expect((await (await signedIn(admin)).post(`/t/${topic.id}/status`, { status: 'in_progress' })).statusCode).toBe(303);
    const rows = await ctx.db.selectFrom('idea_status_changes').select(['from_status', 'to_status']).where('topic_id', '=', topic.id).orderBy('id').execute();
    expect(rows).toEqual([{ from_status: 'new', to_status: 'planned' }, { from_status: 'planned', to_status: 'in_progress' }]);
  });

  it('people watching the idea are told too; a voter who muted the topic is not', async () => {
    const { author, topic } = await idea();
    const [watcher, muter, normal] = await Promise.all([createUser(ctx.db), createUser(ctx.db), createUser(ctx.db)]);
    await (await signedIn(muter)).post(`/t/${topic.id}/vote`);
    await ctx.db.insertInto('topic_watches').values([
      { user_id: watcher.id, topic_id: topic.id, level: 'watching' },
      { user_id: muter.id, topic_id: topic.id, level: 'muted' },
      { user_id: normal.id, topic_id: topic.id, level: 'normal' },
    ]).execute();
    expect((await staffClient.post(`/t/${topic.id}/status`, { status: 'under_review' })).statusCode).toBe(303);
    expect((await notes(topic.id)).map((n) => n.user_id).sort((a, b) => a - b)).toEqual([author.id, watcher.id].sort((a, b) => a - b));
  });

  it('members, silenced and suspended members, moderators, suspended staff and guests may not set a status (403, nothing changes)', async () => {
    const { author, topic } = await idea();
    const suspendedStaff = await createUser(ctx.db, { role: 'staff', suspended_until: new Date(Date.now() + DAY) });
    const suspended = await createUser(ctx.db, { suspended_until: new Date(Date.now() + DAY) });
    const clients = [
      await signedIn(author), await signedIn(await createUser(ctx.db)), await signedIn(await createUser(ctx.db, { silenced_until: new Date(Date.now() + DAY) })),
      await signedIn(mod), await people.withSession(ctx.app, ctx.db, suspendedStaff), await people.withSession(ctx.app, ctx.db, suspended), people.browser(ctx.app),
    ];
    for (const c of clients) {
      expect((await c.post(`/t/${topic.id}/status`, { status: 'declined' })).statusCode).toBe(403);
      expect((await c.get(`/t/${topic.id}/status`)).statusCode).toBe(403);
      expect((await c.post(`/t/${topic.id}/merge-idea`, { into: String(topic.id) })).statusCode).toBe(403);
      expect(dom((await c.get(`/t/${topic.id}`)).body).querySelector('#idea-staff')).toBeNull();
    }
    expect((await topicRow(topic.id)).idea_status).toBe('new');
    expect(await audit(topic.id)).toEqual([]);
    expect(await notes(topic.id)).toEqual([]);
  });

  it('bad input is a 422 with the values kept: unknown status, too long a comment, the same status', async () => {
    const { topic } = await idea();
    const bad = await staffClient.post(`/t/${topic.id}/status`, { status: 'shipped', comment: 'Keep me.' });
    expect(bad.statusCode).toBe(422);
    let doc = dom(bad.body);
    expect(formField(doc, 'status').invalid).toBe(true);
    expect(formField(doc, 'comment').value).toBe('Keep me.');
    const long = await staffClient.post(`/t/${topic.id}/status`, { status: 'planned', comment: 'x'.repeat(1001) });
    expect(long.statusCode).toBe(422);
    doc = dom(long.body);
    expect(formField(doc, 'comment').error).toContain('1000');
    expect(formField(doc, 'comment').value).toBe('x'.repeat(1001));
    expect(doc.querySelector('#f-status option[value="planned"]')?.hasAttribute('selected')).toBe(true);
    const same = await staffClient.post(`/t/${topic.id}/status`, { status: 'new', comment: 'Still new.' });
    expect(same.statusCode).toBe(422);
    expect(formField(dom(same.body), 'status').error).toBe('The idea already has this status.');
    expect(await audit(topic.id)).toEqual([]);
    // htmx: the form alone, retargeted; success reloads the page.
    const hx = await staffClient.post(`/t/${topic.id}/status`, { status: 'new' }, { htmx: true });
    expect(hx.statusCode).toBe(422);
    expect(hx.body).not.toContain('<html');
    expect(hx.headers['hx-retarget']).toBe('#idea-status-form');
    const ok = await staffClient.post(`/t/${topic.id}/status`, { status: 'under_review' }, { htmx: true });
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['hx-refresh']).toBe('true');
    // The form on its own page, for staff.
    const form = dom((await staffClient.get(`/t/${topic.id}/status`)).body);
    expect(form.querySelector('#idea-status-form')).not.toBeNull();
  });
});

describe('merging duplicates', () => {
  it('votes move without counting anyone twice; the duplicate is closed and marked merged; audit and notifications', async () => {
    const { author: dupAuthor, topic: dup } = await idea(ideas, 'Night theme please');
    const { topic: target } = await idea(ideas, 'Dark theme');
    const [both, dupOnly, targetOnly] = await Promise.all([createUser(ctx.db), createUser(ctx.db), createUser(ctx.db)]);
    for (const [user, ids] of [[both, [dup.id, target.id]], [dupOnly, [dup.id]], [targetOnly, [target.id]]] as const) {
      const c = await signedIn(user);
      for (const id of ids) expect((await c.post(`/t/${id}/vote`)).statusCode).toBe(303);
    }
    const form = await staffClient.get(`/t/${dup.id}/merge-idea`);
    expect(form.statusCode).toBe(200);
    const res = await staffClient.post(`/t/${dup.id}/merge-idea`, { into: `/t/${target.id}/${target.slug}`, comment: 'Same request.' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/t/${target.id}/${target.slug}`);

    expect((await topicRow(target.id)).vote_count).toBe(3);
    expect(await voteRows(target.id)).toEqual([both.id, dupOnly.id, targetOnly.id].sort((a, b) => a - b));
    const gone = await topicRow(dup.id);
    expect([gone.vote_count, gone.idea_status, gone.idea_merged_into_id, !!gone.closed_at]).toEqual([0, 'merged', target.id, true]);
    expect(await voteDrift()).toEqual([]);

    const page = dom((await people.browser(ctx.app).get(`/t/${dup.id}`)).body);
    expect(text(page.querySelector('#idea-status'))).toBe('Merged');
    expect(page.querySelector('#idea-merged a')?.getAttribute('href')).toBe(`/t/${target.id}/${target.slug}`);
    expect(text(page.querySelector('#idea-history'))).toContain('Same request.');

    const entries = await audit(dup.id);
    expect(entries.map((e) => e.action)).toEqual(['idea_merge']);
    expect(entries[0]!.details).toMatchObject({ into: target.id, votes: 2, moved: 1 });
    expect((await notes(dup.id)).map((n) => n.user_id).sort((a, b) => a - b)).toEqual([dupAuthor.id, both.id, dupOnly.id].sort((a, b) => a - b));

    // A merged duplicate takes no votes and no status; it cannot be a target either.
    const c = await signedIn(await createUser(ctx.db));
    expect((await c.post(`/t/${dup.id}/vote`)).statusCode).toBe(403);
    expect((await staffClient.post(`/t/${dup.id}/status`, { status: 'planned' })).statusCode).toBe(403);
    const { topic: third } = await idea();
    const intoMerged = await staffClient.post(`/t/${third.id}/merge-idea`, { into: String(dup.id) });
    expect(intoMerged.statusCode).toBe(422);
  });

  it('refuses itself, unknown topics, topics that are not ideas and ideas the staff member cannot read (422, values kept)', async () => {
    const { topic } = await idea();
    const { topic: chat } = await createTopic(ctx.db, await createUser(ctx.db), talk);
    for (const into of [String(topic.id), '999999', String(chat.id), 'not a topic']) {
      const res = await staffClient.post(`/t/${topic.id}/merge-idea`, { into, comment: 'Why' });
      expect(res.statusCode).toBe(422);
      const doc = dom(res.body);
      expect(formField(doc, 'into').value).toBe(into);
      expect(formField(doc, 'into').error).not.toBeNull();
      expect(formField(doc, 'comment').value).toBe('Why');
    }
    expect((await staffClient.post(`/t/${topic.id}/merge-idea`, { into: '' })).statusCode).toBe(422);
    expect((await topicRow(topic.id)).idea_status).toBe('new');
    expect(await audit(topic.id)).toEqual([]);
  });
});

describe('idea lists', () => {
  it('sort by votes (paged by key), newest, and filter by status', async () => {
    const board = await createCategory(ctx.db, { name: 'Board', kind: 'ideas' });
    const author = await createUser(ctx.db);
    const made: number[] = [];
    for (let i = 0; i < 33; i++) made.push((await createTopic(ctx.db, author, board, { title: `Idea number ${i}` })).topic.id);
    // Votes by hand (with their rows, so the counts stay true): idea i gets i % 5 votes.
    const voters = await Promise.all(Array.from({ length: 4 }, () => createUser(ctx.db)));
    for (const [i, id] of made.entries()) {
      const n = i % 5;
      if (n) await ctx.db.insertInto('idea_votes').values(voters.slice(0, n).map((v) => ({ topic_id: id, user_id: v.id }))).execute();
      await ctx.db.updateTable('topics').set({ vote_count: n }).where('id', '=', id).execute();
    }
    expect(await voteDrift()).toEqual([]);
    const guest = people.browser(ctx.app);
    const first = dom((await guest.get(`/c/${board.slug}?sort=votes`)).body);
    expect(first.querySelector('#idea-sort-votes')?.getAttribute('aria-current')).toBe('page');
    const ids = [...first.querySelectorAll('#topic-list > li.topic-row')].map((li) => Number(li.id.replace('topic-', '')));
    expect(ids.length).toBe(30);
    const more = first.querySelector('#load-more a')?.getAttribute('href') ?? '';
    expect(more).toMatch(/^\/c\/[^?]+\?sort=votes&before=\d+_\d+$/);
    const next = await guest.get(more, { htmx: true });
    expect(next.body).not.toContain('<html');
    const rest = [...dom(next.body).querySelectorAll('li.topic-row')].map((li) => Number(li.id.replace('topic-', '')));
    const expected = made.map((id, i) => ({ id, votes: i % 5 })).sort((a, b) => b.votes - a.votes || b.id - a.id).map((x) => x.id);
    expect([...ids, ...rest]).toEqual(expected);

    const newest = dom((await guest.get(`/c/${board.slug}?sort=newest`)).body);
    expect(newest.querySelector('#topic-list > li.topic-row')?.id).toBe(`topic-${made.at(-1)}`);

    await ctx.db.updateTable('topics').set({ idea_status: 'planned' }).where('id', 'in', [made[3]!, made[7]!]).execute();
    const planned = dom((await guest.get(`/c/${board.slug}?status=planned&sort=votes`)).body);
    expect([...planned.querySelectorAll('li.topic-row')].map((li) => li.id)).toEqual([`topic-${made[3]}`, `topic-${made[7]}`]);
    expect(planned.querySelector('#f-idea-status-filter option[value="planned"]')?.hasAttribute('selected')).toBe(true);
    expect(dom((await guest.get(`/c/${board.slug}?status=declined`)).body).querySelector('li.topic-row')).toBeNull();

    // The default order (latest activity) still pages with its own cursor; unknown values fall back; bad cursors are not found.
    const plain = dom((await guest.get(`/c/${board.slug}`)).body);
    expect(plain.querySelector('#idea-sort-activity')?.getAttribute('aria-current')).toBe('page');
    expect(plain.querySelector('#load-more a')?.getAttribute('href')).toMatch(/^\/c\/[^?]+\?before=\d+_\d+$/);
    expect((await guest.get(`/c/${board.slug}?sort=bogus&status=bogus`)).statusCode).toBe(200);
    expect((await guest.get(`/c/${board.slug}?sort=votes&before=zzz`)).statusCode).toBe(404);
    // Other kinds of category show no idea tabs.
    expect(dom((await guest.get(`/c/${talk.slug}`)).body).querySelector('#idea-board-nav')).toBeNull();
  });
});

describe('voting from the board', () => {
  it('each row has a vote button: a form post without JS (303 back to the board), htmx swaps the button in place', async () => {
    const board = await createCategory(ctx.db, { name: 'Row votes', kind: 'ideas' });
    const { topic } = await createTopic(ctx.db, await createUser(ctx.db), board, { title: 'Offline mode for the app' });
    const member = await createUser(ctx.db);
    const c = await signedIn(member);
    const form = dom((await c.get(`/c/${board.slug}`)).body).querySelector(`#topic-${topic.id} form#idea-row-vote-${topic.id}`);
    expect(form?.getAttribute('action')).toBe(`/t/${topic.id}/vote`);
    expect(form?.getAttribute('hx-post')).toBe(`/t/${topic.id}/vote`);
    expect((form?.querySelector('input[name=in]') as HTMLInputElement).value).toBe('list');
    expect(form?.querySelector('button')?.getAttribute('aria-pressed')).toBe('false');

    const res = await c.post(`/t/${topic.id}/vote`, { in: 'list' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/c/${board.slug}`);
    expect(await voteRows(topic.id)).toEqual([member.id]);
    const voted = dom((await c.get(`/c/${board.slug}`)).body).querySelector(`#idea-row-vote-${topic.id}`);
    expect(voted?.getAttribute('action')).toBe(`/t/${topic.id}/unvote`);
    expect(voted?.querySelector('button')?.getAttribute('aria-pressed')).toBe('true');
    expect(text(voted?.querySelector('button span'))).toBe('1 vote');

    const hx = await c.post(`/t/${topic.id}/unvote`, { in: 'list' }, { htmx: true });
    expect(hx.statusCode).toBe(200);
    expect(hx.body).not.toContain('<html');
    expect(hx.headers.vary).toContain('HX-Request');
    const frag = dom(hx.body).querySelector(`form#idea-row-vote-${topic.id}`);
    expect(frag?.getAttribute('action')).toBe(`/t/${topic.id}/vote`);
    expect(text(frag?.querySelector('button span'))).toBe('0 votes');
    expect(await voteRows(topic.id)).toEqual([]);
    expect(await voteDrift()).toEqual([]);
    // Twice in a row from a stale page changes nothing more.
    expect((await c.post(`/t/${topic.id}/unvote`, { in: 'list' }, { htmx: true })).statusCode).toBe(200);
    expect((await topicRow(topic.id)).vote_count).toBe(0);
  });

  it('guests and suspended members see the count without a button; a finished idea offers only taking a vote back', async () => {
    const board = await createCategory(ctx.db, { name: 'Row votes 2', kind: 'ideas' });
    const { topic } = await createTopic(ctx.db, await createUser(ctx.db), board, { title: 'Export my data as CSV' });
    const guest = people.browser(ctx.app);
    const row = dom((await guest.get(`/c/${board.slug}`)).body).querySelector(`#topic-${topic.id}`);
    expect(row?.querySelector('form')).toBeNull();
    expect(text(row?.querySelector('.idea-row-votes'))).toBe('0 votes');
    const login = await guest.post(`/t/${topic.id}/vote`, { in: 'list' });
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toMatch(/^\/login/);
    const suspended = await createUser(ctx.db, { suspended_until: new Date(Date.now() + DAY) });
    const s = await people.withSession(ctx.app, ctx.db, suspended);
    expect(dom((await s.get(`/c/${board.slug}`)).body).querySelector(`#idea-row-vote-${topic.id}`)).toBeNull();

    const voter = await createUser(ctx.db);
    const other = await createUser(ctx.db);
    const v = await signedIn(voter);
    expect((await v.post(`/t/${topic.id}/vote`, { in: 'list' })).statusCode).toBe(303);
    await ctx.db.updateTable('topics').set({ idea_status: 'done' }).where('id', '=', topic.id).execute();
    expect(dom((await v.get(`/c/${board.slug}`)).body).querySelector(`#idea-row-vote-${topic.id}`)?.getAttribute('action')).toBe(`/t/${topic.id}/unvote`);
    const o = await signedIn(other);
    expect(dom((await o.get(`/c/${board.slug}`)).body).querySelector(`#idea-row-vote-${topic.id}`)).toBeNull();
    expect((await o.post(`/t/${topic.id}/vote`, { in: 'list' })).statusCode).toBe(403);
    expect(await voteRows(topic.id)).toEqual([voter.id]);
  });
});
