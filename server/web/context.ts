import type { Config } from '../config.js';
import type { Database } from '../db/index.js';
import type { LiveHub } from '../live/hub.js';
import type { MailWorker } from '../mail/worker.js';
import type { Viewer } from '../policy/index.js';
import type { Locale, Translator } from './i18n/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Database;
    /** Outbox delivery in this instance: kick() after committing something that mails. */
    mail: MailWorker;
    /** Live events (SSE) of this instance, fed by PostgreSQL LISTEN/NOTIFY. */
    live: LiveHub;
  }
  interface FastifyRequest {
    /** The signed-in user, or null for a guest (also for a suspended user's leftover session). */
    viewer: Viewer | null;
    /** Hash of the session token, when a session cookie was valid. */
    sessionHash: string | null;
    locale: Locale;
    i18n: Translator;
  }
}
