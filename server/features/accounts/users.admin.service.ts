import type { Database } from '../../db/index.js';
import type { Role } from '../../db/types.js';
import type { Viewer } from '../../policy/index.js';
import { NotFoundError } from '../../web/errors.js';
import { recordAction } from '../moderation/audit.js';

/**
 * Role and trust-level changes made by an admin on /admin/users. Each locks the user row, changes it and writes its
 * audit entry (role_change, trust_level_change with before/after) in one transaction; a change to the same value
 * records nothing.
 */

async function lockUser(trx: Parameters<Parameters<ReturnType<Database['transaction']>['execute']>[0]>[0], userId: number) {
  const user = await trx.selectFrom('users').select(['id', 'role', 'trust_level', 'trust_level_locked']).where('id', '=', userId).forUpdate().executeTakeFirst();
  if (!user) throw new NotFoundError();
  return user;
}

/** Sets a user's role; returns false when it already was that role. */
export async function changeRole(db: Database, actor: Viewer, userId: number, role: Role): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, userId);
    if (user.role === role) return false;
    await trx.updateTable('users').set({ role }).where('id', '=', user.id).execute();
    await recordAction(trx, { actorId: actor.id, action: 'role_change', targetUserId: user.id, details: { from: user.role, to: role } });
    return true;
  });
}

/** Sets a trust level (0–4) and whether the automatic rules may change it; returns false when nothing changed. */
export async function changeTrustLevel(db: Database, actor: Viewer, userId: number, level: number, locked: boolean): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, userId);
    if (user.trust_level === level && user.trust_level_locked === locked) return false;
    const set = user.trust_level === level ? { trust_level_locked: locked } : { trust_level: level, trust_level_locked: locked, trust_level_changed_at: new Date() };
    await trx.updateTable('users').set(set).where('id', '=', user.id).execute();
    await recordAction(trx, {
      actorId: actor.id,
      action: 'trust_level_change',
      targetUserId: user.id,
      details: { from: user.trust_level, to: level, locked, was_locked: user.trust_level_locked },
    });
    return true;
  });
}
