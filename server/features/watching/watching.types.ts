import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** How much a member hears about a topic or category (Discourse's four levels). */
export const WATCH_LEVELS = ['watching', 'tracking', 'normal', 'muted'] as const;
export type WatchLevel = (typeof WATCH_LEVELS)[number];

/** Per user per topic (0014_watching). */
export interface TopicWatchesTable {
  user_id: number;
  topic_id: number;
  level: WatchLevel;
  updated_at: Timestamp;
}

/** Per user per category (0014_watching). */
export interface CategoryWatchesTable {
  user_id: number;
  category_id: number;
  level: WatchLevel;
  updated_at: Timestamp;
}

/** user_id muted muted_user_id (0014_watching). */
export interface UserMutesTable {
  user_id: number;
  muted_user_id: number;
  created_at: Timestamp;
}

export interface BookmarksTable {
  id: Generated<number>;
  user_id: number;
  post_id: number;
  created_at: Timestamp;
}

declare module '../../db/types.js' {
  interface DB {
    topic_watches: TopicWatchesTable;
    category_watches: CategoryWatchesTable;
    user_mutes: UserMutesTable;
    bookmarks: BookmarksTable;
  }
}
