import { Type } from 'typebox';

export const CategoryBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 60 }),
  slug: Type.String({ minLength: 1, maxLength: 60 }),
  kind: Type.Union(['discussion', 'questions', 'ideas', 'announcements'].map((k) => Type.Literal(k))),
  description: Type.Optional(Type.String({ maxLength: 500 })),
  color: Type.Optional(Type.String({ maxLength: 7 })),
  parent_id: Type.Optional(Type.String({ maxLength: 12 })),
  read_access: Type.Union([Type.Literal('everyone'), Type.Literal('members'), Type.Literal('staff')]),
  post_access: Type.Union([Type.Literal('members'), Type.Literal('staff')]),
  approval_below_tl: Type.Optional(Type.String({ maxLength: 2 })),
});

export const SlugParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 100 }) });
export const IdParams = Type.Object({ id: Type.String({ maxLength: 12 }) });
export const ListQuery = Type.Object({ before: Type.Optional(Type.String({ maxLength: 40 })) });
export const MoveBody = Type.Object({ direction: Type.Union([Type.Literal('up'), Type.Literal('down')]) });
