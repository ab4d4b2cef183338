import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { canPinTopic, canReadCategory, type Viewer } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { FormError } from '../../web/forms.js';
import type { Trx } from '../reputation/ledger.js';
import { type AuditAction, recordAction } from './audit.js';
import { notify } from '../notifications/notifications.service.js';

/**
 * Topic tools: lock, close, pin, slow mode and moving between categories. Each runs in its own transaction with
 * the topic row locked and writes its audit entry in that transaction; a tool that changes nothing (locking a
 * locked topic) records nothing. Merge and split live in topic-tools.restructure.ts.
 * Routes authorize with canUseTopicTools before calling these.
 */

/** The on/off tools: which column each sets, to what, and the audit action. */
export const TOGGLES = {
  lock: { column: 'locked_at', on: true, action: 'topic_lock' },
  unlock: { column: 'locked_at', on: false, action: 'topic_unlock' },
  close: { column: 'closed_at', on: true, action: 'topic_close' },
  reopen: { column: 'closed_at', on: false, action: 'topic_reopen' },
  pin: { column: 'pinned_at', on: true, action: 'topic_pin' },
  unpin: { column: 'pinned_at', on: false, action: 'topic_unpin' },
} as const satisfies Record<string, { column: 'locked_at' | 'closed_at' | 'pinned_at'; on: boolean; action: AuditAction }>;
export type Toggle = keyof typeof TOGGLES;

/** Slow-mode choices offered in the UI (seconds; 0 is off). Any value 0–604800 is accepted from a form. */
export const SLOW_MODE_CHOICES = [0, 60, 600, 3600, 21600, 86400] as const;
export const SLOW_MODE_MAX = 604_800;

/** The topic row, locked for the rest of the transaction; 404 when it is gone. */
export async function lockTopicRow(trx: Trx, topicId: number) {
  const topic = await trx.selectFrom('topics').selectAll().where('id', '=', topicId).forUpdate().executeTakeFirst();
  if (!topic) throw new NotFoundError();
  return topic;
}

/** Category rows locked in id order (the same order everywhere, so two moves cannot deadlock). */
export async function lockCategories(trx: Trx, ids: number[]) {
  const unique = [...new Set(ids)].sort((a, b) => a - b);
  return trx.selectFrom('categories').selectAll().where('id', 'in', unique).orderBy('id').forUpdate().execute();
}

/** Points a category's "latest topic" at its newest live topic (after a topic left it). */
export async function refreshCategoryLatest(trx: Trx, categoryId: number): Promise<void> {
  const latest = await trx
    .selectFrom('topics')
    .select(['id', 'last_posted_at'])
    .where('category_id', '=', categoryId)
    .where('deleted_at', 'is', null)
    .where('unlisted_at', 'is', null)
    .orderBy('last_posted_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  await trx.updateTable('categories').set({ last_topic_id: latest?.id ?? null, last_posted_at: latest?.last_posted_at ?? null }).where('id', '=', categoryId).execute();
}

/** Live (not deleted) posts of a topic. */
export async function countLivePosts(trx: Trx, topicId: number): Promise<number> {
  const row = await trx.selectFrom('posts').select(sql<number>`count(*)::int`.as('n')).where('topic_id', '=', topicId).where('deleted_at', 'is', null).executeTakeFirstOrThrow();
  return row.n;
}

/** Turns lock/close/pin on or off. Returns false when the topic was already in that state. */
export async function toggleTopic(db: Database, actor: Viewer, topicId: number, tool: Toggle, reason = ''): Promise<boolean> {
  const spec = TOGGLES[tool];
  return db.transaction().execute(async (trx) => {
    const topic = await lockTopicRow(trx, topicId);
    if (!!topic[spec.column] === spec.on) return false;
    // A global pin is the brand's (see canPinTopic): a community moderator does not take it down from here.
    if (tool === 'unpin' && topic.pinned_globally && !canPinTopic(actor, { ...topic, category: { read_access: 'everyone', post_access: 'members' } }, 'global')) {
      throw new ForbiddenError('pins.globalStaffOnly');
    }
    const extra = tool === 'unpin' ? { pinned_globally: false, pinned_until: null } : {};
    await trx.updateTable('topics').set({ [spec.column]: spec.on ? sql`now()` : null, ...extra }).where('id', '=', topic.id).execute();
    await recordAction(trx, { actorId: actor.id, action: spec.action, targetUserId: topic.user_id, topicId: topic.id, reason });
    if (tool === 'close' || tool === 'lock') await notify(trx, { userId: topic.user_id, kind: tool === 'close' ? 'topic_closed' : 'topic_locked', actorId: actor.id, topicId: topic.id, data: { reason } });
    return true;
  });
}

/** Sets slow mode (seconds between one member's posts in this topic; 0 turns it off). */
export async function setSlowMode(db: Database, actor: Viewer, topicId: number, seconds: number, reason = ''): Promise<boolean> {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > SLOW_MODE_MAX) throw new FormError({ seconds: { key: 'errors.invalid' } });
  return db.transaction().execute(async (trx) => {
    const topic = await lockTopicRow(trx, topicId);
    if (topic.slow_mode_seconds === seconds) return false;
    await trx.updateTable('topics').set({ slow_mode_seconds: seconds }).where('id', '=', topic.id).execute();
    await recordAction(trx, { actorId: actor.id, action: 'topic_slow_mode', targetUserId: topic.user_id, topicId: topic.id, reason, details: { from: topic.slow_mode_seconds, to: seconds } });
    return true;
  });
}

/** Read access from the narrowest to the widest audience. */
const AUDIENCE = { staff: 0, members: 1, everyone: 2 } as const;

/** Whether moving from one category to another shows staff-only content to a wider audience (asks for confirmation). */
export function exposesStaffContent(from: { read_access: keyof typeof AUDIENCE }, to: { read_access: keyof typeof AUDIENCE }): boolean {
  return from.read_access === 'staff' && AUDIENCE[to.read_access] > AUDIENCE.staff;
}

/** A tool that would show staff-only posts to a wider audience answers this until it is submitted again with confirm. */
export type ConfirmNeeded = { status: 'confirm'; to: { id: number; name: string; read_access: string } };
export type MoveResult = { status: 'moved' } | { status: 'unchanged' } | ConfirmNeeded;

/**
 * Moves a topic to another category; both categories' counters move by the topic and its live posts (a deleted
 * topic is in no count). A move into a category the author cannot read is allowed (moderators file things away);
 * a move that would show staff-only content to members or guests needs `confirmed`.
 */
export async function moveTopic(db: Database, actor: Viewer, topicId: number, categoryId: number, confirmed: boolean, reason = ''): Promise<MoveResult> {
  return db.transaction().execute(async (trx) => {
    const topic = await lockTopicRow(trx, topicId);
    const cats = await lockCategories(trx, [topic.category_id, categoryId]);
    const from = cats.find((c) => c.id === topic.category_id)!;
    const to = cats.find((c) => c.id === categoryId);
    if (!to || !canReadCategory(actor, to)) throw new FormError({ category_id: { key: 'tools.move.noCategory' } });
    if (to.id === from.id) return { status: 'unchanged' };
    if (exposesStaffContent(from, to) && !confirmed) return { status: 'confirm', to: { id: to.id, name: to.name, read_access: to.read_access } };
    await trx.updateTable('topics').set({ category_id: to.id }).where('id', '=', topic.id).execute();
    if (!topic.deleted_at) {
      const posts = await countLivePosts(trx, topic.id);
      await trx.updateTable('categories').set({ topic_count: sql`topic_count - 1`, post_count: sql`post_count - ${posts}` }).where('id', '=', from.id).execute();
      await trx.updateTable('categories').set({ topic_count: sql`topic_count + 1`, post_count: sql`post_count + ${posts}` }).where('id', '=', to.id).execute();
      await refreshCategoryLatest(trx, from.id);
      await refreshCategoryLatest(trx, to.id);
    }
    await recordAction(trx, {
      actorId: actor.id,
      action: 'topic_move',
      targetUserId: topic.user_id,
      topicId: topic.id,
      reason,
      details: { from: from.id, to: to.id, from_name: from.name, to_name: to.name },
    });
    await notify(trx, { userId: topic.user_id, kind: 'topic_moved', actorId: actor.id, topicId: topic.id, data: { category: to.name } });
    return { status: 'moved' };
  });
}
