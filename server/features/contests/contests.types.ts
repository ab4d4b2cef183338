import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** How winners are chosen: staff pick them, or members' reactions rank the entries (staff confirm). */
export type VotingMode = 'staff' | 'reactions';
export const VOTING_MODES: readonly VotingMode[] = ['staff', 'reactions'];

/** 1st, 2nd, 3rd, or null for a plain "winner". */
export type Place = 1 | 2 | 3 | null;

/** 0022_contests: contest settings of a topic (one per topic). */
export interface ContestsTable {
  topic_id: number;
  entry_deadline: Timestamp;
  voting_mode: ColumnType<VotingMode, VotingMode | undefined, VotingMode>;
  created_by: number | null;
  created_at: Timestamp;
  finished_at: NullableTimestamp;
  finished_by: number | null;
}

export interface ContestWinnersTable {
  id: Generated<number>;
  topic_id: number;
  post_id: number;
  user_id: number;
  place: number | null;
  created_at: Timestamp;
}

export type Contest = Selectable<ContestsTable>;

declare module '../../db/types.js' {
  interface DB {
    contests: ContestsTable;
    contest_winners: ContestWinnersTable;
  }
}
