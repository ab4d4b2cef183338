import type { ColumnType, Generated } from 'kysely';

/** Statuses staff choose from, in the order of an idea's life (the form lists them in this order). */
export const IDEA_STATUSES = ['new', 'under_review', 'planned', 'in_progress', 'done', 'declined'] as const;
/** `merged` is never chosen: merging a duplicate sets it (and points the duplicate at the surviving idea). */
export type IdeaStatus = (typeof IDEA_STATUSES)[number] | 'merged';
export const ALL_IDEA_STATUSES: readonly IdeaStatus[] = [...IDEA_STATUSES, 'merged'];

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface IdeaVotesTable {
  topic_id: number;
  user_id: number;
  created_at: Timestamp;
}

export interface IdeaStatusChangesTable {
  id: Generated<number>;
  topic_id: number;
  actor_id: number | null;
  from_status: IdeaStatus;
  to_status: IdeaStatus;
  comment: Generated<string>;
  created_at: Timestamp;
}

// 0013_ideas: the tables and the columns on topics, merged into the database type.
declare module '../../db/types.js' {
  interface DB {
    idea_votes: IdeaVotesTable;
    idea_status_changes: IdeaStatusChangesTable;
  }
  interface TopicsTable {
    /** Meaningful only in categories of kind `ideas`; every topic starts as `new`. */
    idea_status: Generated<IdeaStatus>;
    /** The number of idea_votes rows, kept exact by the ideas service under the topic row lock. */
    vote_count: Generated<number>;
    /** A merged duplicate's surviving idea. */
    idea_merged_into_id: number | null;
  }
}
