import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** 0020_email_verification: confirmation links (only the token's hash is stored). */
export interface EmailVerificationsTable {
  token_hash: string;
  user_id: number;
  /** The address the link confirms (emailKey form); useless once the account's address changes. */
  email_key: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

declare module '../../db/types.js' {
  interface UsersTable {
    /** When the current address was confirmed; null while it waits for confirmation (0020). */
    email_verified_at: NullableTimestamp;
  }
  interface DB {
    email_verifications: EmailVerificationsTable;
  }
}
