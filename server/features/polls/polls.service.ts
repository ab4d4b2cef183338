import type { Database } from '../../db/index.js';
import { isPollClosed, type Viewer } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { FormError } from '../../web/forms.js';
import { recordAction } from '../moderation/audit.js';
import * as q from './polls.queries.js';
import { RESULTS_VISIBILITY, type ResultsVisibility } from './polls.types.js';

export const MAX_OPTIONS = 20;
export const MIN_OPTIONS = 2;
export const QUESTION_MAX = 300;
export const OPTION_MAX = 200;

/** The new-poll form as submitted (strings; options repeated). */
export interface PollInput {
  question?: string;
  options?: string[];
  kind?: string;
  max_choices?: string;
  closes_at?: string;
  results?: string;
}

export interface PollSpec {
  question: string;
  options: string[];
  multiple: boolean;
  max_choices: number;
  closes_at: Date | null;
  results_visibility: ResultsVisibility;
}

type Fields = ConstructorParameters<typeof FormError>[0];

/**
 * The close date from a datetime-local field. The site shows every time in UTC, so the field is read as UTC too
 * (the form says so).
 */
export function parseCloseDate(raw: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(raw.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s || 0));
  // Date.UTC rolls 2026-02-31 over to March: refuse what is not a real calendar date.
  return date.getUTCMonth() === mo! - 1 && date.getUTCDate() === d! && h! < 24 && mi! < 60 ? date : null;
}

/** The poll's question, trimmed; a missing or over-long one is recorded in `errors`. */
function parseQuestion(input: PollInput, errors: Fields): string {
  const question = (input.question ?? '').trim();
  if (!question) errors.question = { key: 'errors.required' };
  else if (question.length > QUESTION_MAX) errors.question = { key: 'errors.tooLong', params: { limit: QUESTION_MAX } };
  return question;
}

/** The optional close date (UTC, in the future); a bad or past one is recorded in `errors`. */
function parseCloses(input: PollInput, errors: Fields, now: Date): Date | null {
  const raw = (input.closes_at ?? '').trim();
  if (!raw) return null;
  const closesAt = parseCloseDate(raw);
  if (!closesAt) errors.closes_at = { key: 'polls.errors.closesInvalid' };
  else if (closesAt <= now) errors.closes_at = { key: 'polls.errors.closesPast' };
  return closesAt;
}

/** Checks the new-poll form: blank option rows are ignored; throws FormError with every broken rule. */
export function parsePollInput(input: PollInput, now = new Date()): PollSpec {
  const errors: Fields = {};
  const question = parseQuestion(input, errors);
  const options = (input.options ?? []).map((o) => o.trim()).filter(Boolean);
  if (options.length < MIN_OPTIONS || options.length > MAX_OPTIONS) errors.options = { key: 'polls.errors.optionCount', params: { min: MIN_OPTIONS, max: MAX_OPTIONS } };
  else if (options.some((o) => o.length > OPTION_MAX)) errors.options = { key: 'polls.errors.optionTooLong', params: { limit: OPTION_MAX } };
  else if (new Set(options.map((o) => o.toLocaleLowerCase())).size !== options.length) errors.options = { key: 'polls.errors.optionDuplicate' };
  const kind = input.kind || 'single';
  if (kind !== 'single' && kind !== 'multiple') errors.kind = { key: 'errors.invalid' };
  const multiple = kind === 'multiple';
  let maxChoices = multiple ? options.length : 1;
  const rawMax = (input.max_choices ?? '').trim();
  if (multiple && rawMax) {
    const n = /^\d{1,2}$/.test(rawMax) ? Number(rawMax) : NaN;
    if (!(n >= 2 && n <= Math.max(2, options.length))) errors.max_choices = { key: 'polls.errors.maxChoices', params: { max: Math.max(2, options.length) } };
    else maxChoices = n;
  }
  const closesAt = parseCloses(input, errors, now);
  const results = (input.results || 'always') as ResultsVisibility;
  if (!RESULTS_VISIBILITY.includes(results)) errors.results = { key: 'errors.invalid' };
  if (Object.keys(errors).length) throw new FormError(errors);
  return { question, options, multiple, max_choices: Math.max(1, Math.min(maxChoices, MAX_OPTIONS)), closes_at: closesAt, results_visibility: results };
}

/**
 * Attaches a poll to a topic. The topic row is locked so two submissions at once make one poll (the unique
 * topic_id would refuse the second anyway; this way it is a clear refusal, not a 500).
 */
export async function createPoll(db: Database, viewer: Viewer, topicId: number, spec: PollSpec): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const topic = await q.lockTopicForPoll(trx, topicId);
    if (!topic || topic.deleted_at) throw new NotFoundError();
    const existing = await trx.selectFrom('polls').select('id').where('topic_id', '=', topicId).executeTakeFirst();
    if (existing) throw new ForbiddenError('polls.exists');
    const poll = await trx
      .insertInto('polls')
      .values({
        topic_id: topicId, user_id: viewer.id, question: spec.question, multiple: spec.multiple, max_choices: spec.max_choices,
        results_visibility: spec.results_visibility, closes_at: spec.closes_at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('poll_options').values(spec.options.map((label, i) => ({ poll_id: poll.id, position: i + 1, label }))).execute();
    return poll.id;
  });
}

/**
 * Casts or replaces the viewer's ballot (the set of chosen option ids). One transaction with the poll row locked:
 * ballots of one poll queue up, and the counts kept in the rows move with the ballot rows, so they always equal a
 * fresh count. A closed poll (by staff or by date, checked under the lock) takes no votes.
 */
export async function castVote(db: Database, viewer: Viewer, pollId: number, optionIds: number[], now = new Date()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const poll = await q.lockPollForVote(trx, pollId);
    if (!poll) throw new NotFoundError();
    if (isPollClosed(poll, now)) throw new ForbiddenError('polls.closedNotice');
    const valid = new Set((await trx.selectFrom('poll_options').select('id').where('poll_id', '=', pollId).execute()).map((o) => o.id));
    const chosen = [...new Set(optionIds)];
    if (!chosen.length) throw new FormError({ option: { key: 'polls.errors.chooseOne' } });
    if (chosen.some((id) => !valid.has(id))) throw new FormError({ option: { key: 'errors.invalid' } });
    if (chosen.length > poll.max_choices) {
      throw new FormError({ option: poll.multiple ? { key: 'polls.errors.tooMany', params: { max: poll.max_choices } } : { key: 'polls.errors.chooseOnlyOne' } });
    }
    const old = await q.listBallot(trx, pollId, viewer.id);
    const removed = old.filter((id) => !chosen.includes(id));
    const added = chosen.filter((id) => !old.includes(id));
    if (removed.length) {
      await trx.deleteFrom('poll_votes').where('poll_id', '=', pollId).where('user_id', '=', viewer.id).where('option_id', 'in', removed).execute();
      await trx.updateTable('poll_options').set((eb) => ({ vote_count: eb('vote_count', '-', 1) })).where('id', 'in', removed).execute();
    }
    if (added.length) {
      await trx.insertInto('poll_votes').values(added.map((option_id) => ({ poll_id: pollId, option_id, user_id: viewer.id }))).execute();
      await trx.updateTable('poll_options').set((eb) => ({ vote_count: eb('vote_count', '+', 1) })).where('id', 'in', added).execute();
    }
    if (!old.length) await trx.updateTable('polls').set((eb) => ({ voter_count: eb('voter_count', '+', 1) })).where('id', '=', pollId).execute();
  });
}

/** Staff close a poll before its date, with an audit entry in the same transaction. Closing a closed poll changes nothing. */
export async function closePoll(db: Database, viewer: Viewer, pollId: number, now = new Date()): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const poll = await q.lockPollForVote(trx, pollId);
    if (!poll) throw new NotFoundError();
    if (isPollClosed(poll, now)) return false;
    await trx.updateTable('polls').set({ closed_at: now, closed_by_id: viewer.id }).where('id', '=', pollId).execute();
    await recordAction(trx, {
      actorId: viewer.id,
      action: 'poll_close',
      topicId: poll.topic_id,
      details: { poll_id: poll.id, voters: poll.voter_count, ...(poll.closes_at ? { closes_at: poll.closes_at.toISOString() } : {}) },
    });
    return true;
  });
}

/** Takes the viewer's ballot back while the poll is open (counts move with it); without a ballot nothing changes. */
export async function withdrawVote(db: Database, viewer: Viewer, pollId: number, now = new Date()): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const poll = await q.lockPollForVote(trx, pollId);
    if (!poll) throw new NotFoundError();
    if (isPollClosed(poll, now)) throw new ForbiddenError('polls.closedNotice');
    const old = await q.listBallot(trx, pollId, viewer.id);
    if (!old.length) return false;
    await trx.deleteFrom('poll_votes').where('poll_id', '=', pollId).where('user_id', '=', viewer.id).execute();
    await trx.updateTable('poll_options').set((eb) => ({ vote_count: eb('vote_count', '-', 1) })).where('id', 'in', old).execute();
    await trx.updateTable('polls').set((eb) => ({ voter_count: eb('voter_count', '-', 1) })).where('id', '=', pollId).execute();
    return true;
  });
}

/** After the first vote only the wording of the question and the close date may change. */
export interface PollTextEdit {
  question: string;
  closes_at: Date | null;
}

/** Checks the reduced edit form (question, close date). Throws FormError. */
export function parsePollTextInput(input: PollInput, now = new Date()): PollTextEdit {
  const errors: Fields = {};
  const question = parseQuestion(input, errors);
  const closesAt = parseCloses(input, errors, now);
  if (Object.keys(errors).length) throw new FormError(errors);
  return { question, closes_at: closesAt };
}

/**
 * Edits an open poll under its lock. A full edit (options and rules) is refused with a form error once anyone has
 * voted, even if the form was loaded before the first vote: the ballots were cast for the options as they are.
 * Staff editing someone else's poll leave an audit entry.
 */
export async function updatePoll(db: Database, viewer: Viewer, pollId: number, edit: { full: PollSpec } | { text: PollTextEdit }, now = new Date()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const poll = await q.lockPollForVote(trx, pollId);
    if (!poll) throw new NotFoundError();
    if (isPollClosed(poll, now)) throw new ForbiddenError('polls.closedNotice');
    if ('full' in edit) {
      if (poll.voter_count > 0) throw new FormError({ options: { key: 'polls.errors.votesArrived' } });
      const spec = edit.full;
      await trx
        .updateTable('polls')
        .set({ question: spec.question, multiple: spec.multiple, max_choices: spec.max_choices, results_visibility: spec.results_visibility, closes_at: spec.closes_at })
        .where('id', '=', pollId)
        .execute();
      await trx.deleteFrom('poll_options').where('poll_id', '=', pollId).execute();
      await trx.insertInto('poll_options').values(spec.options.map((label, i) => ({ poll_id: pollId, position: i + 1, label }))).execute();
    } else {
      await trx.updateTable('polls').set({ question: edit.text.question, closes_at: edit.text.closes_at }).where('id', '=', pollId).execute();
    }
    if (viewer.id !== poll.user_id) {
      await recordAction(trx, { actorId: viewer.id, action: 'poll_edit', targetUserId: poll.user_id, topicId: poll.topic_id, details: { poll_id: poll.id, options: 'full' in edit } });
    }
  });
}
