import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Viewer } from '../../policy/index.js';
import { FormError } from '../../web/forms.js';
import { recordAction } from '../moderation/audit.js';

export type PinScope = 'category' | 'global';

/** Pins a topic (in its category or globally), optionally until a date; re-pinning changes scope and end. */
export async function pinTopic(db: Database, actor: Viewer, topicId: number, scope: PinScope, until: Date | null, reason = '', now = new Date()): Promise<void> {
  if (until && until.getTime() <= now.getTime()) throw new FormError({ until: { key: 'pins.untilFuture' } });
  await db.transaction().execute(async (trx) => {
    const topic = await trx.selectFrom('topics').select(['id', 'user_id', 'pinned_at', 'pinned_globally', 'pinned_until']).where('id', '=', topicId).forUpdate().executeTakeFirstOrThrow();
    await trx
      .updateTable('topics')
      .set({ pinned_at: topic.pinned_at ?? sql<Date>`now()`, pinned_globally: scope === 'global', pinned_until: until })
      .where('id', '=', topic.id)
      .execute();
    // A new global pin shows again to members who dismissed an earlier one of the same topic.
    if (scope === 'global' && !topic.pinned_globally) await trx.deleteFrom('pin_dismissals').where('topic_id', '=', topic.id).execute();
    await recordAction(trx, {
      actorId: actor.id,
      action: 'topic_pin',
      targetUserId: topic.user_id,
      topicId: topic.id,
      reason,
      details: { scope, until: until?.toISOString() ?? null, before: topic.pinned_at ? (topic.pinned_globally ? 'global' : 'category') : 'none' },
    });
  });
}

/** Unpins a topic (both scopes); false when it was not pinned. */
export async function unpinTopic(db: Database, actor: Viewer, topicId: number, reason = ''): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const topic = await trx.selectFrom('topics').select(['id', 'user_id', 'pinned_at', 'pinned_globally']).where('id', '=', topicId).forUpdate().executeTakeFirstOrThrow();
    if (!topic.pinned_at) return false;
    await trx.updateTable('topics').set({ pinned_at: null, pinned_globally: false, pinned_until: null }).where('id', '=', topic.id).execute();
    await recordAction(trx, { actorId: actor.id, action: 'topic_unpin', targetUserId: topic.user_id, topicId: topic.id, reason, details: { scope: topic.pinned_globally ? 'global' : 'category' } });
    return true;
  });
}

/** A member hides a global pin for themselves (idempotent). */
export async function dismissPin(db: Database, userId: number, topicId: number): Promise<void> {
  await db.insertInto('pin_dismissals').values({ user_id: userId, topic_id: topicId }).onConflict((oc) => oc.columns(['user_id', 'topic_id']).doNothing()).execute();
}
