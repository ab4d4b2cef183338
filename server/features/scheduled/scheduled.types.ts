import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface ScheduledTopicsTable {
  id: Generated<number>;
  user_id: number;
  category_id: number;
  title: string;
  body_md: string;
  publish_at: Timestamp;
  pin: Generated<boolean>;
  status: Generated<'pending' | 'published' | 'cancelled'>;
  topic_id: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

declare module '../../db/types.js' {
  interface DB {
    scheduled_topics: ScheduledTopicsTable;
  }
}
