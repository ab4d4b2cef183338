import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Category, User } from '../../server/db/types.js';
import { sendDigests } from '../../server/features/notifications/digest.mail.js';
import { effectivePrefs, savePrefs } from '../../server/features/notifications/email-prefs.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { type ReceivedMail, startSmtp, listHeaders } from '../helpers/smtp.js';

let ctx: TestContext;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let lounge: Category;
let teamRoom: Category;
let staff: User;
/** Everyone's activity below is in these topics. */
let busy: { id: number };
let quiet: { id: number };
let alreadyRead: { id: number };
let secret: { id: number };
let stale: { id: number };

const DAY = 86400_000;

beforeAll(async () => {
  smtp = await startSmtp();
  ctx = await createTestApp({ smtpUrl: smtp.url, baseUrl: 'https://forum.example.com' });
  lounge = await createCategory(ctx.db, { name: 'Lounge' });
  teamRoom = await createCategory(ctx.db, { name: 'Team room', read_access: 'staff', post_access: 'staff' });
  staff = await createUser(ctx.db, { role: 'staff', username: 'staff_sam' });
  // Staff post freely (no new-member limits), so one author can make the whole scene.
  const topic = async (title: string, category: Category, replies: number) => {
    const { topic: t } = await createTopic(ctx.db, staff, category, { title });
    for (let i = 0; i < replies; i++) await createReply(ctx.db, staff, t.id, `Reply number ${i + 1}.`);
    return t;
  };
  busy = await topic('Busy thread about batteries', lounge, 4);
  quiet = await topic('Quiet thread about chargers', lounge, 1);
  alreadyRead = await topic('Thread everyone has read', lounge, 3);
  secret = await topic('Secret staff plans', teamRoom, 6);
  stale = await topic('Stale thread from last month', lounge, 2);
  await ctx.db.updateTable('posts').set({ created_at: new Date(Date.now() - 30 * DAY) }).where('topic_id', '=', stale.id).execute();
  await ctx.db.updateTable('topics').set({ last_posted_at: new Date(Date.now() - 30 * DAY) }).where('id', '=', stale.id).execute();
});
afterAll(async () => {
  await ctx.close();
  await smtp.close();
});
beforeEach(() => {
  smtp.mails.length = 0;
});

async function run() {
  await sendDigests(ctx.db, ctx.config);
  await ctx.app.mail.flush();
}

const mailsTo = (u: User) => smtp.mails.filter((m) => m.to === u.email);

/** A member who signed up `days` ago and has read `alreadyRead` to the end. */
async function reader(days: number, opts: Parameters<typeof createUser>[1] = {}) {
  const u = await createUser(ctx.db, { created_at: new Date(Date.now() - days * DAY), ...opts });
  const last = await ctx.db.selectFrom('topics').select('last_post_number').where('id', '=', alreadyRead.id).executeTakeFirstOrThrow();
  await ctx.db.insertInto('topic_reads').values({ user_id: u.id, topic_id: alreadyRead.id, last_read_post_number: last.last_post_number, updated_at: new Date() }).execute();
  return u;
}

/** The topic links of a digest, in order. */
const topicIds = (mail: ReceivedMail) => [...mail.text.matchAll(/https:\/\/forum\.example\.com\/t\/(\d+)\//g)].map((m) => Number(m[1]));

describe('weekly digest (the default)', () => {
  it('lists unread topics from readable categories, busiest first — never a staff-only topic for a member', async () => {
    const u = await reader(8);
    await run();
    const mails = mailsTo(u);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(topicIds(mail)).toEqual([busy.id, quiet.id]);
    expect(mail.text).not.toContain('Secret staff plans');
    expect(mail.text).not.toContain('Thread everyone has read');
    expect(mail.text).not.toContain('Stale thread');
    expect(mail.subject).toBe('What’s new at Veche Test: 2 topics for you');
    expect(mail.text).toContain('Busy thread about batteries');
    expect(mail.text).toContain('Lounge · 5 new posts');
    expect(mail.html).toContain(`href="https://forum.example.com/t/${busy.id}/`);
    expect(listHeaders(mail).post).toBe('List-Unsubscribe=One-Click');
    expect(listHeaders(mail).url).toMatch(new RegExp(`^https://forum\\.example\\.com/unsubscribe/${u.id}-digest\\.`));
    expect(mail.text).toContain('Unsubscribe: stop the digest of popular topics');
  });

  it('staff see the staff-only topic in theirs (the same visibility rules as the site)', async () => {
    const other = await reader(8, { role: 'moderator' });
    await run();
    expect(topicIds(mailsTo(other)[0]!)).toEqual([secret.id, busy.id, quiet.id]);
  });

  it('is sent exactly once per period, even when runs overlap', async () => {
    const u = await reader(8);
    const another = await ctx.another();
    await Promise.all([sendDigests(ctx.db, ctx.config), sendDigests(ctx.db, ctx.config), sendDigests(another.db, another.config)]);
    await ctx.app.mail.flush();
    await run();
    expect(mailsTo(u)).toHaveLength(1);
    // A week later, having read one of the topics meanwhile: the next digest leaves it out.
    await ctx.db.updateTable('email_prefs').set({ last_digest_at: sql`now() - interval '7 days 1 minute'` }).where('user_id', '=', u.id).execute();
    await ctx.db.insertInto('topic_reads').values({ user_id: u.id, topic_id: quiet.id, last_read_post_number: 2, updated_at: new Date() }).execute();
    await run();
    expect(mailsTo(u)).toHaveLength(2);
    expect(topicIds(mailsTo(u)[1]!)).toEqual([busy.id]);
  });

  it('waits a full period after sign-up, and sends nothing (but counts the period) when nothing is unread', async () => {
    const newcomer = await reader(2);
    await run();
    expect(mailsTo(newcomer)).toHaveLength(0);
    const allRead = await reader(10);
    for (const t of [busy, quiet]) await ctx.db.insertInto('topic_reads').values({ user_id: allRead.id, topic_id: t.id, last_read_post_number: 99, updated_at: new Date() }).execute();
    await run();
    expect(mailsTo(allRead)).toHaveLength(0);
    const prefs = await ctx.db.selectFrom('email_prefs').select('last_digest_at').where('user_id', '=', allRead.id).executeTakeFirstOrThrow();
    expect(prefs.last_digest_at).toBeInstanceOf(Date);
  });

  it('is in the member’s language', async () => {
    const u = await reader(8);
    await ctx.db.updateTable('users').set({ locale: 'ru' }).where('id', '=', u.id).execute();
    await run();
    const [mail] = mailsTo(u);
    expect(mail!.subject).toBe('Что нового на сайте Veche Test: 2 темы для вас');
    expect(mail!.text).toContain(`Здравствуйте, ${u.username}!`);
    expect(mail!.text).toContain('Lounge · 5 новых сообщений');
    expect(mail!.text).toContain('Отписаться: больше не присылать дайджест популярных тем');
  });
});

describe('digest choices', () => {
  it('daily is due after a day; "none" and suspended members get nothing', async () => {
    const daily = await reader(8);
    const prefs = effectivePrefs(undefined);
    prefs.digest = 'daily';
    await savePrefs(ctx.db, daily.id, prefs);
    await ctx.db.updateTable('email_prefs').set({ last_digest_at: sql`now() - interval '25 hours'` }).where('user_id', '=', daily.id).execute();
    const none = await reader(8);
    await savePrefs(ctx.db, none.id, { ...prefs, digest: 'none' });
    const suspended = await reader(8, { suspended_until: new Date(Date.now() + DAY) });
    await run();
    expect(mailsTo(daily)).toHaveLength(1);
    expect(mailsTo(none)).toHaveLength(0);
    expect(mailsTo(suspended)).toHaveLength(0);
    // A daily digest is not due again within the day.
    await run();
    expect(mailsTo(daily)).toHaveLength(1);
  });

  it('after a long pause, reports recent topics only (at most two periods back)', async () => {
    const returning = await reader(400);
    await savePrefs(ctx.db, returning.id, effectivePrefs(undefined));
    await ctx.db.updateTable('email_prefs').set({ last_digest_at: sql`now() - interval '300 days'` }).where('user_id', '=', returning.id).execute();
    await run();
    const [mail] = mailsTo(returning);
    expect(topicIds(mail!)).toEqual([busy.id, quiet.id]);
    expect(mail!.text).not.toContain('Stale thread');
  });
});
