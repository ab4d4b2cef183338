import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Category, User } from '../../server/db/types.js';
import { DEFAULT_MODES, KIND_GROUP, savePrefs, effectivePrefs } from '../../server/features/notifications/email-prefs.js';
import { forEachMember } from '../../server/features/notifications/mail-job.js';
import { notificationMailJobs, plainExcerpt, sendNotificationMail } from '../../server/features/notifications/notifications.mail.js';
import { notify, NOTIFICATION_KINDS, type NewNotification } from '../../server/features/notifications/notifications.service.js';
import { forgetCachedSettings } from '../../server/features/settings/settings.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import * as people from '../helpers/people.js';
import { startSmtp, listHeaders } from '../helpers/smtp.js';

let ctx: TestContext;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let lounge: Category;
let teamRoom: Category;
let author: User;

beforeAll(async () => {
  smtp = await startSmtp();
  ctx = await createTestApp({ smtpUrl: smtp.url, baseUrl: 'https://forum.example.com' });
  lounge = await createCategory(ctx.db, { name: 'Lounge' });
  teamRoom = await createCategory(ctx.db, { name: 'Team room', read_access: 'staff', post_access: 'staff' });
  author = await createUser(ctx.db, { username: 'anna_writer' });
});
afterAll(async () => {
  await ctx.close();
  await smtp.close();
});
beforeEach(() => {
  smtp.mails.length = 0;
});

/** One run of the job, then the outbox delivered to the SMTP server. */
async function run() {
  await sendNotificationMail(ctx.db, ctx.config);
  await ctx.app.mail.flush();
}

const mailsTo = (u: User) => smtp.mails.filter((m) => m.to === u.email);

/** A member who has been away for `awayMinutes` (last seen then, no reading since). */
async function member(awayMinutes = 60, opts: Parameters<typeof createUser>[1] = {}) {
  const u = await createUser(ctx.db, opts);
  await ctx.db.updateTable('users').set({ last_seen_at: sql`now() - make_interval(mins => ${awayMinutes})` }).where('id', '=', u.id).execute();
  return u;
}

/** A notification written the way features write them, `minutesAgo` old. */
async function notice(n: NewNotification, minutesAgo = 30) {
  await ctx.db.transaction().execute((trx) => notify(trx, n));
  await ctx.db
    .updateTable('notifications')
    .set({ created_at: sql`now() - make_interval(mins => ${minutesAgo})` })
    .where('user_id', '=', n.userId)
    .where('created_at', '>', sql<Date>`now() - interval '5 seconds'`)
    .execute();
}

/** A topic the member started an hour ago, and a reply by someone else now: what a "reply" notification points at. */
async function replyTo(u: User, body = 'Raised beds help a lot, **especially** in clay soil.') {
  const { topic } = await createTopic(ctx.db, u, lounge, { title: 'Gardening in the north' });
  await ctx.db.updateTable('posts').set({ created_at: sql`now() - interval '1 hour'` }).where('user_id', '=', u.id).execute();
  const post = await createReply(ctx.db, author, topic.id, body);
  return { topic, post };
}

describe('notification mail: when it is sent', () => {
  it('an unread reply is mailed once after the delay, with the excerpt, a link to the post and one-click unsubscribe headers', async () => {
    const u = await member();
    const { post } = await replyTo(u);
    // The real fan-out wrote the notification just now: not due yet.
    await run();
    expect(mailsTo(u)).toHaveLength(0);
    await ctx.db.updateTable('notifications').set({ created_at: sql`now() - interval '11 minutes'` }).where('user_id', '=', u.id).execute();

    await run();
    await run();
    const mails = mailsTo(u);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.subject).toBe('anna_writer replied in “Gardening in the north”.');
    expect(mail.text).toContain(`Hello, ${u.username}!`);
    expect(mail.text).toContain('«Raised beds help a lot, especially in clay soil.»');
    expect(mail.text).toContain(`https://forum.example.com/p/${post.id}`);
    expect(mail.html).toContain(`href="https://forum.example.com/p/${post.id}"`);
    expect(mail.text).toContain('https://forum.example.com/settings/mail');
    // RFC 8058: the https link in List-Unsubscribe, and List-Unsubscribe-Post saying one-click.
    const list = listHeaders(mail);
    expect(list.post).toBe('List-Unsubscribe=One-Click');
    expect(list.url).toMatch(/^https:\/\/forum\.example\.com\/unsubscribe\/\d+-replies\.[A-Za-z0-9_-]+$/);
    expect(mail.text).toContain(list.url);
    expect(mail.text).toContain('Unsubscribe: stop mail about replies to your posts');
    const row = await ctx.db.selectFrom('notifications').select('emailed_at').where('user_id', '=', u.id).executeTakeFirstOrThrow();
    expect(row.emailed_at).toBeInstanceOf(Date);
  });

  it('runs at the same time (another instance too) still send exactly one mail', async () => {
    const u = await member();
    await replyTo(u);
    await ctx.db.updateTable('notifications').set({ created_at: sql`now() - interval '30 minutes'` }).where('user_id', '=', u.id).execute();
    const other = await ctx.another();
    await Promise.all([sendNotificationMail(ctx.db, ctx.config), sendNotificationMail(ctx.db, ctx.config), sendNotificationMail(other.db, other.config)]);
    await ctx.app.mail.flush();
    expect(mailsTo(u)).toHaveLength(1);
    expect(await ctx.db.selectFrom('outbox').select('id').where('to_address', '=', u.email).execute()).toHaveLength(1);
  });

  it('a notification read before the delay is never mailed', async () => {
    const u = await member();
    await notice({ userId: u.id, kind: 'mention', actorId: author.id }, 1);
    await ctx.db.updateTable('notifications').set({ read_at: sql`now()` }).where('user_id', '=', u.id).execute();
    await ctx.db.updateTable('notifications').set({ created_at: sql`now() - interval '1 hour'` }).where('user_id', '=', u.id).execute();
    await run();
    expect(mailsTo(u)).toHaveLength(0);
  });

  it('a member seen on the site within the delay gets no "when away" mail, until they have been away long enough', async () => {
    const u = await member(2);
    await notice({ userId: u.id, kind: 'mention', actorId: author.id }, 30);
    await run();
    expect(mailsTo(u)).toHaveLength(0);
    // Reading topics counts as being seen too.
    await ctx.db.updateTable('users').set({ last_seen_at: sql`now() - interval '1 hour'` }).where('id', '=', u.id).execute();
    await ctx.db.insertInto('user_stats').values({ user_id: u.id, updated_at: new Date() }).execute();
    await run();
    expect(mailsTo(u)).toHaveLength(0);
    await ctx.db.updateTable('user_stats').set({ updated_at: sql`now() - interval '20 minutes'` }).where('user_id', '=', u.id).execute();
    await run();
    expect(mailsTo(u)).toHaveLength(1);
  });

  it('reading another notification or posting also counts as being on the site', async () => {
    const reads = await member();
    await notice({ userId: reads.id, kind: 'mention', actorId: author.id }, 40);
    await notice({ userId: reads.id, kind: 'quote', actorId: author.id }, 30);
    await ctx.db.updateTable('notifications').set({ read_at: sql`now() - interval '2 minutes'` }).where('user_id', '=', reads.id).where('kind', '=', 'quote').execute();
    const writes = await member();
    await notice({ userId: writes.id, kind: 'mention', actorId: author.id }, 40);
    await createTopic(ctx.db, writes, lounge, { title: 'Written just now' });
    await ctx.db.updateTable('users').set({ last_seen_at: sql`now() - interval '1 hour'` }).where('id', '=', writes.id).execute();
    await run();
    expect(mailsTo(reads)).toHaveLength(0);
    expect(mailsTo(writes)).toHaveLength(0);
  });

  it('"never" sends nothing; reactions are "never" by default', async () => {
    const u = await member();
    const prefs = effectivePrefs(undefined);
    prefs.modes.mentions = 'never';
    await savePrefs(ctx.db, u.id, prefs);
    await notice({ userId: u.id, kind: 'mention', actorId: author.id });
    await notice({ userId: u.id, kind: 'reaction', actorId: author.id });
    await run();
    expect(mailsTo(u)).toHaveLength(0);
  });

  it('"always" mails at once, even while the member is on the site', async () => {
    const u = await createUser(ctx.db);
    await people.signedIn(ctx.app, u);
    const prefs = effectivePrefs(undefined);
    prefs.modes.replies = 'always';
    await savePrefs(ctx.db, u.id, prefs);
    await replyTo(u);
    await run();
    expect(mailsTo(u)).toHaveLength(1);
    await run();
    expect(mailsTo(u)).toHaveLength(1);
  });

  it('the delay is an admin setting', async () => {
    const u = await member(90);
    await notice({ userId: u.id, kind: 'mention', actorId: author.id }, 45);
    await ctx.db.insertInto('settings').values({ key: 'notification_mail_delay_minutes', value: JSON.stringify(60) }).execute();
    forgetCachedSettings(ctx.db);
    try {
      await run();
      expect(mailsTo(u)).toHaveLength(0);
      await ctx.db.updateTable('notifications').set({ created_at: sql`now() - interval '61 minutes'` }).where('user_id', '=', u.id).execute();
      await run();
      expect(mailsTo(u)).toHaveLength(1);
    } finally {
      await ctx.db.deleteFrom('settings').where('key', '=', 'notification_mail_delay_minutes').execute();
      forgetCachedSettings(ctx.db);
    }
  });

  it('suspended members and notifications older than three days are not mailed', async () => {
    const suspended = await member(60, { suspended_until: new Date(Date.now() + 86400_000) });
    await notice({ userId: suspended.id, kind: 'mention', actorId: author.id });
    const old = await member(60 * 24 * 5);
    await notice({ userId: old.id, kind: 'mention', actorId: author.id }, 60 * 24 * 4);
    await run();
    expect(mailsTo(suspended)).toHaveLength(0);
    expect(mailsTo(old)).toHaveLength(0);
  });

  it('an address not yet confirmed gets no notification mail until it is', async () => {
    const unconfirmed = await member(60);
    await ctx.db.updateTable('users').set({ email_verified_at: null }).where('id', '=', unconfirmed.id).execute();
    await notice({ userId: unconfirmed.id, kind: 'mention', actorId: author.id });
    await run();
    expect(mailsTo(unconfirmed)).toHaveLength(0);
    await ctx.db.updateTable('users').set({ email_verified_at: new Date() }).where('id', '=', unconfirmed.id).execute();
    await run();
    expect(mailsTo(unconfirmed)).toHaveLength(1);
  });
});

describe('notification mail: what it says', () => {
  it('several notifications make one mail listing them all, with an unsubscribe link for all notification mail', async () => {
    const u = await member();
    await notice({ userId: u.id, kind: 'mention', actorId: author.id });
    await notice({ userId: u.id, kind: 'quote', actorId: author.id });
    await notice({ userId: u.id, kind: 'post_rejected', actorId: author.id, data: { reason: 'spam' } });
    await run();
    const mails = mailsTo(u);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('New notifications at Veche Test: 3');
    expect(mails[0]!.text).toContain('anna_writer mentioned you');
    expect(mails[0]!.text).toContain('anna_writer quoted you');
    expect(mails[0]!.text).toContain('Reason: Spam');
    expect(mails[0]!.text).toContain('https://forum.example.com/my/pending');
    expect(listHeaders(mails[0]!).url).toMatch(/\/unsubscribe\/\d+-notices\./);
    // Later notifications wait for the delay after this mail (one mail per quiet spell, not one per run).
    await notice({ userId: u.id, kind: 'mention', actorId: author.id });
    await run();
    expect(mailsTo(u)).toHaveLength(1);
    await ctx.db.updateTable('email_prefs').set({ last_notice_at: sql`now() - interval '11 minutes'` }).where('user_id', '=', u.id).execute();
    await run();
    expect(mailsTo(u)).toHaveLength(2);
  });

  it('a flood makes one mail: ten listed, the rest counted and linked, all marked mailed', async () => {
    const u = await member();
    for (let i = 0; i < 13; i++) await notice({ userId: u.id, kind: 'mention', actorId: author.id });
    await run();
    const mails = mailsTo(u);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('New notifications at Veche Test: 13');
    expect(mails[0]!.text.match(/anna_writer mentioned you/g)).toHaveLength(10);
    expect(mails[0]!.text).toContain('…and 3 more notifications\n   https://forum.example.com/notifications');
    const left = await ctx.db.selectFrom('notifications').select('id').where('user_id', '=', u.id).where('emailed_at', 'is', null).execute();
    expect(left).toHaveLength(0);
  });

  it('is in the member’s language', async () => {
    const u = await member();
    await ctx.db.updateTable('users').set({ locale: 'ru' }).where('id', '=', u.id).execute();
    await replyTo(u);
    await ctx.db.updateTable('notifications').set({ created_at: sql`now() - interval '30 minutes'` }).where('user_id', '=', u.id).execute();
    await run();
    const [mail] = mailsTo(u);
    expect(mail!.subject).toBe('anna_writer ответил(а) в теме «Gardening in the north».');
    expect(mail!.text).toContain(`Здравствуйте, ${u.username}!`);
    expect(mail!.text).toContain('Отписаться: больше не присылать письма об ответах на ваши сообщения');
    expect(mail!.html).toContain('<html lang="ru">');
  });

  it('never shows the title or text of a topic the member may no longer read', async () => {
    const staff = await createUser(ctx.db, { role: 'staff' });
    const u = await member();
    const { topic } = await createTopic(ctx.db, staff, teamRoom, { title: 'Secret launch plans' });
    const secret = await createReply(ctx.db, staff, topic.id, 'The launch is on Friday.');
    await notice({ userId: u.id, kind: 'post_restored', actorId: staff.id, topicId: topic.id, postId: secret.id });
    await run();
    const [mail] = mailsTo(u);
    expect(mail!.text).not.toContain('Secret launch');
    expect(mail!.text).not.toContain('Friday');
    expect(mail!.text).toContain('Your post in “…” is visible again.');
  });

  it('escapes what members wrote in the HTML part', async () => {
    const u = await member();
    const evil = await createUser(ctx.db, { username: 'evil_one' });
    await ctx.db.updateTable('users').set({ display_name: '<img src=x onerror=alert(1)>' }).where('id', '=', evil.id).execute();
    await notice({ userId: u.id, kind: 'mention', actorId: evil.id });
    await run();
    const [mail] = mailsTo(u);
    expect(mail!.html).not.toContain('<img');
    expect(mail!.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('the pieces', () => {
  it('every notification kind has a group, and every group a default', () => {
    for (const kind of NOTIFICATION_KINDS) expect(DEFAULT_MODES[KIND_GROUP[kind]]).toMatch(/^(always|away|never)$/);
    expect(DEFAULT_MODES.replies).toBe('away');
    expect(DEFAULT_MODES.reactions).toBe('never');
  });

  it('plain excerpts drop markup, decode entities and cut at a word', () => {
    expect(plainExcerpt('<p>Fish &amp; chips <strong>today</strong></p><script>x()</script>')).toBe('Fish & chips today');
    expect(plainExcerpt('<p>It&#39;s &#x27;ok&#x27; &lt;b&gt; &#0;</p>')).toBe("It's 'ok' <b> &#0;");
    const long = plainExcerpt(`<p>${'word '.repeat(100)}</p>`, 50);
    expect(long.length).toBeLessThanOrEqual(51);
    expect(long.endsWith('word…')).toBe(true);
  });

  it('one member’s failure does not stop the run for the others, and is reported at the end', async () => {
    const done: number[] = [];
    const run = forEachMember([1, 2, 3], async (id) => {
      if (id === 2) throw new Error('boom');
      done.push(id);
      return true;
    });
    await expect(run).rejects.toThrow('boom');
    expect(done).toEqual([1, 3]);
    expect(await forEachMember([1, 2], async (id) => id === 1)).toBe(1);
  });

  it('registers the two periodic jobs', () => {
    expect(notificationMailJobs(ctx.config).map((j) => j.name)).toEqual(['notification-mail', 'digest-mail']);
  });
});
