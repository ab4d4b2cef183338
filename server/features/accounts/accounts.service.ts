import { sql } from 'kysely';
import type { Config } from '../../config.js';
import type { Database } from '../../db/index.js';
import type { Role, User } from '../../db/types.js';
import { emailKey, isValidUsername, usernameKey } from '../../lib/identity.js';
import { FormError } from '../../web/forms.js';
import type { Locale } from '../../web/i18n/index.js';
import * as q from './accounts.queries.js';
import { sendVerification } from './verification.service.js';
import { hashPassword, verifyPassword } from './passwords.js';

export const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,63}$/;
// Serialises "is this the first account?" so two simultaneous first sign-ups cannot both become admin.
const FIRST_ADMIN_LOCK = 7_211_001;

export interface SignupInput {
  username: string;
  email: string;
  password: string;
  role?: Role;
}

/** The sign-up rules that need no database, for whichever fields are present (so a form shows every error at once). */
export function checkSignup(input: Partial<Record<'username' | 'email' | 'password', unknown>>): FormError['fields'] {
  const errors: FormError['fields'] = {};
  if (typeof input.username === 'string' && !isValidUsername(input.username.normalize('NFKC').trim())) errors.username = { key: 'errors.usernameFormat' };
  if (typeof input.email === 'string' && !EMAIL.test(input.email.trim())) errors.email = { key: 'errors.emailFormat' };
  if (typeof input.password === 'string' && input.password.length < 10) errors.password = { key: 'errors.tooShort', params: { limit: 10 } };
  return errors;
}

/**
 * Creates an account. Role: explicit (CLI), else ADMIN_EMAILS, else "first account on an empty forum is admin".
 * With `verify`, a member's account starts unconfirmed and the confirmation mail is queued in the same transaction.
 */
export async function registerUser(db: Database, config: Config, input: SignupInput, verify?: { locale: Locale }): Promise<User> {
  const username = input.username.normalize('NFKC').trim();
  const email = input.email.trim();
  const errors = checkSignup(input);
  if (Object.keys(errors).length) throw new FormError(errors);

  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction().execute(async (trx) => {
      let role: Role = input.role ?? 'member';
      if (!input.role) {
        if (config.adminEmails.length) {
          role = config.adminEmails.includes(emailKey(email)) ? 'admin' : 'member';
        } else {
          await sql`select pg_advisory_xact_lock(${FIRST_ADMIN_LOCK})`.execute(trx);
          if ((await q.countUsers(trx)) === 0) role = 'admin';
        }
      }
      // The forum's admin is trusted from the start; other members confirm their address when the forum asks.
      const confirm = verify && role !== 'admin' ? verify : undefined;
      const user = await q.insertUser(trx, {
        username,
        username_key: usernameKey(username),
        email,
        email_key: emailKey(email),
        password_hash: passwordHash,
        role,
        ...(confirm ? { email_verified_at: null } : {}),
      });
      if (confirm) await sendVerification(trx, user, config.baseUrl, confirm.locale);
      return user;
    });
  } catch (err) {
    const e = err as { code?: string; constraint?: string; message?: string };
    if (e.code === '23505') {
      const which = `${e.constraint ?? ''} ${e.message ?? ''}`;
      if (which.includes('email')) throw new FormError({ email: { key: 'errors.emailTaken' } });
      throw new FormError({ username: { key: 'errors.usernameTaken' } });
    }
    throw err;
  }
}

export type LoginResult = { ok: true; user: User } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'suspended'; user: User };

/** Checks credentials. Unknown user and wrong password give the same answer after the same work. */
export async function authenticate(db: Database, login: string, password: string): Promise<LoginResult> {
  const user = await q.findUserByLogin(db, login.trim());
  const valid = await verifyPassword(user?.password_hash ?? null, password);
  if (!user || !valid) return { ok: false, reason: 'invalid' };
  if (user.suspended_until && user.suspended_until > new Date()) return { ok: false, reason: 'suspended', user };
  return { ok: true, user };
}

export async function setLocale(db: Database, userId: number, locale: 'ru' | 'en'): Promise<void> {
  await db.updateTable('users').set({ locale }).where('id', '=', userId).execute();
}

export async function setRole(db: Database, userId: number, role: Role): Promise<void> {
  await db.updateTable('users').set({ role }).where('id', '=', userId).execute();
}
