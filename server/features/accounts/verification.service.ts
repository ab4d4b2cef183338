import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { hashToken, randomToken } from '../../lib/crypto.js';
import { enqueueMail } from '../../mail/outbox.js';
import type { Trx } from '../reputation/ledger.js';
import type { Locale } from '../../web/i18n/index.js';
import './verification.types.js';

/**
 * Address confirmation. A link is a random token (only its hash is stored) that works once, for 48 hours, and
 * only for the address it was sent to: after an email change the old links confirm nothing. Several links may be
 * live at once (a resend does not kill the mail that is still on its way); any one of them confirms.
 */

export const VERIFY_TTL_MS = 48 * 3600_000;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,100}$/;

export interface VerifyRecipient {
  id: number;
  username: string;
  display_name: string | null;
  email: string;
  email_key: string;
  locale: Locale | null;
}

/**
 * Makes a link for the account's current address and queues the mail, inside the caller's transaction (so a
 * rolled-back sign-up sends nothing).
 */
export async function sendVerification(trx: Trx | Database, user: VerifyRecipient, baseUrl: string, fallbackLocale: Locale): Promise<void> {
  const token = randomToken();
  await trx
    .insertInto('email_verifications')
    .values({ token_hash: hashToken(token), user_id: user.id, email_key: user.email_key, expires_at: new Date(Date.now() + VERIFY_TTL_MS) })
    .execute();
  await enqueueMail(trx, {
    kind: 'verify_email',
    to: user.email,
    locale: user.locale ?? fallbackLocale,
    data: { username: user.display_name || user.username, url: `${baseUrl}/verify/${token}` },
  });
}

/** Marks the account unconfirmed and sends a link (sign-up with confirmation on, or a new address). */
export async function requireVerification(trx: Trx, user: VerifyRecipient, baseUrl: string, fallbackLocale: Locale): Promise<void> {
  await trx.updateTable('users').set({ email_verified_at: null }).where('id', '=', user.id).execute();
  await sendVerification(trx, user, baseUrl, fallbackLocale);
}

export type VerifyOutcome = { ok: true; userId: number; username: string } | { ok: false };

/**
 * Uses a link: confirms the address of the link's own account (whoever opens it: holding the link proves access
 * to the mailbox). Unknown, used, expired, or for an address the account no longer has: { ok: false }.
 */
export async function verifyToken(db: Database, token: string): Promise<VerifyOutcome> {
  if (!TOKEN_SHAPE.test(token)) return { ok: false };
  return db.transaction().execute(async (trx) => {
    const used = await trx
      .updateTable('email_verifications')
      .set({ used_at: sql`now()` })
      .where('token_hash', '=', hashToken(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .returning(['user_id', 'email_key'])
      .executeTakeFirst();
    if (!used) return { ok: false as const };
    const user = await trx
      .updateTable('users')
      .set({ email_verified_at: sql`coalesce(email_verified_at, now())` })
      .where('id', '=', used.user_id)
      .where('email_key', '=', used.email_key)
      .returning(['id', 'username'])
      .executeTakeFirst();
    if (!user) return { ok: false as const };
    return { ok: true as const, userId: user.id, username: user.username };
  });
}

/** The account as the confirmation pages need it. */
export function findRecipient(db: Database, userId: number) {
  return db
    .selectFrom('users')
    .select(['id', 'username', 'display_name', 'email', 'email_key', 'locale', 'email_verified_at'])
    .where('id', '=', userId)
    .executeTakeFirst();
}
