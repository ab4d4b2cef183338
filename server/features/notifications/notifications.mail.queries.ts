import './email-prefs.types.js';
import { type RawBuilder, sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { ReadAccess, Role } from '../../db/types.js';
import type { Trx } from '../reputation/ledger.js';
import { DEFAULT_DIGEST, DEFAULT_MODES, KIND_GROUP } from './email-prefs.js';

/**
 * The SQL of notification mail and digests. One condition decides whether a notification is due for mail, and
 * both the scan for recipients and the per-recipient query use it, so they can never disagree.
 */

/** Older unread notifications are never mailed (e.g. when a member switches a group on, or after downtime). */
export const MAX_AGE_HOURS = 72;

const KINDS = JSON.stringify(KIND_GROUP);
const MODES = JSON.stringify(DEFAULT_MODES);

/**
 * Due (aliases n = notifications, u = users, p = email_prefs left-joined): unread, not mailed, recent, the member
 * not suspended and their address confirmed (an unconfirmed one may not be theirs), and the group's mode is "always", or "away" with the notification older than the delay, the
 * member not seen for the delay and no notification mail queued for them within the delay (so a busy evening makes
 * one mail, not one per run). "Seen" is any trace of activity: users.last_seen_at (moved by the session at most
 * hourly, so alone it is coarse), user_stats.updated_at (every topic read), a post written, a notification read.
 */
function dueNotification(delayMinutes: number): RawBuilder<boolean> {
  const ago = sql`now() - make_interval(mins => ${delayMinutes})`;
  const mode = sql`coalesce(p.kinds ->> (${KINDS}::jsonb ->> n.kind), ${MODES}::jsonb ->> (${KINDS}::jsonb ->> n.kind), 'never')`;
  return sql<boolean>`(n.read_at is null and n.emailed_at is null
    and n.created_at > now() - make_interval(hours => ${MAX_AGE_HOURS})
    and (u.suspended_until is null or u.suspended_until <= now())
    and u.email_verified_at is not null
    and (${mode} = 'always' or (${mode} = 'away'
      and n.created_at <= ${ago}
      and coalesce(u.last_seen_at, '-infinity'::timestamptz) <= ${ago}
      and not exists (select 1 from user_stats st where st.user_id = u.id and st.updated_at > ${ago})
      and not exists (select 1 from posts own where own.user_id = u.id and own.created_at > ${ago})
      and not exists (select 1 from notifications seen where seen.user_id = u.id and seen.read_at > ${ago})
      and (p.last_notice_at is null or p.last_notice_at <= ${ago}))))`;
}

/** Members with notification mail due, oldest waiting first. */
export async function listNoticeRecipients(db: Database, delayMinutes: number, limit: number): Promise<number[]> {
  const { rows } = await sql<{ user_id: number }>`
    select n.user_id from notifications n
      join users u on u.id = n.user_id
      left join email_prefs p on p.user_id = n.user_id
     where ${dueNotification(delayMinutes)}
     group by n.user_id
     order by min(n.id)
     limit ${limit}`.execute(db);
  return rows.map((r) => r.user_id);
}

export interface Recipient {
  id: number;
  username: string;
  email: string;
  locale: 'ru' | 'en' | null;
  role: Role;
  trust_level: number;
  created_at: Date;
  silenced_until: Date | null;
  suspended_until: Date | null;
}

export function findRecipient(trx: Trx, userId: number): Promise<Recipient | undefined> {
  return trx
    .selectFrom('users')
    .select(['id', 'username', 'email', 'locale', 'role', 'trust_level', 'created_at', 'silenced_until', 'suspended_until'])
    .where('id', '=', userId)
    .executeTakeFirst();
}

/**
 * Locks the member's email_prefs row (made with the defaults if missing) for this run; null when another run
 * (another instance) holds it — that run mails them, this one moves on.
 */
export async function lockPrefsRow(trx: Trx, userId: number) {
  await trx.insertInto('email_prefs').values({ user_id: userId }).onConflict((oc) => oc.column('user_id').doNothing()).execute();
  return trx.selectFrom('email_prefs').selectAll().where('user_id', '=', userId).forUpdate().skipLocked().executeTakeFirst();
}

export interface DueNotification {
  id: number;
  kind: string;
  data: Record<string, unknown>;
  topic_id: number | null;
  post_id: number | null;
  actor_name: string | null;
  /** Null unless the member may read the topic now. */
  topic_title: string | null;
  /** Null unless the post is visible (not deleted or hidden) in a topic the member may read. */
  post_html: string | null;
  badge_key: string | null;
  badge_name_en: string | null;
  badge_name_ru: string | null;
}

/** The member's due notifications, oldest first, with what their mail shows (only what the member may read). */
export async function listDueNotifications(trx: Trx, userId: number, access: ReadAccess[], delayMinutes: number, limit: number): Promise<DueNotification[]> {
  const readable = sql`c.read_access in (${sql.join(access)}) and t.deleted_at is null`;
  const { rows } = await sql<DueNotification>`
    select n.id, n.kind, n.data, n.topic_id, n.post_id,
           coalesce(a.display_name, a.username) as actor_name,
           case when ${readable} then t.title end as topic_title,
           case when ${readable} and po.deleted_at is null and po.hidden_at is null then po.body_html end as post_html,
           b.key as badge_key, b.name_en as badge_name_en, b.name_ru as badge_name_ru
      from notifications n
      join users u on u.id = n.user_id
      left join email_prefs p on p.user_id = n.user_id
      left join users a on a.id = n.actor_id
      left join topics t on t.id = n.topic_id
      left join categories c on c.id = t.category_id
      left join posts po on po.id = n.post_id
      left join badges b on b.id = (case when n.data->>'badge_id' ~ '^[0-9]{1,9}$' then (n.data->>'badge_id')::int end)
     where n.user_id = ${userId} and ${dueNotification(delayMinutes)}
     order by n.id
     limit ${limit}`.execute(trx);
  return rows;
}

/** Marks the notifications mailed (those not marked meanwhile); returns the ids marked. */
export async function markEmailed(trx: Trx, ids: number[]): Promise<number[]> {
  if (!ids.length) return [];
  const rows = await trx.updateTable('notifications').set({ emailed_at: sql`now()` }).where('id', 'in', ids).where('emailed_at', 'is', null).returning('id').execute();
  return rows.map((r) => r.id);
}

/** The digest period of a frequency, as SQL. */
const PERIOD = sql`(case coalesce(p.digest, ${DEFAULT_DIGEST}) when 'daily' then interval '1 day' else interval '7 days' end)`;
const DIGEST_DUE = sql<boolean>`(coalesce(p.digest, ${DEFAULT_DIGEST}) <> 'none'
  and (u.suspended_until is null or u.suspended_until <= now())
  and u.email_verified_at is not null
  and coalesce(p.last_digest_at, u.created_at) <= now() - ${PERIOD})`;

/** Members whose digest is due (the first one a period after sign-up), longest waiting first. */
export async function listDigestRecipients(db: Database, limit: number): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    select u.id from users u left join email_prefs p on p.user_id = u.id
     where ${DIGEST_DUE}
     order by coalesce(p.last_digest_at, u.created_at), u.id
     limit ${limit}`.execute(db);
  return rows.map((r) => r.id);
}

/**
 * Whether the member's digest is still due (checked again under the row lock: another run may have sent it), and
 * since when it reports: the last digest, or one period back for the first — and never more than two periods back
 * (a member who turns the digest back on after months gets recent topics, not old ones).
 */
export async function digestWindow(trx: Trx, userId: number): Promise<{ since: Date } | null> {
  const { rows } = await sql<{ since: Date }>`
    select greatest(coalesce(p.last_digest_at, now() - ${PERIOD}), now() - 2 * ${PERIOD}) as since
      from email_prefs p join users u on u.id = p.user_id
     where p.user_id = ${userId} and ${DIGEST_DUE}`.execute(trx);
  return rows[0] ?? null;
}

export async function markDigestSent(trx: Trx, userId: number): Promise<void> {
  await trx.updateTable('email_prefs').set({ last_digest_at: sql`now()` }).where('user_id', '=', userId).execute();
}

export interface DigestTopic {
  id: number;
  title: string;
  slug: string;
  category_name: string;
  new_posts: number;
}

/**
 * The digest's topics: in categories the member may read, with the most posts by others since `since` (visible
 * posts only), leaving out topics the member has read to the end (topic_reads).
 */
export async function listDigestTopics(trx: Trx, userId: number, access: ReadAccess[], since: Date, limit: number): Promise<DigestTopic[]> {
  const { rows } = await sql<DigestTopic>`
    select t.id, t.title, t.slug, c.name as category_name, count(*)::int as new_posts
      from topics t
      join categories c on c.id = t.category_id
      join posts po on po.topic_id = t.id
      left join topic_reads r on r.topic_id = t.id and r.user_id = ${userId}
     where t.deleted_at is null and t.merged_into_id is null and t.unlisted_at is null
       and c.read_access in (${sql.join(access)})
       and t.last_posted_at > ${since}
       and po.created_at > ${since} and po.deleted_at is null and po.hidden_at is null and po.user_id <> ${userId}
       and (r.last_read_post_number is null or r.last_read_post_number < t.last_post_number)
     group by t.id, c.name
     order by count(*) desc, max(po.created_at) desc, t.id desc
     limit ${limit}`.execute(trx);
  return rows;
}
