import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { SanctionKind } from '../../db/types.js';
import type { Trx } from '../reputation/ledger.js';
import { recordAction } from './audit.js';
import { notify } from '../notifications/notifications.service.js';

/**
 * Silence (read and react, no posting) and suspension (logged out everywhere, no login), each with a duration
 * and a reason. The history lives in `sanctions`; the state in force is cached on the user row
 * (silenced_until / suspended_until), which every permission check reads — so a sanction lifts itself when
 * its time runs out, with no job needed.
 */

/** The escalation ladder the UI suggests, in hours; null is permanent. */
export const ESCALATION_HOURS: readonly (number | null)[] = [24, 72, 168, 720, null];

/** A permanent sanction ends at the far end of the calendar (a real timestamp keeps comparisons simple). */
export const PERMANENT = new Date('9999-12-31T00:00:00Z');

export function isPermanent(until: Date | null | undefined): boolean {
  return !!until && until.getTime() >= PERMANENT.getTime();
}

/**
 * The next step of the ladder from the user's history: one step per earlier sanction (of either kind) in the
 * last year, so a repeat offender is offered the next longer duration.
 */
export function suggestDuration(history: { starts_at: Date }[], now = new Date()): number | null {
  const yearAgo = now.getTime() - 365 * 86400_000;
  const recent = history.filter((s) => s.starts_at.getTime() >= yearAgo).length;
  return ESCALATION_HOURS[Math.min(recent, ESCALATION_HOURS.length - 1)]!;
}

export interface SanctionInput {
  kind: SanctionKind;
  userId: number;
  actorId: number | null;
  /** Duration in hours; null for permanent. */
  hours: number | null;
  reason: string;
  /** Extra audit details (e.g. the review item that led to it). */
  details?: Record<string, unknown>;
}

/** Applies a sanction inside the caller's transaction; suspension also ends every session of the user. */
export async function applySanction(trx: Trx, input: SanctionInput): Promise<{ id: number; ends_at: Date }> {
  const endsAt = input.hours === null ? PERMANENT : new Date(Date.now() + input.hours * 3600_000);
  const reason = input.reason.trim().slice(0, 500);
  const row = await trx
    .insertInto('sanctions')
    .values({ user_id: input.userId, kind: input.kind, reason, ends_at: endsAt, actor_id: input.actorId })
    .returning(['id', 'ends_at'])
    .executeTakeFirstOrThrow();
  if (input.kind === 'silence') {
    await trx.updateTable('users').set({ silenced_until: endsAt, silenced_reason: reason }).where('id', '=', input.userId).execute();
  } else {
    await trx.updateTable('users').set({ suspended_until: endsAt, suspended_reason: reason }).where('id', '=', input.userId).execute();
    await trx.deleteFrom('sessions').where('user_id', '=', input.userId).execute();
  }
  await recordAction(trx, {
    actorId: input.actorId,
    action: input.kind === 'silence' ? 'user_silence' : 'user_suspend',
    targetUserId: input.userId,
    reason,
    details: { until: endsAt.toISOString(), hours: input.hours, ...input.details },
  });
  // A silenced member is told in the app (in their language, when they read it); a suspended one learns at login.
  if (input.kind === 'silence') await notify(trx, { userId: input.userId, kind: 'silenced', actorId: input.actorId, data: { until: endsAt.toISOString(), reason } });
  return row;
}

/**
 * Lifts a sanction early. The user row then takes the latest end among the user's other sanctions of that kind
 * still in force (so lifting one of two overlapping silences does not lift both). Returns false if it was not active.
 */
export async function liftSanction(db: Database, sanctionId: number, actorId: number, reason = ''): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const s = await trx.selectFrom('sanctions').selectAll().where('id', '=', sanctionId).forUpdate().executeTakeFirst();
    if (!s || s.lifted_at || s.ends_at <= new Date()) return false;
    await trx.updateTable('sanctions').set({ lifted_at: sql`now()`, lifted_by_id: actorId }).where('id', '=', s.id).execute();
    const other = await trx
      .selectFrom('sanctions')
      .select(['ends_at', 'reason'])
      .where('user_id', '=', s.user_id)
      .where('kind', '=', s.kind)
      .where('lifted_at', 'is', null)
      .where('ends_at', '>', sql<Date>`now()`)
      .orderBy('ends_at', 'desc')
      .executeTakeFirst();
    if (s.kind === 'silence') {
      await trx.updateTable('users').set({ silenced_until: other?.ends_at ?? null, silenced_reason: other?.reason ?? null }).where('id', '=', s.user_id).execute();
    } else {
      await trx.updateTable('users').set({ suspended_until: other?.ends_at ?? null, suspended_reason: other?.reason ?? null }).where('id', '=', s.user_id).execute();
    }
    await recordAction(trx, { actorId, action: 'sanction_lift', targetUserId: s.user_id, reason, details: { sanction_id: s.id, kind: s.kind, was_until: s.ends_at.toISOString() } });
    return true;
  });
}

/** A user's sanctions, newest first (for the moderator's view and the ladder suggestion). */
export function listSanctions(db: Database, userId: number) {
  return db
    .selectFrom('sanctions')
    .leftJoin('users as actor', 'actor.id', 'sanctions.actor_id')
    .selectAll('sanctions')
    .select(['actor.username as actor_username'])
    .where('sanctions.user_id', '=', userId)
    .orderBy('sanctions.starts_at', 'desc')
    .orderBy('sanctions.id', 'desc')
    .limit(100)
    .execute();
}
