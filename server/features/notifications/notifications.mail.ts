import type { Database } from '../../db/index.js';
import type { Job } from '../../jobs/runner.js';
import type { ListItem } from '../../mail/lists.js';
import { enqueueMail } from '../../mail/outbox.js';
import { signingKey } from '../../mail/signing.js';
import { readAccessFor } from '../../policy/index.js';
import { type MessageKey, type Translator, translator } from '../../web/i18n/index.js';
import { badgeText } from '../badges/badges.rules.js';
import { getSettings } from '../settings/settings.js';
import { sendDigests } from './digest.mail.js';
import { forEachMember, type MailJobConfig } from './mail-job.js';
import { KIND_GROUP, mailDelayMinutes, type MailGroup, type UnsubscribeScope } from './email-prefs.js';
import * as q from './notifications.mail.queries.js';
import { unsubscribeHeaders, unsubscribeUrl } from './unsubscribe.js';

/**
 * Notification mail. A periodic job (every instance runs it; see jobs/runner.ts) finds members with notifications
 * due for mail (notifications.mail.queries.ts says when) and sends each at most ONE mail per run listing them all.
 * Exactly once, with any number of instances: the member's email_prefs row is locked FOR UPDATE SKIP LOCKED for
 * the run, the notifications are re-read under that lock, and they are marked emailed in the same transaction
 * that queues the mail in the outbox — a rollback un-queues the mail and un-marks them together.
 */

/** Members handled per run; the rest wait for the next run (oldest first). */
const RECIPIENTS_PER_RUN = 100;
/** Notifications listed in one mail (a mail stays readable; it points to the notifications page for the rest). */
const ITEMS_PER_MAIL = 10;
/** Notifications one mail covers (all marked mailed): a flood of mentions makes one mail, not ten. */
const NOTICES_PER_MAIL = 100;
const EXCERPT_CHARS = 280;
const FLAG_REASONS = ['spam', 'abuse', 'off_topic', 'staff', 'other'];

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', nbsp: ' ' };

/** Plain text from a post's cooked HTML, cut at a word near `max` characters. */
export function plainExcerpt(html: string, max = EXCERPT_CHARS): string {
  const textOnly = html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(x[0-9a-f]{1,6}|[0-9]{1,7});/gi, (m, n: string) => {
      const code = n[0] === 'x' || n[0] === 'X' ? parseInt(n.slice(1), 16) : Number(n);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    })
    .replace(/&(amp|lt|gt|quot|nbsp);/g, (_m, e: string) => ENTITIES[e]!)
    .replace(/\s+/g, ' ')
    .trim();
  if (textOnly.length <= max) return textOnly;
  const cut = textOnly.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 40)).trimEnd()}…`;
}

/** Where a notification leads, as on the notifications page: its post in place, else its topic, else the list. */
function pathOf(n: Pick<q.DueNotification, 'kind' | 'post_id' | 'topic_id'>): string {
  if (n.kind === 'post_rejected') return '/my/pending';
  if (n.post_id) return `/p/${n.post_id}`;
  if (n.topic_id) return `/t/${n.topic_id}`;
  return '/notifications';
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');
const dateText = (tr: Translator, iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : tr.date(d);
};

/** One notification worded as on the notifications page, in the member's language. */
function noticeItem(tr: Translator, n: q.DueNotification, baseUrl: string): ListItem {
  const d = n.data ?? {};
  const reason = text(d.reason);
  const until = text(d.until);
  const hasBadge = n.badge_key !== null || n.badge_name_en !== null;
  const params = {
    actor: n.actor_name ?? tr.t('notifications.someone'),
    topic: n.topic_title ?? tr.t('notifications.hiddenTopic'),
    reason: FLAG_REASONS.includes(reason) ? tr.t(`flags.reason.${reason}` as MessageKey) : reason,
    category: text(d.category),
    badge: hasBadge ? badgeText({ key: n.badge_key, name_en: n.badge_name_en ?? '', name_ru: n.badge_name_ru ?? '', description_en: '', description_ru: '' }, tr).name : '',
    status: text(d.status) ? tr.t(`ideas.status.${text(d.status)}` as MessageKey) : '',
    until: until ? (until.startsWith('9999') ? tr.t('notifications.forever') : dateText(tr, until)) : '',
    place: d.place === 1 || d.place === 2 || d.place === 3 ? tr.t(`contests.place.${d.place}`) : '',
  };
  const key = (n.kind === 'contest_won' && params.place ? 'notifications.kind.contest_won_place' : `notifications.kind.${n.kind}`) as MessageKey;
  const title = tr.t(key, params);
  return {
    // A kind with no message in the catalogue still reads as a sentence.
    title: title === key ? tr.t('notifyMail.generic' as MessageKey) : title,
    meta: params.reason ? tr.t('notifications.reason', { reason: params.reason.slice(0, 200) }) : '',
    excerpt: n.post_html ? plainExcerpt(n.post_html) : '',
    url: `${baseUrl}${pathOf(n)}`,
  };
}

/** The unsubscribe scope of a mail: its one group, or all notification mail when it mixes several. */
function scopeOf(rows: q.DueNotification[]): UnsubscribeScope {
  const groups = new Set<MailGroup | undefined>(rows.map((r) => KIND_GROUP[r.kind as keyof typeof KIND_GROUP]));
  const [only] = groups;
  return groups.size === 1 && only ? only : 'notices';
}

/** Wording of what an unsubscribe scope stops, for links and pages. */
export function scopeLabel(tr: Translator, scope: UnsubscribeScope): string {
  return tr.t(`notifyMail.group.${scope}` as MessageKey);
}

/** Queues the member's notification mail if any is due and no other run holds them; returns whether it queued one. */
async function mailMember(db: Database, config: MailJobConfig, key: string, userId: number, delay: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (!(await q.lockPrefsRow(trx, userId))) return false;
    const user = await q.findRecipient(trx, userId);
    if (!user) return false;
    const rows = await q.listDueNotifications(trx, userId, readAccessFor(user), delay, NOTICES_PER_MAIL);
    const marked = new Set(await q.markEmailed(trx, rows.map((r) => r.id)));
    const due = rows.filter((r) => marked.has(r.id));
    if (!due.length) return false;
    const scope = scopeOf(due);
    const url = unsubscribeUrl(key, config.baseUrl, userId, scope);
    const locale = user.locale ?? config.defaultLocale;
    const tr = translator(locale);
    const items = due.slice(0, ITEMS_PER_MAIL).map((n) => noticeItem(tr, n, config.baseUrl));
    const rest = due.length - items.length;
    if (rest > 0) items.push({ title: tr.tn('notifyMail.more', rest), url: `${config.baseUrl}/notifications` });
    await enqueueMail(trx, {
      kind: 'notification',
      to: user.email,
      locale,
      data: {
        username: user.username,
        count: due.length,
        ...(due.length === 1 ? { title: items[0]!.title } : {}),
        items,
        prefs_url: `${config.baseUrl}/settings/mail`,
        unsubscribe_url: url,
        unsubscribe_what: scopeLabel(tr, scope),
      },
      headers: unsubscribeHeaders(url),
    });
    await trx.updateTable('email_prefs').set({ last_notice_at: new Date() }).where('user_id', '=', userId).execute();
    return true;
  });
}

/** One run: queues notification mail for every member with some due (up to a limit); returns how many mails. */
export async function sendNotificationMail(db: Database, config: MailJobConfig): Promise<number> {
  const delay = mailDelayMinutes(await getSettings(db));
  // Read outside any transaction (on PGlite, touching db inside a transaction would deadlock).
  const key = await signingKey(db, config.secretKey);
  return forEachMember(await q.listNoticeRecipients(db, delay, RECIPIENTS_PER_RUN), (userId) => mailMember(db, config, key, userId, delay));
}

/** The periodic jobs of notification mail and digests (registered in main.ts). */
export function notificationMailJobs(config: MailJobConfig): Job[] {
  return [
    { name: 'notification-mail', intervalMs: 30_000, run: async (db) => void (await sendNotificationMail(db, config)) },
    { name: 'digest-mail', intervalMs: 5 * 60_000, run: async (db) => void (await sendDigests(db, config)) },
  ];
}
