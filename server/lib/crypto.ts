import { createHash, randomBytes } from 'node:crypto';

/** A random 256-bit token, URL-safe. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Tokens are stored only as their SHA-256, so a database leak yields no live sessions. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
