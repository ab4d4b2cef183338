import { describe, expect, it } from 'vitest';
import type { Role } from '../../server/db/types.js';
import { csvCell, toCsv } from '../../server/features/polls/polls.csv.js';
import { parseCloseDate, parsePollInput } from '../../server/features/polls/polls.service.js';
import { percentOf } from '../../server/features/polls/polls.view.js';
import { canClosePoll, canCreatePoll, canExportPoll, canSeePollResults, canVote, isPollClosed, type PollState, type PollTopicState, type Viewer } from '../../server/policy/index.js';
import { FormError } from '../../server/web/forms.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const HOUR = 3600_000;
const later = new Date(NOW.getTime() + HOUR);
const earlier = new Date(NOW.getTime() - HOUR);

function viewer(over: Partial<Viewer> = {}): Viewer {
  return { id: 1, username: 'u', role: 'member' as Role, trust_level: 1, created_at: new Date('2020-01-01'), silenced_until: null, suspended_until: null, ...over };
}
function topic(over: Partial<PollTopicState> = {}): PollTopicState {
  return { user_id: 1, category: { read_access: 'everyone', post_access: 'members' }, locked_at: null, closed_at: null, deleted_at: null, reply_count: 0, ...over };
}
const poll = (over: Partial<PollState> = {}): PollState => ({ closes_at: null, closed_at: null, results_visibility: 'always', ...over });

describe('poll policy', () => {
  it('attaching: the topic starter from TL1, staff at any level; never others, sanctioned, or on a closed/deleted topic', () => {
    expect(canCreatePoll(viewer(), topic(), NOW)).toBe(true);
    expect(canCreatePoll(viewer({ trust_level: 0 }), topic(), NOW)).toBe(false);
    expect(canCreatePoll(viewer({ role: 'staff', trust_level: 0 }), topic(), NOW)).toBe(true);
    expect(canCreatePoll(viewer({ role: 'moderator', trust_level: 0 }), topic({ locked_at: earlier }), NOW)).toBe(true);
    expect(canCreatePoll(viewer({ id: 2 }), topic(), NOW)).toBe(false);
    expect(canCreatePoll(viewer({ id: 2, role: 'admin' }), topic(), NOW)).toBe(false);
    expect(canCreatePoll(null, topic(), NOW)).toBe(false);
    expect(canCreatePoll(viewer({ silenced_until: later }), topic(), NOW)).toBe(false);
    expect(canCreatePoll(viewer({ suspended_until: later }), topic(), NOW)).toBe(false);
    expect(canCreatePoll(viewer(), topic({ locked_at: earlier }), NOW)).toBe(false);
    expect(canCreatePoll(viewer({ role: 'staff' }), topic({ closed_at: earlier }), NOW)).toBe(false);
    expect(canCreatePoll(viewer({ role: 'staff' }), topic({ deleted_at: earlier }), NOW)).toBe(false);
    expect(canCreatePoll(viewer({ role: 'staff' }), topic({ contest_deadline: later }), NOW)).toBe(false);
    expect(canCreatePoll(viewer(), topic({ category: { read_access: 'staff', post_access: 'staff' } }), NOW)).toBe(false);
  });

  it('voting: signed-in, not suspended (silenced and TL0 may), topic readable and live, poll open', () => {
    const other = viewer({ id: 5 });
    expect(canVote(other, topic(), poll(), NOW)).toBe(true);
    expect(canVote(viewer({ id: 5, trust_level: 0 }), topic(), poll(), NOW)).toBe(true);
    expect(canVote(viewer({ id: 5, silenced_until: later }), topic(), poll(), NOW)).toBe(true);
    expect(canVote(viewer({ id: 5, suspended_until: later }), topic(), poll(), NOW)).toBe(false);
    expect(canVote(null, topic(), poll(), NOW)).toBe(false);
    expect(canVote(other, topic({ category: { read_access: 'staff', post_access: 'staff' } }), poll(), NOW)).toBe(false);
    expect(canVote(viewer({ role: 'staff' }), topic({ deleted_at: earlier }), poll(), NOW)).toBe(false);
    expect(canVote(other, topic({ locked_at: earlier, closed_at: earlier }), poll(), NOW)).toBe(true);
    expect(canVote(other, topic(), poll({ closes_at: later }), NOW)).toBe(true);
    expect(canVote(other, topic(), poll({ closes_at: earlier }), NOW)).toBe(false);
    expect(canVote(other, topic(), poll({ closes_at: NOW }), NOW)).toBe(false);
    expect(canVote(other, topic(), poll({ closed_at: earlier, closes_at: later }), NOW)).toBe(false);
  });

  it('results: always; after voting (or close); after close; staff always', () => {
    const m = viewer({ id: 5 });
    expect(canSeePollResults(null, poll(), false, NOW)).toBe(true);
    expect(canSeePollResults(m, poll({ results_visibility: 'voted' }), false, NOW)).toBe(false);
    expect(canSeePollResults(m, poll({ results_visibility: 'voted' }), true, NOW)).toBe(true);
    expect(canSeePollResults(null, poll({ results_visibility: 'voted', closes_at: earlier }), false, NOW)).toBe(true);
    expect(canSeePollResults(m, poll({ results_visibility: 'closed' }), true, NOW)).toBe(false);
    expect(canSeePollResults(m, poll({ results_visibility: 'closed', closed_at: earlier }), false, NOW)).toBe(true);
    expect(canSeePollResults(viewer({ role: 'moderator' }), poll({ results_visibility: 'closed' }), false, NOW)).toBe(true);
    expect(canSeePollResults(viewer({ role: 'staff', suspended_until: later }), poll({ results_visibility: 'closed' }), false, NOW)).toBe(false);
  });

  it('closing and export: staff who can read the topic; closing only an open poll', () => {
    for (const role of ['moderator', 'staff', 'admin'] as Role[]) {
      expect(canClosePoll(viewer({ role, id: 9 }), topic(), poll(), NOW)).toBe(true);
      expect(canExportPoll(viewer({ role, id: 9 }), topic(), NOW)).toBe(true);
    }
    expect(canClosePoll(viewer(), topic(), poll(), NOW)).toBe(false);
    expect(canExportPoll(viewer(), topic(), NOW)).toBe(false);
    expect(canExportPoll(null, topic(), NOW)).toBe(false);
    expect(canClosePoll(viewer({ role: 'staff', suspended_until: later }), topic(), poll(), NOW)).toBe(false);
    expect(canClosePoll(viewer({ role: 'staff' }), topic(), poll({ closes_at: earlier }), NOW)).toBe(false);
    expect(isPollClosed(poll({ closes_at: later }), NOW)).toBe(false);
    expect(isPollClosed(poll({ closed_at: earlier }), NOW)).toBe(true);
  });
});

describe('the new-poll form rules', () => {
  const fields = (input: Parameters<typeof parsePollInput>[0]) => {
    try {
      parsePollInput(input, NOW);
      return {};
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      return Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [k, v.key]));
    }
  };

  it('trims, ignores blank rows, defaults to single choice visible always', () => {
    expect(parsePollInput({ question: ' Q ', options: [' a ', '', 'b', '   '] }, NOW)).toEqual({
      question: 'Q', options: ['a', 'b'], multiple: false, max_choices: 1, closes_at: null, results_visibility: 'always',
    });
  });

  it('multiple choice: blank maximum allows all options; a maximum from 2 to the number of options', () => {
    expect(parsePollInput({ question: 'Q', options: ['a', 'b', 'c'], kind: 'multiple' }, NOW).max_choices).toBe(3);
    expect(parsePollInput({ question: 'Q', options: ['a', 'b', 'c'], kind: 'multiple', max_choices: '2' }, NOW).max_choices).toBe(2);
    expect(fields({ question: 'Q', options: ['a', 'b', 'c'], kind: 'multiple', max_choices: '1' })).toEqual({ max_choices: 'polls.errors.maxChoices' });
    expect(fields({ question: 'Q', options: ['a', 'b', 'c'], kind: 'multiple', max_choices: 'x' })).toEqual({ max_choices: 'polls.errors.maxChoices' });
    // A maximum given for single choice is ignored.
    expect(parsePollInput({ question: 'Q', options: ['a', 'b'], max_choices: '7' }, NOW).max_choices).toBe(1);
  });

  it('refuses: no question, fewer than 2 or more than 20 options, long or duplicate options, bad kind/visibility, past or invalid dates', () => {
    expect(fields({ question: '', options: ['a'] })).toEqual({ question: 'errors.required', options: 'polls.errors.optionCount' });
    expect(fields({ question: 'Q', options: Array.from({ length: 21 }, (_, i) => String(i)) })).toEqual({ options: 'polls.errors.optionCount' });
    expect(fields({ question: 'Q', options: Array.from({ length: 20 }, (_, i) => String(i)) })).toEqual({});
    expect(fields({ question: 'Q', options: ['a', 'b'.repeat(201)] })).toEqual({ options: 'polls.errors.optionTooLong' });
    expect(fields({ question: 'Q', options: ['Да', 'ДА'] })).toEqual({ options: 'polls.errors.optionDuplicate' });
    expect(fields({ question: 'Q', options: ['a', 'b'], kind: 'many', results: 'never' })).toEqual({ kind: 'errors.invalid', results: 'errors.invalid' });
    expect(fields({ question: 'Q', options: ['a', 'b'], closes_at: '2026-06-01T11:59' })).toEqual({ closes_at: 'polls.errors.closesPast' });
    expect(fields({ question: 'Q', options: ['a', 'b'], closes_at: 'tomorrow' })).toEqual({ closes_at: 'polls.errors.closesInvalid' });
    expect(parsePollInput({ question: 'Q', options: ['a', 'b'], closes_at: '2026-06-02T08:30' }, NOW).closes_at).toEqual(new Date('2026-06-02T08:30:00Z'));
  });

  it('close dates are read as UTC and must be real calendar dates', () => {
    expect(parseCloseDate('2030-01-31T18:00')).toEqual(new Date('2030-01-31T18:00:00Z'));
    expect(parseCloseDate('2030-01-31T18:00:30')).toEqual(new Date('2030-01-31T18:00:30Z'));
    expect(parseCloseDate('2030-02-31T18:00')).toBeNull();
    expect(parseCloseDate('2030-01-31T25:00')).toBeNull();
    expect(parseCloseDate('2030-01-31')).toBeNull();
  });
});

describe('CSV and percentages', () => {
  it('escapes quotes, commas and line breaks; defuses formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    for (const f of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx']) expect(csvCell(f).replace(/^"/, '').startsWith("'")).toBe(true);
    expect(csvCell('=A1,B1')).toBe(`"'=A1,B1"`);
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell('Опрос')).toBe('Опрос');
  });

  it('starts with a UTF-8 BOM and ends rows with CRLF', () => {
    expect(toCsv([['a', 1], ['b', 2]])).toBe('\uFEFFa,1\r\nb,2\r\n');
  });

  it('percentages are of voters, rounded; 0 with no voters', () => {
    expect(percentOf(1, 3)).toBe(33);
    expect(percentOf(2, 3)).toBe(67);
    expect(percentOf(0, 0)).toBe(0);
    expect(percentOf(5, 5)).toBe(100);
  });
});
