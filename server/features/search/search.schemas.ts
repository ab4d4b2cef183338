import { Type } from 'typebox';

export const SearchQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  category: Type.Optional(Type.String({ maxLength: 100 })),
  user: Type.Optional(Type.String({ maxLength: 60 })),
  status: Type.Optional(Type.Union([Type.Literal(''), Type.Literal('solved'), Type.Literal('unsolved')])),
  sort: Type.Optional(Type.Union([Type.Literal('relevance'), Type.Literal('newest')])),
  page: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })),
});
