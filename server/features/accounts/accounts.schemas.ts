import { Type } from 'typebox';

export const SignupBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 60 }),
  email: Type.String({ minLength: 1, maxLength: 254 }),
  password: Type.String({ minLength: 10, maxLength: 200 }),
});

export const LoginBody = Type.Object({
  login: Type.String({ minLength: 1, maxLength: 254 }),
  password: Type.String({ minLength: 1, maxLength: 200 }),
  next: Type.Optional(Type.String({ maxLength: 500 })),
});

export const LocaleBody = Type.Object({
  locale: Type.Union([Type.Literal('ru'), Type.Literal('en')]),
  next: Type.Optional(Type.String({ maxLength: 500 })),
});

export const UsernameParams = Type.Object({ username: Type.String({ minLength: 1, maxLength: 60 }) });

export const LocaleParams = Type.Object({ locale: Type.Union([Type.Literal('ru'), Type.Literal('en')]) });
export const NextQuery = Type.Object({ next: Type.Optional(Type.String({ maxLength: 500 })) });
