import { expect } from 'vitest';
import type { Database } from '../../server/db/index.js';
import { reactionCountDrift } from '../../server/features/reactions/reactions.queries.js';
import { reputationDrift } from '../../server/features/reputation/reputation.queries.js';

/** The reaction counts kept in a post's row. */
export async function countsOf(db: Database, postId: number) {
  return (await db.selectFrom('posts').select('reaction_counts').where('id', '=', postId).executeTakeFirstOrThrow()).reaction_counts;
}

/** The reaction rows of a post (who reacted with what). */
export function reactionRows(db: Database, postId: number) {
  return db.selectFrom('reactions').select(['user_id', 'kind']).where('post_id', '=', postId).execute();
}

/** Kept counts equal a fresh count, and every user's reputation equals their ledger's sum. */
export async function expectConsistent(db: Database): Promise<void> {
  expect(await reactionCountDrift(db)).toEqual([]);
  expect(await reputationDrift(db)).toEqual([]);
}
