import type { Config } from '../../config.js';
import type { Database } from '../../db/index.js';
import { sign, signingKey, verify } from '../../mail/signing.js';
import { isUnsubscribeScope, type UnsubscribeScope } from './email-prefs.js';

/**
 * One-click unsubscribe links: /unsubscribe/<user>-<scope>.<hmac>. The signature is the whole authorization (the
 * link works without a session, RFC 8058), so it never expires: a mail read a year later still unsubscribes.
 */
const PURPOSE = 'unsubscribe';

type LinkConfig = Pick<Config, 'baseUrl' | 'secretKey'>;

/** The link for one member and scope, signed with `key` (from signingKey, read before any transaction). */
export function unsubscribeUrl(key: string, baseUrl: string, userId: number, scope: UnsubscribeScope): string {
  return `${baseUrl}/unsubscribe/${sign(key, PURPOSE, `${userId}-${scope}`)}`;
}

/** The headers of a mail with a one-click unsubscribe link. */
export function unsubscribeHeaders(url: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/** The user and scope of a genuine token, or null. */
export async function readUnsubscribeToken(db: Database, config: LinkConfig, token: string): Promise<{ userId: number; scope: UnsubscribeScope } | null> {
  const value = verify(await signingKey(db, config.secretKey), PURPOSE, token);
  const m = value ? /^([1-9][0-9]{0,9})-([a-z_]{1,20})$/.exec(value) : null;
  if (!m || !isUnsubscribeScope(m[2]!)) return null;
  const userId = Number(m[1]);
  return userId <= 2147483647 ? { userId, scope: m[2] } : null;
}
