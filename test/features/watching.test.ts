import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Category, Role, User } from '../../server/db/types.js';
import { quoteMarkdown } from '../../server/content/cook.js';
import { extractRefs } from '../../server/features/watching/watching.mentions.js';
import { canBeNotified, canMuteUser, readAccessFor, recipientReadAccess } from '../../server/policy/index.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { asViewer, createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';
import * as topics from '../../server/features/topics/topics.service.js';
import { insertQueuedPost } from '../../server/features/moderation/approvals.queries.js';
import { approveQueuedPost } from '../../server/features/moderation/approvals.service.js';

let ctx: TestContext;
let talk: Category;
let staffOnly: Category;

beforeAll(async () => {
  ctx = await createTestApp();
  talk = await createCategory(ctx.db, { name: 'Lounge' });
  staffOnly = await createCategory(ctx.db, { name: 'Team room', read_access: 'staff', post_access: 'staff' });
});
afterAll(async () => ctx.close());

/** Every notification of a user about posts, as [kind, actor, post] (the fan-out writes nothing else). */
async function told(user: User) {
  const rows = await ctx.db.selectFrom('notifications').select(['kind', 'actor_id', 'post_id']).where('user_id', '=', user.id).orderBy('id').execute();
  return rows.map((r) => [r.kind, r.actor_id, r.post_id]);
}

async function toldKinds(user: User) {
  const rows = await ctx.db.selectFrom('notifications').select('kind').where('user_id', '=', user.id).where('kind', 'in', ['reply', 'mention', 'quote', 'watched_post', 'watched_topic']).orderBy('id').execute();
  return rows.map((r) => r.kind);
}

async function topicLevel(user: User, topicId: number) {
  return (await ctx.db.selectFrom('topic_watches').select('level').where('user_id', '=', user.id).where('topic_id', '=', topicId).executeTakeFirst())?.level ?? null;
}

/** A member who posts through the service the web uses for replies (the fan-out runs inside it). */
const reply = (author: User, topicId: number, body: string, replyTo: number | null = null) => topics.replyToTopic(ctx.db, asViewer(author), topicId, { body, reply_to: replyTo });

describe('who may be told (pure policy)', () => {
  const ROLES: Role[] = ['member', 'moderator', 'staff', 'admin'];
  it.each(ROLES)('recipientReadAccess(%s) is what readAccessFor gives a working account of that role', (role) => {
    const viewer = { id: 1, username: 'x', role, trust_level: 1, created_at: new Date(), silenced_until: null, suspended_until: null };
    expect(recipientReadAccess(role)).toEqual(readAccessFor(viewer));
  });

  it('members hear about public and members-only categories, staff roles also about staff-only ones', () => {
    const table = ROLES.map((role) => [role, ...(['everyone', 'members', 'staff'] as const).map((read_access) => canBeNotified({ role, suspended_until: null }, { read_access }))]);
    expect(table).toEqual([
      ['member', true, true, false],
      ['moderator', true, true, true],
      ['staff', true, true, true],
      ['admin', true, true, true],
    ]);
  });

  it('a suspended account hears nothing until the suspension ends', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    expect(canBeNotified({ role: 'admin', suspended_until: new Date('2026-06-02T00:00:00Z') }, { read_access: 'everyone' }, now)).toBe(false);
    expect(canBeNotified({ role: 'member', suspended_until: new Date('2026-05-31T00:00:00Z') }, { read_access: 'everyone' }, now)).toBe(true);
  });

  it('members mute other members, never themselves or staff', () => {
    const me = { id: 1, username: 'me', role: 'member' as const, trust_level: 1, created_at: new Date(), silenced_until: null, suspended_until: null };
    expect(canMuteUser(me, { id: 2, role: 'member' })).toBe(true);
    expect(canMuteUser(me, { id: 1, role: 'member' })).toBe(false);
    expect(canMuteUser(me, { id: 2, role: 'moderator' })).toBe(false);
    expect(canMuteUser(null, { id: 2, role: 'member' })).toBe(false);
    expect(canMuteUser({ ...me, suspended_until: new Date(Date.now() + 3600_000) }, { id: 2, role: 'member' })).toBe(false);
  });
});

describe('mentions and quotes in markdown', () => {
  it('finds @names once each, in order, case-folded; not e-mail addresses, code or quoted text', () => {
    const md = 'Hi @Anna and @bob_2, also @anna again.\nMail me at me@example.com\n`@code_name` and\n```\n@fenced\n```\n> @inquote said\n    @indented';
    expect(extractRefs(md)).toEqual({ mentions: ['anna', 'bob_2'], quotes: [] });
  });

  it('the app’s quote block names the quoted member (and is not a mention)', () => {
    const md = `${quoteMarkdown('Boris', 'First line\nsecond @carla line')}I agree, @dima.`;
    expect(extractRefs(md)).toEqual({ mentions: ['dima'], quotes: ['boris'] });
  });

  it('Cyrillic names work', () => {
    expect(extractRefs('Спасибо, @Вера!').mentions).toEqual(['вера']);
  });
});

describe('the fan-out of a new post', () => {
  it('a reply tells the topic’s author (once), and both author and replier now track the topic', async () => {
    const author = await createUser(ctx.db);
    const replier = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, author, talk, { title: 'Gardening in the north' });
    expect(await topicLevel(author, topic.id)).toBe('tracking');
    const p = await reply(replier, topic.id, 'Raised beds help a lot.');
    expect(await told(author)).toEqual([['reply', replier.id, p.id]]);
    expect(await toldKinds(replier)).toEqual([]);
    expect(await topicLevel(replier, topic.id)).toBe('tracking');

    // The page says who and where, in the reader's language.
    const c = await people.signedIn(ctx.app, author);
    const page = dom((await c.get('/notifications')).body);
    expect(text(page.querySelector('.notification-text'))).toBe(`${replier.username} replied in “Gardening in the north”.`);
    await c.get('/locale/ru?next=/notifications');
    expect(text(dom((await c.get('/notifications')).body).querySelector('.notification-text'))).toBe(`${replier.username} ответил(а) в теме «Gardening in the north».`);
  });

  it('a reply to a post tells that post’s author too; the author’s own reply to their topic tells nobody', async () => {
    const author = await createUser(ctx.db);
    const first = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, author, talk);
    const p1 = await reply(first, topic.id, 'First!');
    const p2 = await reply(author, topic.id, 'Welcome.', p1.id);
    expect(await told(first)).toEqual([['reply', author.id, p2.id]]);
    expect(await toldKinds(author)).toEqual(['reply']);
  });

  it('one notification per person per post: the strongest reason wins (mention > quote > reply > watched)', async () => {
    const author = await createUser(ctx.db);
    const other = await createUser(ctx.db);
    const watcher = await createUser(ctx.db);
    const { topic, post } = await createTopic(ctx.db, author, talk);
    await ctx.db.insertInto('topic_watches').values({ user_id: watcher.id, topic_id: topic.id, level: 'watching' }).execute();
    // The author is replied to, quoted and mentioned; the watcher is quoted.
    const body = `${quoteMarkdown(author.username, 'The first post of this topic.')}${quoteMarkdown(watcher.username, 'x')}Right, @${author.username}.`;
    const p = await reply(other, topic.id, body, post.id);
    expect(await told(author)).toEqual([['mention', other.id, p.id]]);
    expect(await told(watcher)).toEqual([['quote', other.id, p.id]]);
    const p2 = await reply(other, topic.id, 'Another thought.');
    expect(await toldKinds(watcher)).toEqual(['quote', 'watched_post']);
    expect((await told(author)).at(-1)).toEqual(['reply', other.id, p2.id]);
  });

  it('at most 10 mentions tell anyone, the first ten eligible names in order', async () => {
    const author = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, author, talk);
    const named = await Promise.all(Array.from({ length: 12 }, () => createUser(ctx.db)));
    const suspended = await createUser(ctx.db, { suspended_until: new Date(Date.now() + 86400_000) });
    const body = [suspended, ...named].map((u) => `@${u.username}`).join(' ');
    await reply(author, topic.id, body);
    const counts = await Promise.all(named.map(async (u) => (await toldKinds(u)).length));
    // The suspended member is skipped and does not use up a place.
    expect(counts).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect(await toldKinds(suspended)).toEqual([]);
  });

  it('a mention in a staff-only category tells nobody who cannot read it (a member), but tells a moderator', async () => {
    const staff = await createUser(ctx.db, { role: 'staff' });
    const member = await createUser(ctx.db);
    const mod = await createUser(ctx.db, { role: 'moderator' });
    const { topic } = await createTopic(ctx.db, staff, staffOnly, { title: 'Secret plans for the launch' });
    const p = await reply(staff, topic.id, `@${member.username} should not hear of this.`);
    expect(await told(member)).toEqual([]);
    await reply(staff, topic.id, `@${member.username} and @${mod.username}, please look.`);
    expect(await told(member)).toEqual([]);
    expect(await toldKinds(mod)).toEqual(['mention']);
    // Even watching it (a row left from before the category became staff-only) tells a member nothing.
    await ctx.db.insertInto('topic_watches').values({ user_id: member.id, topic_id: topic.id, level: 'watching' }).execute();
    await reply(staff, topic.id, 'More.', p.id);
    expect(await told(member)).toEqual([]);
  });

  it('watching a category: a new topic tells its watchers, and so does every reply unless they chose another level for that topic', async () => {
    const cat = await createCategory(ctx.db);
    const fan = await createUser(ctx.db);
    const picky = await createUser(ctx.db);
    const author = await createUser(ctx.db);
    for (const u of [fan, picky]) await ctx.db.insertInto('category_watches').values({ user_id: u.id, category_id: cat.id, level: 'watching' }).execute();
    const { topic, post } = await createTopic(ctx.db, author, cat);
    expect(await told(fan)).toEqual([['watched_topic', author.id, post.id]]);
    await ctx.db.insertInto('topic_watches').values({ user_id: picky.id, topic_id: topic.id, level: 'normal' }).execute();
    const p = await reply(author, topic.id, 'A follow-up.');
    expect((await told(fan)).at(-1)).toEqual(['watched_post', author.id, p.id]);
    expect(await toldKinds(picky)).toEqual(['watched_topic']);
    // A category watcher who replies keeps watching (the automatic tracking would only quieten them).
    await reply(fan, topic.id, 'Thanks.');
    expect(await topicLevel(fan, topic.id)).toBeNull();
  });

  it('muted topic or category: nothing at all, not even a mention; a topic’s own level wins over the category’s', async () => {
    const cat = await createCategory(ctx.db);
    const quiet = await createUser(ctx.db);
    const author = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, quiet, cat);
    await ctx.db.updateTable('topic_watches').set({ level: 'muted' }).where('user_id', '=', quiet.id).where('topic_id', '=', topic.id).execute();
    await reply(author, topic.id, `@${quiet.username} what do you think?`);
    expect(await told(quiet)).toEqual([]);

    const { topic: t2 } = await createTopic(ctx.db, author, cat);
    await ctx.db.insertInto('category_watches').values({ user_id: quiet.id, category_id: cat.id, level: 'muted' }).execute();
    await reply(author, t2.id, `@${quiet.username} here?`);
    expect(await told(quiet)).toEqual([]);
    await ctx.db.insertInto('topic_watches').values({ user_id: quiet.id, topic_id: t2.id, level: 'watching' }).execute();
    await reply(author, t2.id, 'Now?');
    expect(await toldKinds(quiet)).toEqual(['watched_post']);
  });

  it('a muted member’s replies, mentions and quotes tell the member who muted them nothing; others still hear', async () => {
    const me = await createUser(ctx.db);
    const pest = await createUser(ctx.db);
    const friend = await createUser(ctx.db);
    const { topic, post } = await createTopic(ctx.db, me, talk);
    await ctx.db.insertInto('user_mutes').values({ user_id: me.id, muted_user_id: pest.id }).execute();
    await reply(pest, topic.id, `${quoteMarkdown(me.username, 'x')}@${me.username} hey`, post.id);
    expect(await told(me)).toEqual([]);
    await reply(friend, topic.id, 'Hello.');
    expect(await toldKinds(me)).toEqual(['reply']);
  });

  it('the automatic tracking never overrides a level the member chose', async () => {
    const author = await createUser(ctx.db);
    const member = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, author, talk);
    await ctx.db.insertInto('topic_watches').values({ user_id: member.id, topic_id: topic.id, level: 'normal' }).execute();
    await createReply(ctx.db, member, topic.id, 'Hi.');
    expect(await topicLevel(member, topic.id)).toBe('normal');
  });

  it('a suspended topic author is not told about replies', async () => {
    const author = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, author, talk);
    await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 86400_000) }).where('id', '=', author.id).execute();
    await reply(await createUser(ctx.db), topic.id, 'Anyone?');
    expect(await told(author)).toEqual([]);
  });

  it('a held reply notifies when a moderator approves it, with its author as the actor', async () => {
    const author = await createUser(ctx.db);
    const newcomer = await createUser(ctx.db);
    const mod = await createUser(ctx.db, { role: 'moderator' });
    const { topic } = await createTopic(ctx.db, author, talk);
    const queued = await insertQueuedPost(ctx.db, { user_id: newcomer.id, topic_id: topic.id, body_md: `Hello @${mod.username}`, held_reason: 'first_posts' });
    expect(await told(author)).toEqual([]);
    const { post } = await approveQueuedPost(ctx.db, asViewer(mod), queued.id);
    expect(await told(author)).toEqual([['reply', newcomer.id, post.id]]);
    expect(await toldKinds(mod)).toEqual(['mention']);
    expect(await topicLevel(newcomer, topic.id)).toBe('tracking');
  });

  it('a post through the web form notifies like the service (mention by the real reply route)', async () => {
    const author = await createUser(ctx.db);
    const named = await createUser(ctx.db);
    const { topic } = await createTopic(ctx.db, author, talk);
    const c = await people.signedIn(ctx.app, await createUser(ctx.db));
    expect((await c.post(`/t/${topic.id}/posts`, { body: `Ping @${named.username}` })).statusCode).toBe(303);
    expect(await toldKinds(named)).toEqual(['mention']);
    expect(await toldKinds(author)).toEqual(['reply']);
  });
});
