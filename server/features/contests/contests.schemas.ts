import { Type } from 'typebox';

export const ContestParams = Type.Object({ id: Type.String({ maxLength: 20 }) });

/** The new-contest form; the rules (a future deadline within a year, a known mode) are the service's. */
export const NewContestBody = Type.Object({
  entry_deadline: Type.String({ maxLength: 40 }),
  voting_mode: Type.Optional(Type.String({ maxLength: 20 })),
});

/** The winners form: an entry's post id per place, and any number of plain winners. */
export const WinnersBody = Type.Object({
  first: Type.Optional(Type.String({ maxLength: 12 })),
  second: Type.Optional(Type.String({ maxLength: 12 })),
  third: Type.Optional(Type.String({ maxLength: 12 })),
  winners: Type.Optional(Type.Array(Type.String({ maxLength: 12 }), { maxItems: 200 })),
});
