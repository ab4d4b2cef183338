import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { User } from '../../server/db/types.js';
import { DEFAULT_MODES, findPrefs } from '../../server/features/notifications/email-prefs.js';
import { sendNotificationMail } from '../../server/features/notifications/notifications.mail.js';
import { notify } from '../../server/features/notifications/notifications.service.js';
import { unsubscribeUrl } from '../../server/features/notifications/unsubscribe.js';
import { loadConfig } from '../../server/config.js';
import { sign, signingKey, verify } from '../../server/mail/signing.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';
import { dom, text } from '../helpers/html.js';
import * as people from '../helpers/people.js';
import { startSmtp, listHeaders } from '../helpers/smtp.js';

let ctx: TestContext;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let actor: User;

beforeAll(async () => {
  smtp = await startSmtp();
  ctx = await createTestApp({ smtpUrl: smtp.url, baseUrl: 'https://forum.example.com' });
  actor = await createUser(ctx.db, { username: 'boris_actor' });
});
afterAll(async () => {
  await ctx.close();
  await smtp.close();
});
beforeEach(() => {
  smtp.mails.length = 0;
});

/** An away member with a due mention; returns the path of the unsubscribe link in the mail they get. */
async function mailedMember(): Promise<{ user: User; path: string }> {
  const user = await createUser(ctx.db);
  await ctx.db.updateTable('users').set({ last_seen_at: sql`now() - interval '1 hour'` }).where('id', '=', user.id).execute();
  await mention(user);
  await sendNotificationMail(ctx.db, ctx.config);
  await ctx.app.mail.flush();
  const mail = smtp.mails.find((m) => m.to === user.email)!;
  return { user, path: new URL(listHeaders(mail).url).pathname };
}

async function mention(user: User) {
  await ctx.db.transaction().execute((trx) => notify(trx, { userId: user.id, kind: 'mention', actorId: actor.id }));
  await ctx.db.updateTable('notifications').set({ created_at: sql`now() - interval '30 minutes'` }).where('user_id', '=', user.id).execute();
}

/** A POST exactly as a mail client makes it (RFC 8058): no cookies, no CSRF token. */
function oneClick(path: string, contentType = 'application/x-www-form-urlencoded', payload = 'List-Unsubscribe=One-Click') {
  return ctx.app.inject({ method: 'POST', url: path, headers: { 'content-type': contentType }, payload });
}

describe('one-click unsubscribe', () => {
  it('GET shows what would change without changing it; the page’s button unsubscribes, no sign-in needed', async () => {
    const { user, path } = await mailedMember();
    const c = people.browser(ctx.app);
    const page = await c.get(path);
    expect(page.statusCode).toBe(200);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const doc = dom(page.body);
    expect(text(doc.querySelector('.lead'))).toBe(`Stop mail about mentions of you for the account ${user.username}?`);
    expect(doc.querySelector('#unsubscribe-form')!.getAttribute('action')).toBe(path);
    expect((await findPrefs(ctx.db, user.id)).modes.mentions).toBe('away');

    const done = await c.post(path, { 'List-Unsubscribe': 'One-Click' }, { noCsrf: true });
    expect(done.statusCode).toBe(200);
    expect(text(dom(done.body).querySelector('.unsubscribe-done'))).toContain('no more mail about mentions of you');
    expect(dom(done.body).querySelector('a[href="/settings/mail"]')).not.toBeNull();
    const prefs = await findPrefs(ctx.db, user.id);
    expect(prefs.modes).toEqual({ ...DEFAULT_MODES, mentions: 'never' });
    expect(prefs.digest).toBe('weekly');
  });

  it('a mail client’s one-click POST works (urlencoded or multipart), and repeating it is harmless', async () => {
    const { user, path } = await mailedMember();
    expect((await oneClick(path)).statusCode).toBe(200);
    const boundary = 'xyz';
    const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
    expect((await oneClick(path, `multipart/form-data; boundary=${boundary}`, multipart)).statusCode).toBe(200);
    expect((await findPrefs(ctx.db, user.id)).modes.mentions).toBe('never');
    // And no more mail about mentions of you.
    await mention(user);
    await ctx.db.updateTable('email_prefs').set({ last_notice_at: null }).where('user_id', '=', user.id).execute();
    smtp.mails.length = 0;
    await sendNotificationMail(ctx.db, ctx.config);
    await ctx.app.mail.flush();
    expect(smtp.mails.filter((m) => m.to === user.email)).toHaveLength(0);
  });

  it('the digest link stops only the digest; the all-notifications link stops every group', async () => {
    const user = await createUser(ctx.db);
    const key = await signingKey(ctx.db, ctx.config.secretKey);
    const digest = new URL(unsubscribeUrl(key, ctx.config.baseUrl, user.id, 'digest')).pathname;
    expect(text(dom((await ctx.app.inject({ url: digest })).body).querySelector('.lead'))).toContain('the digest of popular topics');
    expect((await oneClick(digest)).statusCode).toBe(200);
    expect(await findPrefs(ctx.db, user.id)).toEqual({ modes: DEFAULT_MODES, digest: 'none' });
    const all = new URL(unsubscribeUrl(key, ctx.config.baseUrl, user.id, 'notices')).pathname;
    expect((await oneClick(all)).statusCode).toBe(200);
    const prefs = await findPrefs(ctx.db, user.id);
    expect(Object.values(prefs.modes).every((m) => m === 'never')).toBe(true);
  });

  it('a forged, altered or foreign token is not found, and changes nothing', async () => {
    const { user, path } = await mailedMember();
    const [value, sig] = path.slice('/unsubscribe/'.length).split('.') as [string, string];
    const other = await createUser(ctx.db);
    const flipped = sig.endsWith('A') ? `${sig.slice(0, -1)}B` : `${sig.slice(0, -1)}A`;
    // Well-formed but not signed by us: not found.
    const forged = [`/unsubscribe/${value}.${flipped}`, `/unsubscribe/${other.id}-mentions.${sig}`, `/unsubscribe/${value.replace('mentions', 'digest')}.${sig}`];
    for (const url of forged) {
      expect((await ctx.app.inject({ url })).statusCode, url).toBe(404);
      expect((await oneClick(url)).statusCode, url).toBe(404);
    }
    // Not even shaped like a token: a bad request.
    for (const url of [`/unsubscribe/${value}`, '/unsubscribe/nonsense', `/unsubscribe/${value}.${sig}x`, `/unsubscribe/${'x'.repeat(190)}`]) {
      expect((await ctx.app.inject({ url })).statusCode, url).toBe(400);
      expect((await oneClick(url)).statusCode, url).toBe(400);
    }
    // Signed with another installation's key.
    const foreign = new URL(unsubscribeUrl('k'.repeat(40), ctx.config.baseUrl, user.id, 'mentions')).pathname;
    expect((await oneClick(foreign)).statusCode).toBe(404);
    // A genuine token of an account that no longer exists.
    const key = await signingKey(ctx.db, ctx.config.secretKey);
    expect((await oneClick(new URL(unsubscribeUrl(key, ctx.config.baseUrl, 2_000_000_000, 'digest')).pathname)).statusCode).toBe(404);
    expect((await findPrefs(ctx.db, user.id)).modes.mentions).toBe('away');
    expect((await findPrefs(ctx.db, other.id)).modes.mentions).toBe('away');
  });

  it('only this route skips the CSRF check', async () => {
    const member = await createUser(ctx.db);
    const c = await people.signedIn(ctx.app, member);
    const res = await c.post('/settings/mail', { mentions: 'never' }, { noCsrf: true });
    expect(res.statusCode).toBe(403);
  });

  it('works with SECRET_KEY configured (links signed with it)', async () => {
    const other = await ctx.another({ secretKey: 's'.repeat(40) });
    const user = await createUser(ctx.db);
    const path = new URL(unsubscribeUrl('s'.repeat(40), ctx.config.baseUrl, user.id, 'replies')).pathname;
    expect((await other.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' })).statusCode).toBe(200);
    expect((await findPrefs(ctx.db, user.id)).modes.replies).toBe('never');
    // The installation's own key does not sign for an instance configured with SECRET_KEY.
    expect((await oneClick(path)).statusCode).toBe(404);
  });
});

describe('/settings/mail', () => {
  it('a guest is sent to log in; a post without a session changes nothing', async () => {
    const guest = people.browser(ctx.app);
    const res = await guest.get('/settings/mail');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=/settings/mail');
    const post = await guest.post('/settings/mail', { replies: 'never', digest: 'none' });
    expect(post.statusCode).toBe(303);
    expect(post.headers.location).toBe('/login?next=/settings/mail');
  });

  it('a suspended member’s leftover session counts as a guest', async () => {
    const suspended = await createUser(ctx.db, { suspended_until: new Date(Date.now() + 86400_000) });
    const c = await people.withSession(ctx.app, ctx.db, suspended);
    expect((await c.get('/settings/mail')).headers.location).toBe('/login?next=/settings/mail');
  });

  it('shows the member’s choices (defaults first), saves them, and touches nobody else’s', async () => {
    const member = await createUser(ctx.db);
    const bystander = await createUser(ctx.db);
    const c = await people.signedIn(ctx.app, member);
    const settings = dom((await c.get('/settings')).body);
    expect(settings.querySelector('a[href="/settings/mail"]')).not.toBeNull();
    const page = await c.get('/settings/mail');
    expect(page.statusCode).toBe(200);
    const doc = dom(page.body);
    expect(doc.querySelector('#f-mail-replies option[selected]')!.getAttribute('value')).toBe('away');
    expect(doc.querySelector('#f-mail-reactions option[selected]')!.getAttribute('value')).toBe('never');
    expect(doc.querySelector('#f-mail-digest option[selected]')!.getAttribute('value')).toBe('weekly');
    // Every control has a label.
    for (const select of doc.querySelectorAll('select')) expect(doc.querySelector(`label[for="${select.id}"]`), select.id).not.toBeNull();

    const form = { ...DEFAULT_MODES, replies: 'always', watching: 'away', digest: 'daily' };
    const saved = await c.post('/settings/mail', form);
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/settings/mail?saved=1');
    expect(await findPrefs(ctx.db, member.id)).toEqual({ modes: { ...DEFAULT_MODES, replies: 'always', watching: 'away' }, digest: 'daily' });
    expect(await findPrefs(ctx.db, bystander.id)).toEqual({ modes: DEFAULT_MODES, digest: 'weekly' });
    const after = dom((await c.get('/settings/mail?saved=1')).body);
    expect(after.querySelector('.email-prefs-saved')).not.toBeNull();
    expect(after.querySelector('#f-mail-replies option[selected]')!.getAttribute('value')).toBe('always');

    // With htmx, a redirect the browser follows.
    const hx = await c.post('/settings/mail', { ...form, digest: 'weekly' }, { htmx: true });
    expect(hx.statusCode).toBe(204);
    expect(hx.headers['hx-redirect']).toBe('/settings/mail?saved=1');
  });

  it('a value that is not an option is refused with 422, the form kept as sent', async () => {
    const member = await createUser(ctx.db);
    const c = await people.signedIn(ctx.app, member);
    const res = await c.post('/settings/mail', { ...DEFAULT_MODES, replies: 'always', mentions: 'sometimes', digest: 'x'.repeat(50) });
    expect(res.statusCode).toBe(422);
    const doc = dom(res.body);
    expect(text(doc.querySelector('#f-mail-mentions-error'))).toBe('Choose one of the options.');
    expect(doc.querySelector('#f-mail-digest-error')).not.toBeNull();
    expect(doc.querySelector('#f-mail-mentions')!.getAttribute('aria-invalid')).toBe('true');
    expect(doc.querySelector('#f-mail-replies option[selected]')!.getAttribute('value')).toBe('always');
    expect(await findPrefs(ctx.db, member.id)).toEqual({ modes: DEFAULT_MODES, digest: 'weekly' });
    const missing = await c.post('/settings/mail', { replies: 'never' });
    expect(missing.statusCode).toBe(422);
  });

  it('is in the member’s language', async () => {
    const member = await createUser(ctx.db);
    await ctx.db.updateTable('users').set({ locale: 'ru' }).where('id', '=', member.id).execute();
    const c = await people.signedIn(ctx.app, member);
    const doc = dom((await c.get('/settings/mail')).body);
    expect(text(doc.querySelector('h1'))).toBe('Уведомления по почте');
    expect(text(doc.querySelector('label[for="f-mail-replies"]'))).toBe('Ответы на ваши сообщения');
  });
});

describe('signing', () => {
  it('SECRET_KEY is optional, and at least 32 characters when set', () => {
    expect(loadConfig({}).secretKey).toBeNull();
    expect(loadConfig({ SECRET_KEY: ` ${'a'.repeat(32)} ` }).secretKey).toBe('a'.repeat(32));
    expect(() => loadConfig({ SECRET_KEY: 'short' })).toThrow(/^SECRET_KEY must be 32 to 512 characters/);
  });

  it('the installation key is random, stored once, and the same for every instance', async () => {
    const rows = await ctx.db.selectFrom('app_secrets').select('value').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.value).toMatch(/^[0-9a-f]{64}$/);
    const other = await ctx.another();
    expect(await signingKey(other.db, null)).toBe(rows[0]!.value);
  });

  it('a signature is bound to its purpose and value', () => {
    const token = sign('k'.repeat(32), 'unsubscribe', '7-digest');
    expect(verify('k'.repeat(32), 'unsubscribe', token)).toBe('7-digest');
    expect(verify('k'.repeat(32), 'something-else', token)).toBeNull();
    expect(verify('j'.repeat(32), 'unsubscribe', token)).toBeNull();
    expect(verify('k'.repeat(32), 'unsubscribe', token.replace('7-', '8-'))).toBeNull();
    expect(() => sign('k'.repeat(32), 'unsubscribe', 'a.b')).toThrow();
  });
});
