import type { Database } from '../../db/index.js';
import { enqueueMail } from '../../mail/outbox.js';
import { signingKey } from '../../mail/signing.js';
import { readAccessFor } from '../../policy/index.js';
import { type MessageKey, translator } from '../../web/i18n/index.js';
import { forEachMember, type MailJobConfig } from './mail-job.js';
import * as q from './notifications.mail.queries.js';
import { unsubscribeHeaders, unsubscribeUrl } from './unsubscribe.js';

/**
 * Digests: daily or weekly (the member's choice; weekly by default), the liveliest topics since the last digest
 * that the member has not read, from categories they may read. Exactly once per period with any number of
 * instances: the member's email_prefs row is locked FOR UPDATE SKIP LOCKED, the period is checked again under the
 * lock, and last_digest_at moves in the transaction that queues the mail. A period with nothing unread sends
 * nothing, but still counts as done, so the member is not looked at again until the next period.
 */

const RECIPIENTS_PER_RUN = 100;
const TOPICS_PER_DIGEST = 10;

async function digestFor(db: Database, config: MailJobConfig, key: string, userId: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (!(await q.lockPrefsRow(trx, userId))) return false;
    const window = await q.digestWindow(trx, userId);
    const user = window && (await q.findRecipient(trx, userId));
    if (!window || !user) return false;
    await q.markDigestSent(trx, userId);
    const topics = await q.listDigestTopics(trx, userId, readAccessFor(user), window.since, TOPICS_PER_DIGEST);
    if (!topics.length) return false;
    const locale = user.locale ?? config.defaultLocale;
    const tr = translator(locale);
    const url = unsubscribeUrl(key, config.baseUrl, userId, 'digest');
    await enqueueMail(trx, {
      kind: 'digest',
      to: user.email,
      locale,
      data: {
        username: user.username,
        since: tr.day(window.since),
        topics: tr.tn('notifyMail.digest.topics', topics.length),
        items: topics.map((t) => ({
          title: t.title,
          meta: `${t.category_name} · ${tr.tn('notifyMail.digest.newPosts', t.new_posts)}`,
          url: `${config.baseUrl}/t/${t.id}/${encodeURIComponent(t.slug)}`,
        })),
        prefs_url: `${config.baseUrl}/settings/mail`,
        unsubscribe_url: url,
        unsubscribe_what: tr.t('notifyMail.group.digest' as MessageKey),
      },
      headers: unsubscribeHeaders(url),
    });
    return true;
  });
}

/** One run: queues every due digest (up to a limit); returns how many mails. */
export async function sendDigests(db: Database, config: MailJobConfig): Promise<number> {
  const key = await signingKey(db, config.secretKey);
  return forEachMember(await q.listDigestRecipients(db, RECIPIENTS_PER_RUN), (userId) => digestFor(db, config, key, userId));
}
