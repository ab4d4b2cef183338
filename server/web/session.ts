import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/index.js';
import { hashToken, randomToken } from '../lib/crypto.js';
import type { Viewer } from '../policy/index.js';
import { isVerificationRequired } from '../features/accounts/verification.rules.js';
import '../features/accounts/verification.types.js';

/** Sliding expiry is refreshed at most this often, so reading pages costs no write per request. */
const TOUCH_INTERVAL_MS = 60 * 60 * 1000;

export function sessionCookieName(config: Config): string {
  // __Host- pins the cookie to this exact origin over HTTPS (no Domain, Path=/, Secure).
  return config.secureCookies ? '__Host-veche_session' : 'veche_session';
}

function cookieOptions(config: Config, maxAgeSeconds?: number) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.secureCookies, ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}) };
}

/** Loads request.viewer from the session cookie: one indexed lookup, a write at most once an hour. */
export async function loadViewer(db: Database, config: Config, request: FastifyRequest): Promise<void> {
  request.viewer = null;
  request.sessionHash = null;
  const token = request.cookies[sessionCookieName(config)];
  if (!token || token.length > 100) return;
  const tokenHash = hashToken(token);
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'users.id', 'users.username', 'users.display_name', 'users.role', 'users.trust_level', 'users.created_at', 'users.silenced_until',
      'users.silenced_reason', 'users.suspended_until', 'users.locale', 'users.dismissed_banner_id', 'users.email_verified_at', 'sessions.last_seen_at as session_seen_at',
      // The bell's number in the same round trip: unread notifications, counted up to 100 on a partial index.
      sql<number>`(select count(*)::int from (select 1 from notifications n where n.user_id = users.id and n.read_at is null limit 100) u)`.as('unread_notifications'),
      // Whether any draft is kept (a primary-key probe), so pages look a draft up only for members who have one.
      sql<boolean>`exists (select 1 from drafts d where d.user_id = users.id)`.as('has_drafts'),
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  if (!row) return;
  const now = new Date();
  if (row.suspended_until && row.suspended_until > now) return;
  request.sessionHash = tokenHash;
  const { session_seen_at, locale, email_verified_at, ...fields } = row;
  // The settings are read only for the rare unconfirmed account (and are cached per instance).
  const viewer = { ...fields, email_unverified: !email_verified_at && (await isVerificationRequired(db, config)) };
  request.viewer = viewer satisfies Viewer;
  if (locale) request.locale = locale;
  if (now.getTime() - session_seen_at.getTime() > TOUCH_INTERVAL_MS) {
    const expires = new Date(now.getTime() + config.sessionDays * 86400_000);
    await db.updateTable('sessions').set({ last_seen_at: now, expires_at: expires }).where('token_hash', '=', tokenHash).execute();
    await db.updateTable('users').set({ last_seen_at: now }).where('id', '=', viewer.id).execute();
  }
}

/**
 * Starts a fresh session (a new random token: the old one, if any, is deleted — rotation at login
 * defeats session fixation) and sets the cookie.
 */
export async function startSession(db: Database, config: Config, request: FastifyRequest, reply: FastifyReply, userId: number): Promise<void> {
  if (request.sessionHash) await db.deleteFrom('sessions').where('token_hash', '=', request.sessionHash).execute();
  const token = randomToken();
  const expires = new Date(Date.now() + config.sessionDays * 86400_000);
  await db
    .insertInto('sessions')
    .values({ token_hash: hashToken(token), user_id: userId, expires_at: expires, ip: request.ip, user_agent: (request.headers['user-agent'] ?? '').slice(0, 300) })
    .execute();
  await db.updateTable('users').set({ last_seen_at: new Date() }).where('id', '=', userId).execute();
  reply.setCookie(sessionCookieName(config), token, cookieOptions(config, config.sessionDays * 86400));
  // A new CSRF secret is issued with the next page.
  reply.clearCookie(csrfCookieName(config), { path: '/' });
}

export async function endSession(db: Database, config: Config, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.sessionHash) await db.deleteFrom('sessions').where('token_hash', '=', request.sessionHash).execute();
  reply.clearCookie(sessionCookieName(config), { path: '/' });
  reply.clearCookie(csrfCookieName(config), { path: '/' });
}

/** Logs a user out everywhere (suspension, password change). */
export async function revokeAllSessions(db: Database, userId: number, exceptHash?: string | null): Promise<void> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptHash) q = q.where('token_hash', '!=', exceptHash);
  await q.execute();
}

export function csrfCookieName(config: Config): string {
  return config.secureCookies ? '__Host-veche_csrf' : 'veche_csrf';
}

export function csrfCookieOptions(config: Config) {
  return cookieOptions(config);
}
