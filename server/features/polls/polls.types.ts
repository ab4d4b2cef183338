import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** Who sees a poll's counts: always, once the viewer has voted, or only after it closes (staff always). */
export type ResultsVisibility = 'always' | 'voted' | 'closed';
export const RESULTS_VISIBILITY: readonly ResultsVisibility[] = ['always', 'voted', 'closed'];

/** 0012_polls: one poll per topic. */
export interface PollsTable {
  id: Generated<number>;
  topic_id: number;
  user_id: number;
  question: string;
  multiple: Generated<boolean>;
  /** 1 for single choice; for multiple choice, the most options one ballot may choose. */
  max_choices: Generated<number>;
  results_visibility: ColumnType<ResultsVisibility, ResultsVisibility | undefined, ResultsVisibility>;
  /** Closes by itself at this time (null: open until staff close it). */
  closes_at: NullableTimestamp;
  /** Closed early by staff. */
  closed_at: NullableTimestamp;
  closed_by_id: number | null;
  /** The number of ballots; kept in the row with each option's vote_count. */
  voter_count: Generated<number>;
  created_at: Timestamp;
}

export interface PollOptionsTable {
  id: Generated<number>;
  poll_id: number;
  position: number;
  label: string;
  vote_count: Generated<number>;
}

export interface PollVotesTable {
  poll_id: number;
  option_id: number;
  user_id: number;
  created_at: Timestamp;
}

export type Poll = Selectable<PollsTable>;
export type PollOption = Selectable<PollOptionsTable>;

declare module '../../db/types.js' {
  interface DB {
    polls: PollsTable;
    poll_options: PollOptionsTable;
    poll_votes: PollVotesTable;
  }
}
