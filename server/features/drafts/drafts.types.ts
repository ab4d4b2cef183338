import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** 0020_email_verification: a member's half-written topic or reply, one per place. */
export interface DraftsTable {
  user_id: number;
  /** 'new_topic' or 'topic:<id>'. */
  key: string;
  title: ColumnType<string, string | undefined, string>;
  body: ColumnType<string, string | undefined, string>;
  category_id: number | null;
  updated_at: Timestamp;
}

declare module '../../db/types.js' {
  interface DB {
    drafts: DraftsTable;
  }
}
