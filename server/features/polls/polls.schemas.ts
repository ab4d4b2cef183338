import { Type } from 'typebox';
import { MAX_OPTIONS, OPTION_MAX, QUESTION_MAX } from './polls.service.js';

export const PollParams = Type.Object({ id: Type.String({ maxLength: 20 }) });

/**
 * The new-poll form. Only the shape is checked here (lengths, how many rows); the rules (2–20 filled options,
 * the maximum for multiple choice, a future close date) are the service's. `add_row` is the no-JavaScript
 * "add an option" button: it re-renders the form with one more row.
 */
export const NewPollBody = Type.Object({
  question: Type.String({ maxLength: QUESTION_MAX }),
  options: Type.Optional(Type.Array(Type.String({ maxLength: OPTION_MAX }), { maxItems: MAX_OPTIONS + 10 })),
  kind: Type.Optional(Type.String({ maxLength: 10 })),
  max_choices: Type.Optional(Type.String({ maxLength: 4 })),
  closes_at: Type.Optional(Type.String({ maxLength: 40 })),
  results: Type.Optional(Type.String({ maxLength: 10 })),
  add_row: Type.Optional(Type.String({ maxLength: 4 })),
});

/** A ballot: `option` repeated, one per chosen option id. */
export const VoteBody = Type.Object({
  option: Type.Optional(Type.Array(Type.String({ maxLength: 12 }), { maxItems: MAX_OPTIONS })),
});
