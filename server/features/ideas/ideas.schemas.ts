import { Type } from 'typebox';
import { IDEA_STATUSES } from './ideas.types.js';

export const IdeaParams = Type.Object({ id: Type.String({ maxLength: 12 }) });
export const StatusBody = Type.Object({
  status: Type.Union(IDEA_STATUSES.map((s) => Type.Literal(s))),
  comment: Type.Optional(Type.String({ maxLength: 1000 })),
});
export const MergeBody = Type.Object({
  into: Type.String({ minLength: 1, maxLength: 300 }),
  comment: Type.Optional(Type.String({ maxLength: 1000 })),
});
/** A category page's query: the usual cursor, plus the idea board's order and status filter (unknown values fall back). */
export const IdeaListQuery = Type.Object({
  before: Type.Optional(Type.String({ maxLength: 40 })),
  sort: Type.Optional(Type.String({ maxLength: 20 })),
  status: Type.Optional(Type.String({ maxLength: 20 })),
  filter: Type.Optional(Type.String({ maxLength: 20 })),
});
