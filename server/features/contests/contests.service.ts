import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { canFinishContest, type Viewer } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { FormError } from '../../web/forms.js';
import { recordAction } from '../moderation/audit.js';
import { notify } from '../notifications/notifications.service.js';
import { parseCloseDate } from '../polls/polls.service.js';
import { applyEvents, type LedgerEvent, type Trx } from '../reputation/ledger.js';
import { DEFAULT_SETTINGS, getSettings, type Settings } from '../settings/settings.js';
import * as q from './contests.queries.js';
import { type Place, VOTING_MODES, type VotingMode } from './contests.types.js';

/** The longest a contest may take entries (a year): a typo in the year should not make a contest that never ends. */
export const MAX_DAYS = 366;
export const BADGE_KEY = 'contest_winner';

export interface ContestInput {
  entry_deadline?: string;
  voting_mode?: string;
}

export interface ContestSpec {
  entry_deadline: Date;
  voting_mode: VotingMode;
}

/** Checks the contest form (the deadline is read as UTC, like every time on the site); throws FormError. */
export function parseContestInput(input: ContestInput, now = new Date()): ContestSpec {
  const errors: FormError['fields'] = {};
  const raw = (input.entry_deadline ?? '').trim();
  const deadline = raw ? parseCloseDate(raw) : null;
  if (!raw) errors.entry_deadline = { key: 'errors.required' };
  else if (!deadline) errors.entry_deadline = { key: 'contests.errors.deadlineInvalid' };
  else if (deadline <= now) errors.entry_deadline = { key: 'contests.errors.deadlinePast' };
  else if (deadline.getTime() - now.getTime() > MAX_DAYS * 86400_000) errors.entry_deadline = { key: 'contests.errors.deadlineFar', params: { days: MAX_DAYS } };
  const mode = (input.voting_mode || 'staff') as VotingMode;
  if (!VOTING_MODES.includes(mode)) errors.voting_mode = { key: 'errors.invalid' };
  if (Object.keys(errors).length) throw new FormError(errors);
  return { entry_deadline: deadline!, voting_mode: mode };
}

/**
 * Makes a topic a contest. The topic row is locked, so a reply cannot slip in between the check (no replies yet:
 * every reply is then an entry) and the insert, and two submissions make one contest.
 */
export async function createContest(db: Database, viewer: Viewer, topicId: number, spec: ContestSpec): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const topic = await q.lockTopicForContest(trx, topicId);
    if (!topic || topic.deleted_at) throw new NotFoundError();
    if (await trx.selectFrom('contests').select('topic_id').where('topic_id', '=', topicId).executeTakeFirst()) throw new ForbiddenError('contests.exists');
    if (topic.user_id !== viewer.id || topic.reply_count > 0 || topic.closed_at) throw new ForbiddenError('contests.cannotCreate');
    await trx.insertInto('contests').values({ topic_id: topicId, entry_deadline: spec.entry_deadline, voting_mode: spec.voting_mode, created_by: viewer.id }).execute();
    await recordAction(trx, { actorId: viewer.id, action: 'contest_create', topicId, details: { entry_deadline: spec.entry_deadline.toISOString(), voting_mode: spec.voting_mode } });
  });
}

/** Staff move the deadline or change the mode, under the contest's lock (never after the winners are marked). */
export async function updateContest(db: Database, viewer: Viewer, topicId: number, spec: ContestSpec): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const contest = await q.lockContest(trx, topicId);
    if (!contest) throw new NotFoundError();
    if (contest.finished_at) throw new ForbiddenError('contests.alreadyFinished');
    await trx.updateTable('contests').set({ entry_deadline: spec.entry_deadline, voting_mode: spec.voting_mode }).where('topic_id', '=', topicId).execute();
    await recordAction(trx, {
      actorId: viewer.id,
      action: 'contest_edit',
      topicId,
      details: { from: contest.entry_deadline.toISOString(), to: spec.entry_deadline.toISOString(), voting_mode: spec.voting_mode },
    });
  });
}

export interface WinnerPick {
  postId: number;
  place: Place;
}

/** The winners form: `first`, `second`, `third` (an entry's post id or empty) and `winners` (post ids, no place). */
export interface WinnersInput {
  first?: string;
  second?: string;
  third?: string;
  winners?: string[];
}

const ID = /^[1-9]\d{0,9}$/;

/** Reads the winners form into picks; a post may be picked once. Throws FormError. */
export function parseWinnersInput(input: WinnersInput): WinnerPick[] {
  const picks: WinnerPick[] = [];
  const fields = [['first', 1], ['second', 2], ['third', 3]] as const;
  for (const [field, place] of fields) {
    const raw = (input[field] ?? '').trim();
    if (!raw) continue;
    if (!ID.test(raw)) throw new FormError({ [field]: { key: 'errors.invalid' } });
    picks.push({ postId: Number(raw), place });
  }
  for (const raw of input.winners ?? []) {
    if (!ID.test(raw.trim())) throw new FormError({ winners: { key: 'errors.invalid' } });
    picks.push({ postId: Number(raw.trim()), place: null });
  }
  if (!picks.length) throw new FormError({ form: { key: 'contests.errors.noWinners' } });
  if (new Set(picks.map((p) => p.postId)).size !== picks.length) throw new FormError({ form: { key: 'contests.errors.samePost' } });
  return picks;
}

/** The reputation a place earns, per the settings. */
export function rewardFor(settings: NonNullable<Settings['contests']>, place: Place): number {
  return place === null ? settings.winner : (settings.reputation[place - 1] ?? 0);
}

/**
 * Records the winners and rewards them, exactly once: the contest row is locked and its finished_at checked under
 * the lock, so a second (or concurrent) finish waits, then finds the contest finished and is refused. In the same
 * transaction: the winner rows, the badge (one per member, kept), reputation through the ledger, a notification to
 * each winner and the audit entry.
 */
export async function finishContest(db: Database, viewer: Viewer, topic: { id: number } & Parameters<typeof canFinishContest>[1], picks: WinnerPick[], now = new Date()) {
  const rewards = (await getSettings(db)).contests ?? DEFAULT_SETTINGS.contests!;
  await db.transaction().execute(async (trx) => {
    const contest = await q.lockContest(trx, topic.id);
    if (!contest) throw new NotFoundError();
    if (contest.finished_at) throw new ForbiddenError('contests.alreadyFinished');
    if (!canFinishContest(viewer, topic, contest, now)) throw new ForbiddenError('contests.cannotFinish');
    const entries = await q.findEntries(trx, topic.id, picks.map((p) => p.postId));
    if (picks.some((p) => !entries.has(p.postId))) throw new FormError({ form: { key: 'contests.errors.notEntry' } });
    const winners = picks.map((p) => ({ ...p, userId: entries.get(p.postId)! }));
    if (new Set(winners.map((w) => w.userId)).size !== winners.length) throw new FormError({ form: { key: 'contests.errors.sameMember' } });
    await trx.insertInto('contest_winners').values(winners.map((w) => ({ topic_id: topic.id, post_id: w.postId, user_id: w.userId, place: w.place }))).execute();
    await trx.updateTable('contests').set({ finished_at: now, finished_by: viewer.id }).where('topic_id', '=', topic.id).execute();
    await grantBadge(trx, viewer, winners);
    const events: LedgerEvent[] = winners
      .map((w) => ({ user_id: w.userId, delta: rewardFor(rewards, w.place), reason: 'contest_win', source: `contest:${topic.id}`, post_id: null, actor_id: viewer.id }))
      .filter((e) => e.delta !== 0);
    await applyEvents(trx, events);
    for (const w of winners) {
      await notify(trx, { userId: w.userId, kind: 'contest_won', actorId: viewer.id, topicId: topic.id, postId: w.postId, data: { place: w.place ?? 'winner' } });
    }
    await recordAction(trx, {
      actorId: viewer.id,
      action: 'contest_finish',
      topicId: topic.id,
      details: { winners: winners.map((w) => ({ post_id: w.postId, user_id: w.userId, place: w.place })) },
    });
  });
}

/** The "Contest winner" badge for each winner who does not hold it yet (members in id order: no deadlock with a sweep). */
async function grantBadge(trx: Trx, viewer: Viewer, winners: { userId: number; postId: number }[]): Promise<void> {
  const sorted = [...winners].sort((a, b) => a.userId - b.userId);
  await sql`
    insert into user_badges (user_id, badge_id, granted_by, post_id)
    select w.user_id, b.id, ${viewer.id}::int, w.post_id
    from (values ${sql.join(sorted.map((w) => sql`(${w.userId}::int, ${w.postId}::int)`))}) as w(user_id, post_id)
    join badges b on b.key = ${BADGE_KEY}
    on conflict (user_id, badge_id) do nothing`.execute(trx);
}
