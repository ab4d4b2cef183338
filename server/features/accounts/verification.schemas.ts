import { Type } from 'typebox';

/** The token's shape is checked by the service, so a mangled link gets the "no longer valid" page, not a 400. */
export const VerifyParams = Type.Object({ token: Type.String({ maxLength: 200 }) });

export const VerifyQuery = Type.Object({ sent: Type.Optional(Type.String({ maxLength: 1 })) });
