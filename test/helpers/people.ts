import type { FastifyInstance } from 'fastify';
import type { Database } from '../../server/db/index.js';
import type { User } from '../../server/db/types.js';
import { hashToken, randomToken } from '../../server/lib/crypto.js';
import { Client } from './client.js';

let ipSeq = 0;

/** A fresh client address per call, so per-IP limits in one test never reach another (no traffic leaves the process). */
export function nextIp(): string {
  ipSeq += 1;
  return `10.${(process.pid % 200) + 1}.${Math.floor(ipSeq / 250) % 250}.${(ipSeq % 250) + 1}`;
}

/** A browser at its own address (unless one is given). */
export function browser(app: FastifyInstance, ip = nextIp(), locale = 'en'): Client {
  return new Client(app, locale, ip);
}

/** Logs in through the real form; the client then holds the CSRF token of its new session. */
export async function signedIn(app: FastifyInstance, user: Pick<User, 'username'>): Promise<Client> {
  const c = browser(app);
  await c.login(user.username);
  return c;
}

/** A session made directly in the table, for someone who can no longer log in (e.g. a suspended user). */
export async function withSession(app: FastifyInstance, db: Database, user: Pick<User, 'id'>): Promise<Client> {
  const token = randomToken();
  await db.insertInto('sessions').values({ token_hash: hashToken(token), user_id: user.id, expires_at: new Date(Date.now() + 86400_000) }).execute();
  const c = browser(app);
  c.cookies.set('veche_session', token);
  await c.get('/');
  return c;
}
