import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Trx } from '../reputation/ledger.js';
import type { FlagReason } from './flags.schemas.js';

/**
 * The post being flagged, its row locked: every flag on one post runs one after the other, so the queue item's
 * score (kept in the row) is exact and the post is hidden at most once, whatever arrives at the same time.
 */
export function lockPostForFlag(trx: Trx, postId: number) {
  return trx
    .selectFrom('posts')
    .innerJoin('users as author', 'author.id', 'posts.user_id')
    .select(['posts.id', 'posts.topic_id', 'posts.user_id', 'posts.hidden_at', 'posts.deleted_at', 'author.trust_level as author_trust_level'])
    .where('posts.id', '=', postId)
    .modifyEnd(sql`for update of posts`)
    .executeTakeFirst();
}

/** The viewer's open flag on a post, if any (one at most: index flags_open_per_user). */
export function findOpenFlag(db: Database | Trx, postId: number, userId: number) {
  return db
    .selectFrom('flags')
    .select(['id', 'reason', 'note', 'created_at'])
    .where('post_id', '=', postId)
    .where('user_id', '=', userId)
    .where('status', '=', 'open')
    .executeTakeFirst();
}

/** What a flag's weight is made of, read fresh inside the transaction. */
export function getFlagger(trx: Trx, userId: number) {
  return trx.selectFrom('users').select(['id', 'role', 'trust_level', 'flags_agreed', 'flags_disagreed']).where('id', '=', userId).executeTakeFirstOrThrow();
}

/**
 * Adds weight to the post's pending queue item, creating it if there is none (unique index review_items_pending).
 * A new flag brings a deferred item back up.
 */
export function addToReviewItem(trx: Trx, postId: number, weight: number) {
  return trx
    .insertInto('review_items')
    .values({ post_id: postId, score: weight })
    .onConflict((oc) =>
      oc
        .column('post_id')
        .where('status', '=', 'pending')
        .doUpdateSet({ score: sql<number>`review_items.score + excluded.score`, deferred_at: null, updated_at: sql`now()` }),
    )
    .returning(['id', 'score'])
    .executeTakeFirstOrThrow();
}

export function insertFlag(trx: Trx, values: { postId: number; userId: number; reason: FlagReason; note: string; weight: number; itemId: number }) {
  return trx
    .insertInto('flags')
    .values({ post_id: values.postId, user_id: values.userId, reason: values.reason, note: values.note, weight: values.weight, review_item_id: values.itemId })
    .returning(['id'])
    .executeTakeFirstOrThrow();
}

/** The reason carrying the most weight among an item's open flags (what the author is told when it hides). */
export async function topOpenReason(trx: Trx, itemId: number): Promise<FlagReason> {
  const row = await trx
    .selectFrom('flags')
    .select(['reason', sql<number>`sum(weight)`.as('total')])
    .where('review_item_id', '=', itemId)
    .where('status', '=', 'open')
    .groupBy('reason')
    .orderBy('total', 'desc')
    .orderBy('reason')
    .executeTakeFirst();
  return (row?.reason ?? 'other') as FlagReason;
}

/** The post's pending queue item, its row locked. */
export function lockPendingItemForPost(trx: Trx, postId: number) {
  return trx.selectFrom('review_items').select(['id', 'score']).where('post_id', '=', postId).where('status', '=', 'pending').forUpdate().executeTakeFirst();
}

/** The post's latest item that moderators agreed with (an author's edit reopens its flags). */
export function findLastAgreedItem(trx: Trx, postId: number) {
  return trx.selectFrom('review_items').select(['id']).where('post_id', '=', postId).where('status', '=', 'agreed').orderBy('id', 'desc').executeTakeFirst();
}
