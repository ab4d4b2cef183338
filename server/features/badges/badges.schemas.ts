import { Type } from 'typebox';

export const BadgeParams = Type.Object({ id: Type.String({ maxLength: 12 }) });
export const HoldersQuery = Type.Object({ after: Type.Optional(Type.String({ maxLength: 12 })) });

export const CustomBadgeBody = Type.Object({
  icon: Type.String({ minLength: 1, maxLength: 16 }),
  name_en: Type.Optional(Type.String({ maxLength: 60 })),
  name_ru: Type.Optional(Type.String({ maxLength: 60 })),
  description_en: Type.Optional(Type.String({ maxLength: 300 })),
  description_ru: Type.Optional(Type.String({ maxLength: 300 })),
});

export const GrantBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 60 }),
  reason: Type.Optional(Type.String({ maxLength: 500 })),
});
