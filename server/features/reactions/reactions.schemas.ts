import { Type } from 'typebox';

export const ReactionParams = Type.Object({ id: Type.String({ maxLength: 20 }) });

/** `reaction` is one of the configured keys; which ones exist is a setting, checked by the route. */
export const ReactionBody = Type.Object({ reaction: Type.String({ minLength: 1, maxLength: 32 }) });
