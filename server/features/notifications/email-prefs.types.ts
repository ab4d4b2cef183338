import type { ColumnType } from 'kysely';

type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type MailMode = 'always' | 'away' | 'never';
export type DigestFrequency = 'none' | 'daily' | 'weekly';

/** 0019_notification_mail: a member's mail choices (absent values mean the defaults in email-prefs.ts). */
export interface EmailPrefsTable {
  user_id: number;
  /** Notification group → mode. */
  kinds: ColumnType<Partial<Record<string, MailMode>>, string | undefined, string>;
  digest: DigestFrequency | null;
  last_digest_at: NullableTimestamp;
  /** When the last notification mail was queued (mail for "when away" waits at least the delay after it). */
  last_notice_at: NullableTimestamp;
  updated_at: Timestamp;
}

declare module '../../db/types.js' {
  interface NotificationsTable {
    /** Set in the transaction that queues the notification's mail: never mailed twice. */
    emailed_at: NullableTimestamp;
  }
  interface DB {
    email_prefs: EmailPrefsTable;
  }
}
