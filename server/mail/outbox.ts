import './mail.types.js';
import { sql } from 'kysely';
import type { Database } from '../db/index.js';
import type { Trx } from '../features/reputation/ledger.js';
import type { Locale } from '../web/i18n/index.js';
import { type MailKind, renderMail, type MailContext } from './templates.js';
import type { MailTransport } from './transport.js';

/**
 * The transactional outbox. `enqueueMail` inserts a mail in the caller's transaction — so a rolled-back action
 * sends nothing — and `deliverDue` sends what is due after commit. Any instance may deliver: due rows are
 * CLAIMED with a short lease (FOR UPDATE SKIP LOCKED, then run_at pushed forward) and committed before the slow
 * SMTP conversation, so two workers never send the same mail and no transaction stays open during network I/O.
 * A failure is retried with exponential backoff; after MAX_ATTEMPTS the mail is marked failed. A mail is marked
 * sent right after the server accepted it; only a crash between those two steps could send it again once the
 * lease runs out (SMTP offers nothing stronger).
 */

export const MAX_ATTEMPTS = 8;
/** How long a claimed mail is left alone by other workers. */
const LEASE_SECONDS = 300;

export interface NewMail {
  kind: MailKind;
  to: string;
  locale: Locale;
  /** Message params; list mails (notification, digest) also carry arrays of items (see lists.ts). */
  data: Record<string, unknown>;
  /** Extra headers, e.g. List-Unsubscribe (RFC 8058). */
  headers?: Record<string, string>;
}

export async function enqueueMail(trx: Trx | Database, mail: NewMail): Promise<void> {
  await trx
    .insertInto('outbox')
    .values({ kind: mail.kind, to_address: mail.to, locale: mail.locale, payload: JSON.stringify(mail.data), headers: mail.headers ? JSON.stringify(mail.headers) : null })
    .execute();
}

/** Seconds before the next try after `attempts` failed ones: 30 s, 1 min, 2 min, … capped at 6 h. */
export function backoffSeconds(attempts: number): number {
  return Math.min(6 * 3600, 30 * 2 ** Math.max(0, attempts - 1));
}

export interface DeliverLog {
  warn(obj: object, msg: string): void;
}

/** Sends up to `limit` due mails; returns how many were sent. */
export async function deliverDue(db: Database, transport: MailTransport, ctx: MailContext, log: DeliverLog, limit = 20): Promise<number> {
  const { rows } = await sql<{ id: number; kind: MailKind; to_address: string; locale: Locale; payload: Record<string, unknown>; headers: Record<string, string> | null; attempts: number }>`
    update outbox set run_at = now() + make_interval(secs => ${LEASE_SECONDS}), attempts = attempts + 1
     where id in (
       select id from outbox
        where sent_at is null and failed_at is null and run_at <= now()
        order by run_at, id
        limit ${limit}
        for update skip locked)
    returning id, kind, to_address, locale, payload, headers, attempts`.execute(db);
  let sent = 0;
  for (const row of rows) {
    try {
      await transport.send({ to: row.to_address, ...renderMail(row.kind, row.locale, row.payload, ctx), ...(row.headers ? { headers: row.headers } : {}) });
      await db.updateTable('outbox').set({ sent_at: sql`now()`, last_error: null }).where('id', '=', row.id).execute();
      sent += 1;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const failed = row.attempts >= MAX_ATTEMPTS;
      log.warn({ err, mail: row.id, attempts: row.attempts, failed }, 'mail delivery failed');
      await db
        .updateTable('outbox')
        .set({ last_error: message.slice(0, 1000), run_at: sql`now() + make_interval(secs => ${backoffSeconds(row.attempts)})`, ...(failed ? { failed_at: sql`now()` } : {}) })
        .where('id', '=', row.id)
        .execute();
    }
  }
  return sent;
}
