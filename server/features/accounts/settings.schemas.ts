import { Type } from 'typebox';

// Shape only, with generous bounds so every string is limited; the exact limits are rules in profile.service
// (so the form shows "too long: at most 60" next to the field instead of a generic error).
export const ProfileBody = Type.Object({
  display_name: Type.Optional(Type.String({ maxLength: 60 })),
  bio: Type.Optional(Type.String({ maxLength: 3000 })),
  locale: Type.Union([Type.Literal('ru'), Type.Literal('en')]),
});

export const PasswordBody = Type.Object({
  current_password: Type.String({ minLength: 1, maxLength: 200 }),
  new_password: Type.String({ minLength: 1, maxLength: 200 }),
  confirm_password: Type.String({ minLength: 1, maxLength: 200 }),
});

export const SettingsQuery = Type.Object({ saved: Type.Optional(Type.Union([Type.Literal('profile'), Type.Literal('password'), Type.Literal('email')])) });
