import './email-prefs.types.js';
import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Trx } from '../reputation/ledger.js';
import { DEFAULT_SETTINGS, type Settings } from '../settings/settings.js';
import type { DigestFrequency, MailMode } from './email-prefs.types.js';
import type { NotificationKind } from './notifications.service.js';

export type { DigestFrequency, MailMode };

/**
 * Members choose mail per group of notification kinds (the moderation outcomes are one choice, not eleven) and a
 * digest frequency. Defaults, and why:
 * - what is addressed to the member personally and wants an answer or action — replies, mentions, quotes, an
 *   accepted answer, moderators' decisions about their posts, their idea's status, a contest won — is mailed
 *   "when away": unread after the delay and not seen on the site meanwhile, so an active reader gets no mail;
 * - reactions, badges and closed polls are pleasant but never urgent, and reactions come in bursts: "never";
 * - watched topics and categories can be busy, and the digest already covers activity: "never" by default, one
 *   choice away for those who want it.
 */
/** The "when away" delay in force (the admin setting; optional in Settings, so older code paths still type-check). */
export function mailDelayMinutes(settings: Pick<Settings, 'notification_mail_delay_minutes'>): number {
  return settings.notification_mail_delay_minutes ?? DEFAULT_SETTINGS.notification_mail_delay_minutes ?? 10;
}

export const MAIL_MODES: readonly MailMode[] = ['always', 'away', 'never'];
export const DIGEST_FREQUENCIES: readonly DigestFrequency[] = ['none', 'daily', 'weekly'];
export const DEFAULT_DIGEST: DigestFrequency = 'weekly';

export const MAIL_GROUPS = ['replies', 'mentions', 'quotes', 'answers', 'moderation', 'ideas', 'contests', 'watching', 'reactions', 'badges', 'polls'] as const;
export type MailGroup = (typeof MAIL_GROUPS)[number];

export const DEFAULT_MODES: Readonly<Record<MailGroup, MailMode>> = {
  replies: 'away', mentions: 'away', quotes: 'away', answers: 'away', moderation: 'away', ideas: 'away', contests: 'away',
  watching: 'never', reactions: 'never', badges: 'never', polls: 'never',
};

/** Every notification kind's group; a new kind fails to compile until it is placed here. */
export const KIND_GROUP: Readonly<Record<NotificationKind, MailGroup>> = {
  reply: 'replies', mention: 'mentions', quote: 'quotes', answer_accepted: 'answers',
  post_hidden: 'moderation', post_restored: 'moderation', post_deleted: 'moderation', flag_agreed: 'moderation', flag_disagreed: 'moderation',
  post_approved: 'moderation', post_rejected: 'moderation', silenced: 'moderation', topic_moved: 'moderation', topic_closed: 'moderation',
  topic_locked: 'moderation', idea_status: 'ideas', contest_won: 'contests', watched_post: 'watching', watched_topic: 'watching',
  reaction: 'reactions', badge_granted: 'badges', poll_closed: 'polls',
};

/** What an unsubscribe link stops: one group, all notification mail, or the digest. */
export type UnsubscribeScope = MailGroup | 'notices' | 'digest';

export function isUnsubscribeScope(v: string): v is UnsubscribeScope {
  return v === 'notices' || v === 'digest' || (MAIL_GROUPS as readonly string[]).includes(v);
}

export interface EmailPrefs {
  modes: Record<MailGroup, MailMode>;
  digest: DigestFrequency;
}

/** Stored choices over the defaults; anything unknown in the row is ignored. */
export function effectivePrefs(row: { kinds: Partial<Record<string, MailMode>>; digest: DigestFrequency | null } | undefined): EmailPrefs {
  const modes = { ...DEFAULT_MODES };
  for (const g of MAIL_GROUPS) {
    const m = row?.kinds[g];
    if (m && MAIL_MODES.includes(m)) modes[g] = m;
  }
  return { modes, digest: row?.digest ?? DEFAULT_DIGEST };
}

/** The member's choices (defaults when they never chose). */
export async function findPrefs(db: Database, userId: number): Promise<EmailPrefs> {
  const row = await db.selectFrom('email_prefs').select(['kinds', 'digest']).where('user_id', '=', userId).executeTakeFirst();
  return effectivePrefs(row);
}

/** Stores every choice at once (the preferences form always sends them all). */
export async function savePrefs(db: Database | Trx, userId: number, prefs: EmailPrefs): Promise<void> {
  const kinds = JSON.stringify(prefs.modes);
  await db
    .insertInto('email_prefs')
    .values({ user_id: userId, kinds, digest: prefs.digest })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ kinds, digest: prefs.digest, updated_at: sql`now()` }))
    .execute();
}

/** Turns the scope's mail off; returns the choices now in force. Repeating it changes nothing. */
export async function unsubscribe(db: Database, userId: number, scope: UnsubscribeScope): Promise<EmailPrefs> {
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('email_prefs').values({ user_id: userId }).onConflict((oc) => oc.column('user_id').doNothing()).execute();
    const row = await trx.selectFrom('email_prefs').select(['kinds', 'digest']).where('user_id', '=', userId).forUpdate().executeTakeFirstOrThrow();
    const prefs = effectivePrefs(row);
    if (scope === 'digest') prefs.digest = 'none';
    else for (const g of MAIL_GROUPS) if (scope === 'notices' || scope === g) prefs.modes[g] = 'never';
    await savePrefs(trx, userId, prefs);
    return prefs;
  });
}
