import { Type } from 'typebox';

export const SearchQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  category: Type.Optional(Type.String({ maxLength: 100 })),
  user: Type.Optional(Type.String({ maxLength: 60 })),
  status: Type.Optional(Type.Union([Type.Literal(''), Type.Literal('solved'), Type.Literal('unsolved')])),
  sort: Type.Optional(Type.Union([Type.Literal('relevance'), Type.Literal('newest')])),
  in: Type.Optional(Type.Union([Type.Literal(''), Type.Literal('titles')])),
  // Days as <input type="date"> sends them; whether the day exists is checked in the route.
  from: Type.Optional(Type.String({ pattern: '^(\\d{4}-\\d{2}-\\d{2})?$' })),
  to: Type.Optional(Type.String({ pattern: '^(\\d{4}-\\d{2}-\\d{2})?$' })),
  page: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })),
});

/** Search as you type: the header's box sends what has been typed so far. */
export const SuggestQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
});
