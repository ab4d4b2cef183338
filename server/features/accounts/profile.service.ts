import { COOK_VERSION, cook } from '../../content/cook.js';
import type { Database } from '../../db/index.js';
import { revokeAllSessions } from '../../web/session.js';
import { FormError } from '../../web/forms.js';
import * as q from './profile.queries.js';
import { hashPassword, verifyPassword } from './passwords.js';

export const DISPLAY_NAME_MAX = 60;
export const BIO_MAX = 3000;
export const PASSWORD_MIN = 10;

export interface ProfileInput {
  display_name?: string;
  bio?: string;
  locale: 'ru' | 'en';
}

// Control characters (newlines, escapes) have no place in a one-line name shown beside every post.
const CONTROL = /\p{Cc}/u;

/** Normalised display name (trimmed, NFKC; empty → none), or a FormError. */
function cleanDisplayName(raw: string | undefined): string | null {
  const name = (raw ?? '').normalize('NFKC').trim();
  if (!name) return null;
  if (name.length > DISPLAY_NAME_MAX) throw new FormError({ display_name: { key: 'errors.tooLong', params: { limit: DISPLAY_NAME_MAX } } });
  if (CONTROL.test(name)) throw new FormError({ display_name: { key: 'errors.invalid' } });
  return name;
}

/**
 * Saves display name, bio and interface language. The bio is cooked here, once; `profileText: false`
 * (a silenced member) keeps the published text as it is and refuses a change to it.
 */
export async function updateProfile(db: Database, userId: number, input: ProfileInput, profileText = true): Promise<void> {
  const current = await q.findSettingsFor(db, userId);
  if (!current) throw new Error(`user ${userId} not found`);
  const displayName = cleanDisplayName(input.display_name);
  const bio = (input.bio ?? '').trim();
  if (bio.length > BIO_MAX) throw new FormError({ bio: { key: 'errors.tooLong', params: { limit: BIO_MAX } } });
  if (!profileText && (displayName !== current.display_name || bio !== current.bio_md)) {
    throw new FormError({ [displayName !== current.display_name ? 'display_name' : 'bio']: { key: 'settings.silencedText' } });
  }
  await q.updateProfile(db, userId, { display_name: displayName, bio_md: bio, bio_html: bio ? cook(bio) : '', bio_cook_version: COOK_VERSION, locale: input.locale });
}

export interface PasswordInput {
  current_password: string;
  new_password: string;
  confirm_password: string;
}

/** The password rules that need no database, for whichever fields are present. */
export function checkNewPassword(input: Partial<PasswordInput>): FormError['fields'] {
  const errors: FormError['fields'] = {};
  if (typeof input.new_password === 'string' && input.new_password.length < PASSWORD_MIN) errors.new_password = { key: 'errors.tooShort', params: { limit: PASSWORD_MIN } };
  else if (typeof input.new_password === 'string' && input.new_password === input.current_password) errors.new_password = { key: 'settings.passwordSame' };
  if (typeof input.confirm_password === 'string' && input.confirm_password !== input.new_password) errors.confirm_password = { key: 'settings.passwordMismatch' };
  return errors;
}

/**
 * Verifies the current password, stores the new hash and logs the account out everywhere except
 * `keepSessionHash` (the browser making the change, which the caller then rotates).
 */
export async function changePassword(db: Database, userId: number, input: PasswordInput, keepSessionHash: string | null): Promise<void> {
  const rules = checkNewPassword(input);
  const hash = await q.findPasswordHash(db, userId);
  if (!(await verifyPassword(hash ?? null, input.current_password))) rules.current_password = { key: 'settings.passwordWrong' };
  if (Object.keys(rules).length) throw new FormError(rules);
  const next = await hashPassword(input.new_password);
  await db.transaction().execute(async (trx) => {
    await q.updatePasswordHash(trx, userId, next);
    await revokeAllSessions(trx, userId, keepSessionHash);
  });
}
