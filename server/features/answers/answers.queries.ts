import type { Trx } from '../reputation/ledger.js';

/** The topic row of a question, locked (after its posts: see answers.service lockAll), with what policy needs. */
export async function lockTopicForAnswer(trx: Trx, topicId: number) {
  // Lock the topic row alone (FOR UPDATE OF topics): the category is only read.
  const row = await trx
    .selectFrom('topics')
    .innerJoin('categories', 'categories.id', 'topics.category_id')
    .select([
      'topics.id', 'topics.user_id', 'topics.locked_at', 'topics.deleted_at', 'topics.reply_count', 'topics.solved_post_id',
      'categories.kind as category_kind', 'categories.read_access', 'categories.post_access',
    ])
    .where('topics.id', '=', topicId)
    .forUpdate('topics')
    .executeTakeFirst();
  if (!row) return undefined;
  const { read_access, post_access, ...topic } = row;
  return { ...topic, category: { read_access, post_access } };
}

/** The given posts, locked in id order (so two callers never wait on each other crosswise), before their topic. */
export function lockPostsForAnswer(trx: Trx, ids: number[]) {
  const unique = [...new Set(ids)].sort((a, b) => a - b);
  return trx
    .selectFrom('posts')
    .select(['id', 'topic_id', 'post_number', 'user_id', 'created_at', 'deleted_at', 'hidden_at', 'official_at'])
    .where('id', 'in', unique)
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** The topic a post belongs to (read without a lock; a post never changes topic here). */
export async function findPostTopicId(trx: Trx, postId: number): Promise<number | undefined> {
  return (await trx.selectFrom('posts').select('topic_id').where('id', '=', postId).executeTakeFirst())?.topic_id;
}

/** The topic's current official answer, if any. */
export async function findOfficialPostId(trx: Trx, topicId: number): Promise<number | undefined> {
  return (await trx.selectFrom('posts').select('id').where('topic_id', '=', topicId).where('official_at', 'is not', null).executeTakeFirst())?.id;
}

/** The topic's accepted answer, if any. */
export async function findSolvedPostId(trx: Trx, topicId: number): Promise<number | null | undefined> {
  return (await trx.selectFrom('topics').select('solved_post_id').where('id', '=', topicId).executeTakeFirst())?.solved_post_id;
}
