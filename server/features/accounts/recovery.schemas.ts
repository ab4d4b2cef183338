import { Type } from 'typebox';

export const ForgotBody = Type.Object({ login: Type.String({ minLength: 1, maxLength: 254 }) });
export const ResetParams = Type.Object({ token: Type.String({ maxLength: 200 }) });
export const ResetBody = Type.Object({
  new_password: Type.String({ minLength: 1, maxLength: 200 }),
  confirm_password: Type.String({ minLength: 1, maxLength: 200 }),
});
export const EmailBody = Type.Object({
  current_password: Type.String({ minLength: 1, maxLength: 200 }),
  email: Type.String({ minLength: 1, maxLength: 254 }),
});
