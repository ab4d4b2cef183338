import { Type } from 'typebox';

export const IdParams = Type.Object({ id: Type.String({ maxLength: 20 }) });
export const SlugParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 100 }) });
export const UsernameParams = Type.Object({ username: Type.String({ minLength: 1, maxLength: 60 }) });
/** The level arrives as free text and is checked by the route (a wrong value is a 422, not a 400). */
export const LevelBody = Type.Object({ level: Type.Optional(Type.String({ maxLength: 20 })) });
export const BookmarksQuery = Type.Object({ before: Type.Optional(Type.String({ maxLength: 12 })) });
