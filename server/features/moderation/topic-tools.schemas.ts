import { Type } from 'typebox';

const Reason = Type.Optional(Type.String({ maxLength: 500 }));
const Id = Type.String({ maxLength: 12 });

export const ToolParams = Type.Object({ id: Type.String({ maxLength: 20 }) });
export const ToggleBody = Type.Object({ reason: Reason });
export const SlowModeBody = Type.Object({ seconds: Type.String({ pattern: '^[0-9]{1,6}$' }), reason: Reason });
export const MoveBody = Type.Object({ category_id: Type.String({ minLength: 1, maxLength: 12 }), confirm: Type.Optional(Type.Literal('1')), reason: Reason });
/** `into`: the target topic's id, or its URL (/t/123/slug) pasted from the address bar. */
export const MergeBody = Type.Object({ into: Type.String({ minLength: 1, maxLength: 300 }), confirm: Type.Optional(Type.Literal('1')), reason: Reason });
export const SplitBody = Type.Object({
  post_ids: Type.Optional(Type.Union([Id, Type.Array(Id, { maxItems: 1000 })])),
  title: Type.String({ minLength: 1, maxLength: 300 }),
  category_id: Type.Optional(Type.String({ maxLength: 12 })),
  confirm: Type.Optional(Type.Literal('1')),
  reason: Reason,
});
export const SplitQuery = Type.Object({ from: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,6}$' })) });
