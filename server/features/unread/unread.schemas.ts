import { Type } from 'typebox';

export const UnreadListQuery = Type.Object({ before: Type.Optional(Type.String({ maxLength: 40 })) });
/** When the list was shown (epoch milliseconds); a missing or malformed value means "now". */
export const DismissBody = Type.Object({ until: Type.Optional(Type.String({ maxLength: 20 })) });
export const ReadParams = Type.Object({ id: Type.String({ maxLength: 12 }) });
/** The last post the reader saw on the page (its id: the page knows ids, the server knows their numbers). */
export const ReadBody = Type.Object({ post_id: Type.String({ maxLength: 12 }) });
