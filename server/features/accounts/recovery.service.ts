import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { hashToken, randomToken } from '../../lib/crypto.js';
import { emailKey } from '../../lib/identity.js';
import { enqueueMail } from '../../mail/outbox.js';
import type { Locale } from '../../web/i18n/index.js';
import { FormError } from '../../web/forms.js';
import { revokeAllSessions } from '../../web/session.js';
import * as q from './accounts.queries.js';
import { EMAIL } from './accounts.service.js';
import { PASSWORD_MIN } from './profile.service.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { requireVerification } from './verification.service.js';

/**
 * Password reset by mail and email change. A reset link is a random token (only its hash is stored) that works
 * once, for one hour, and only while the account's password and email are what they were when it was made (a
 * fingerprint of both is kept with it) — so changing either kills every link already sent.
 */

export const RESET_TTL_MS = 3600_000;

function fingerprint(user: { password_hash: string; email_key: string }): string {
  return hashToken(`${user.password_hash}\u0000${user.email_key}`);
}

/**
 * Starts a reset for the account with this email or username, if there is one (the caller answers the same
 * either way, so the form reveals nothing about who has an account). The mail goes through the outbox.
 */
export async function requestPasswordReset(db: Database, login: string, baseUrl: string, fallbackLocale: Locale): Promise<boolean> {
  const user = await q.findUserByLogin(db, login.trim());
  if (!user || (user.suspended_until && user.suspended_until > new Date())) return false;
  const token = randomToken();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('password_resets')
      .values({ token_hash: hashToken(token), user_id: user.id, fingerprint: fingerprint(user), expires_at: new Date(Date.now() + RESET_TTL_MS) })
      .execute();
    await enqueueMail(trx, {
      kind: 'password_reset',
      to: user.email,
      locale: user.locale ?? fallbackLocale,
      data: { username: user.display_name || user.username, url: `${baseUrl}/password/reset/${token}` },
    });
  });
  return true;
}

/** The account a reset token is good for right now, or undefined (unknown, used, expired, or the account changed). */
export async function findResetTarget(db: Database, token: string) {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  const row = await db
    .selectFrom('password_resets')
    .innerJoin('users', 'users.id', 'password_resets.user_id')
    .select(['password_resets.token_hash', 'password_resets.fingerprint', 'users.id', 'users.username', 'users.password_hash', 'users.email_key'])
    .where('password_resets.token_hash', '=', hashToken(token))
    .where('password_resets.used_at', 'is', null)
    .where('password_resets.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  if (!row || row.fingerprint !== fingerprint(row)) return undefined;
  return { id: row.id, username: row.username, tokenHash: row.token_hash, fingerprint: row.fingerprint };
}

export function checkResetPassword(input: { new_password?: unknown; confirm_password?: unknown }): FormError['fields'] {
  const errors: FormError['fields'] = {};
  if (typeof input.new_password === 'string' && input.new_password.length < PASSWORD_MIN) errors.new_password = { key: 'errors.tooShort', params: { limit: PASSWORD_MIN } };
  if (typeof input.confirm_password === 'string' && input.confirm_password !== input.new_password) errors.confirm_password = { key: 'settings.passwordMismatch' };
  return errors;
}

/**
 * Sets the new password through a valid token: the token is used up (and every other link of the account dies
 * with the changed fingerprint), every session is ended. Returns the user id, or undefined when the token is no
 * longer good (e.g. used by a concurrent request a moment earlier).
 */
export async function resetPassword(db: Database, token: string, input: { new_password: string; confirm_password: string }): Promise<number | undefined> {
  const rules = checkResetPassword(input);
  if (Object.keys(rules).length) throw new FormError(rules);
  const target = await findResetTarget(db, token);
  if (!target) return undefined;
  const hash = await hashPassword(input.new_password);
  return db.transaction().execute(async (trx) => {
    const used = await trx
      .updateTable('password_resets')
      .set({ used_at: sql`now()` })
      .where('token_hash', '=', target.tokenHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) return undefined;
    await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', target.id).execute();
    await revokeAllSessions(trx, target.id);
    return target.id;
  });
}

/** a***@example.com: enough for the owner to recognise, little for anyone else. */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}

/**
 * Changes the account's email after checking the current password; the old address is told (through the outbox,
 * in the same transaction). Reset links sent before die with the changed fingerprint. With `verify` (the forum
 * asks for confirmed addresses), a member's new address must be confirmed again: a link goes to it.
 */
export async function changeEmail(db: Database, userId: number, input: { current_password: string; email: string }, fallbackLocale: Locale, verify?: { baseUrl: string }): Promise<void> {
  const email = input.email.trim();
  const errors: FormError['fields'] = {};
  if (!EMAIL.test(email)) errors.email = { key: 'errors.emailFormat' };
  const user = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  if (!(await verifyPassword(user.password_hash, input.current_password))) errors.current_password = { key: 'settings.passwordWrong' };
  else if (!errors.email && emailKey(email) === user.email_key) errors.email = { key: 'errors.emailSame' };
  if (Object.keys(errors).length) throw new FormError(errors);
  try {
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ email, email_key: emailKey(email) }).where('id', '=', userId).execute();
      if (verify && user.role !== 'admin') await requireVerification(trx, { ...user, email, email_key: emailKey(email) }, verify.baseUrl, fallbackLocale);
      await enqueueMail(trx, {
        kind: 'email_changed',
        to: user.email,
        locale: user.locale ?? fallbackLocale,
        data: { username: user.display_name || user.username, masked: maskEmail(email) },
      });
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new FormError({ email: { key: 'errors.emailTaken' } });
    throw err;
  }
}
