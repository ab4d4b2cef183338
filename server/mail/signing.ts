import './mail.types.js';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/index.js';

/**
 * Signed values for links that must work without a session (one-click unsubscribe): `value.signature`, the
 * signature an HMAC-SHA256 over a purpose and the value, so a token made for one purpose is useless for another.
 * The key is SECRET_KEY when configured, else the random key the migration stored (the same for every instance).
 */

const keys = new WeakMap<Database, Promise<string>>();

/** The signing key; read once per process (it never changes while the app runs). */
export function signingKey(db: Database, configured: string | null): Promise<string> {
  if (configured) return Promise.resolve(configured);
  let hit = keys.get(db);
  if (!hit) {
    hit = db
      .selectFrom('app_secrets')
      .select('value')
      .where('name', '=', 'signing')
      .executeTakeFirstOrThrow()
      .then((r) => r.value);
    // A failed read (database down) is not remembered: the next call tries again.
    hit.catch(() => keys.delete(db));
    keys.set(db, hit);
  }
  return hit;
}

function mac(key: string, purpose: string, value: string): string {
  return createHmac('sha256', key).update(`${purpose}\n${value}`).digest('base64url');
}

/** `value.signature`; the value must not contain a dot. */
export function sign(key: string, purpose: string, value: string): string {
  if (value.includes('.')) throw new Error('a signed value must not contain "."');
  return `${value}.${mac(key, purpose, value)}`;
}

/** The value of a token signed with this key and purpose, or null (forged, altered, or malformed). */
export function verify(key: string, purpose: string, token: string): string | null {
  const dot = token.lastIndexOf('.');
  if (dot <= 0 || token.length > 300) return null;
  const value = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(key, purpose, value));
  return given.length === expected.length && timingSafeEqual(given, expected) ? value : null;
}
