import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { canMergeIdea, canReadTopic, canSetIdeaStatus, canUnvoteIdea, canVoteIdea, isIdea, type Viewer } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { FormError } from '../../web/forms.js';
import { recordAction } from '../moderation/audit.js';
import { notify } from '../notifications/notifications.service.js';
import type { Trx } from '../reputation/ledger.js';
import * as q from './ideas.queries.js';
import type { IdeaStatus } from './ideas.types.js';

/**
 * The idea board's writes. Each runs in one transaction with the idea's topic row locked, so parallel votes on one
 * idea queue up and `topics.vote_count` always equals its idea_votes rows; a merge locks both ideas in id order
 * (the same order everywhere, so two merges cannot deadlock). Routes authorize first; the rules are checked again
 * here on the locked row, since the idea may have changed (closed, finished, merged) in between.
 */

export const COMMENT_MAX = 1000;

/** The locked idea, or not found (gone, not an idea, or one the viewer may not read). */
async function lockIdea(trx: Trx, viewer: Viewer, topicId: number): Promise<q.LockedIdea> {
  const topic = await q.lockIdeaTopic(trx, topicId);
  if (!topic || !isIdea(topic) || !canReadTopic(viewer, topic) || topic.deleted_at) throw new NotFoundError();
  return topic;
}

export interface VoteResult {
  voted: boolean;
  count: number;
}

/** Gives (on) or takes back (off) the viewer's vote; idempotent either way. */
export async function setVote(db: Database, viewer: Viewer, topicId: number, on: boolean): Promise<VoteResult> {
  return db.transaction().execute(async (trx) => {
    const topic = await lockIdea(trx, viewer, topicId);
    if (on ? !canVoteIdea(viewer, topic) : !canUnvoteIdea(viewer, topic)) throw new ForbiddenError('ideas.cannotVote');
    const changed = on ? await q.insertVote(trx, topic.id, viewer.id) : await q.deleteVote(trx, topic.id, viewer.id);
    if (!changed) return { voted: on, count: topic.vote_count };
    const row = await trx
      .updateTable('topics')
      .set({ vote_count: sql<number>`vote_count + ${on ? 1 : -1}` })
      .where('id', '=', topic.id)
      .returning('vote_count')
      .executeTakeFirstOrThrow();
    return { voted: on, count: row.vote_count };
  });
}

/** Tells the idea's audience (voters, author, watchers: see listStatusAudience; never the staff member who acted) about its new status. */
async function notifyStatus(trx: Trx, topic: q.LockedIdea, audience: number[], actorId: number, status: IdeaStatus): Promise<void> {
  for (const userId of audience) await notify(trx, { userId, kind: 'idea_status', actorId, topicId: topic.id, data: { status } });
}

/** Staff set an idea's status with an optional public comment; history, audit and notifications in the same transaction. */
export async function setStatus(db: Database, viewer: Viewer, topicId: number, status: IdeaStatus, comment: string): Promise<void> {
  const text = comment.trim();
  if (text.length > COMMENT_MAX) throw new FormError({ comment: { key: 'errors.tooLong', params: { limit: COMMENT_MAX } } });
  await db.transaction().execute(async (trx) => {
    const topic = await lockIdea(trx, viewer, topicId);
    if (!canSetIdeaStatus(viewer, topic)) throw new ForbiddenError('ideas.cannotSetStatus');
    if (topic.idea_status === status) throw new FormError({ status: { key: 'ideas.status.unchanged' } });
    await trx.updateTable('topics').set({ idea_status: status }).where('id', '=', topic.id).execute();
    await q.insertStatusChange(trx, { topicId: topic.id, actorId: viewer.id, from: topic.idea_status, to: status, comment: text });
    await recordAction(trx, { actorId: viewer.id, action: 'idea_status', targetUserId: topic.user_id, topicId: topic.id, reason: text, details: { from: topic.idea_status, to: status } });
    await notifyStatus(trx, topic, await q.listStatusAudience(trx, topic), viewer.id, status);
  });
}

export interface MergeResult {
  into: { id: number; slug: string };
  moved: number;
}

/**
 * Merges a duplicate idea into another: its votes move (a member who voted for both keeps one vote), it is closed
 * with status `merged` pointing at the survivor, and its voters and author are told. Both counts are recounted
 * from the rows. The target must be another open idea the staff member can read (not a merged one: no chains).
 */
export async function mergeIdea(db: Database, viewer: Viewer, topicId: number, intoId: number, comment: string): Promise<MergeResult> {
  const text = comment.trim();
  if (text.length > COMMENT_MAX) throw new FormError({ comment: { key: 'errors.tooLong', params: { limit: COMMENT_MAX } } });
  if (intoId === topicId) throw new FormError({ into: { key: 'ideas.merge.self' } });
  return db.transaction().execute(async (trx) => {
    const [firstId, secondId] = topicId < intoId ? [topicId, intoId] : [intoId, topicId];
    const first = await q.lockIdeaTopic(trx, firstId);
    const second = await q.lockIdeaTopic(trx, secondId);
    const dup = firstId === topicId ? first : second;
    const into = firstId === topicId ? second : first;
    if (!dup || !isIdea(dup) || !canReadTopic(viewer, dup) || dup.deleted_at) throw new NotFoundError();
    if (!canMergeIdea(viewer, dup)) throw new ForbiddenError('ideas.cannotSetStatus');
    if (!into || !isIdea(into) || !canReadTopic(viewer, into) || into.deleted_at || into.idea_status === 'merged') {
      throw new FormError({ into: { key: 'ideas.merge.noTarget' } });
    }
    // Read before the votes move: the duplicate's voters are the ones told it was merged.
    const audience = await q.listStatusAudience(trx, dup);
    const votes = await q.countVotes(trx, dup.id);
    const moved = await q.moveVotes(trx, dup.id, into.id);
    await q.refreshVoteCount(trx, into.id);
    await q.refreshVoteCount(trx, dup.id);
    await trx
      .updateTable('topics')
      .set({ idea_status: 'merged', idea_merged_into_id: into.id, closed_at: sql`coalesce(closed_at, now())` })
      .where('id', '=', dup.id)
      .execute();
    await q.insertStatusChange(trx, { topicId: dup.id, actorId: viewer.id, from: dup.idea_status, to: 'merged', comment: text });
    await recordAction(trx, {
      actorId: viewer.id, action: 'idea_merge', targetUserId: dup.user_id, topicId: dup.id, reason: text,
      details: { into: into.id, from: dup.idea_status, votes, moved },
    });
    await notifyStatus(trx, dup, audience, viewer.id, 'merged');
    return { into: { id: into.id, slug: into.slug }, moved };
  });
}
