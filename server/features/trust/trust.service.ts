import type { Database } from '../../db/index.js';
import type { Job } from '../../jobs/runner.js';
import { getTrustLevelSettings } from '../settings/settings.js';
import { evaluateTrustLevel } from './trust.rules.js';
import * as q from './trust.queries.js';

export interface TrustChange {
  user_id: number;
  from: number;
  to: number;
}

const BATCH = 500;

/** Applies the automatic rules to the given users; returns the levels that changed. */
export async function checkTrustLevels(db: Database, userIds: number[], now = new Date()): Promise<TrustChange[]> {
  // A locked level and TL4 never change by the rules (evaluateTrustLevel): their history is not read at all.
  const open = await q.listAutomaticLevelUsers(db, userIds);
  if (!open.length) return [];
  const thresholds = await getTrustLevelSettings(db);
  const changes: TrustChange[] = [];
  for (let i = 0; i < open.length; i += BATCH) {
    const inputs = await q.listTrustInputs(db, open.slice(i, i + BATCH), thresholds, now);
    for (const { id, state, activity } of inputs) {
      const to = evaluateTrustLevel(state, activity, thresholds, now);
      if (to !== state.trust_level && (await q.updateAutomaticTrustLevel(db, id, state.trust_level, to))) {
        changes.push({ user_id: id, from: state.trust_level, to });
      }
    }
  }
  return changes;
}

/** How often a reader's level is re-checked after their reading is written (the hourly job covers the rest). */
export const TRUST_RECHECK_MS = 10 * 60_000;

/**
 * The check run after each flush of reading activity, at most once per TRUST_RECHECK_MS per user and instance.
 * A check reads the user's whole history (reactions given and received, replies, visits, reads against the
 * forum's recent topics): at a million posts that is a second of database work, and an active reader is flushed
 * every few seconds. The memory is only a throttle: a check skipped here happens at the next flush after the
 * interval, or in the hourly job.
 */
export function throttledTrustCheck(db: Database, intervalMs = TRUST_RECHECK_MS, clock: () => number = Date.now) {
  const checkedAt = new Map<number, number>();
  return (userIds: number[]): Promise<TrustChange[]> => {
    const now = clock();
    for (const [id, at] of checkedAt) if (at <= now - intervalMs) checkedAt.delete(id);
    const due = userIds.filter((id) => !checkedAt.has(id));
    for (const id of due) checkedAt.set(id, now);
    return due.length ? checkTrustLevels(db, due) : Promise.resolve([]);
  };
}

/** The periodic pass: recently active users (promotion) and every TL3 (demotion when activity lapses). */
export async function runTrustLevelJob(db: Database, now = new Date()): Promise<TrustChange[]> {
  const changes: TrustChange[] = [];
  for (let after = 0; ; ) {
    const ids = await q.listTrustCandidates(db, after, BATCH, now);
    if (!ids.length) break;
    changes.push(...(await checkTrustLevels(db, ids, now)));
    after = ids.at(-1)!;
  }
  return changes;
}

export const trustLevelJob: Job = { name: 'trust-levels', intervalMs: 60 * 60 * 1000, run: async (db) => void (await runTrustLevelJob(db)) };

/** Staff set a level (0–4) and whether it is locked against the automatic rules. */
export async function setTrustLevel(db: Database, userId: number, level: number, locked: boolean): Promise<void> {
  await db.updateTable('users').set({ trust_level: level, trust_level_locked: locked, trust_level_changed_at: new Date() }).where('id', '=', userId).execute();
}
