import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** 0019_notification_mail: signing keys made at installation (used when SECRET_KEY is not configured). */
export interface AppSecretsTable {
  name: string;
  value: string;
  created_at: Timestamp;
}

declare module '../db/types.js' {
  interface OutboxTable {
    /** Extra headers sent with the mail as they are (List-Unsubscribe…); null for none. */
    headers: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
  }
  interface DB {
    app_secrets: AppSecretsTable;
  }
}
