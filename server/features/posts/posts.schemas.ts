import { Type } from 'typebox';

export const PostParams = Type.Object({ id: Type.String({ maxLength: 20 }) });
export const EditBody = Type.Object({ body: Type.String({ minLength: 1, maxLength: 50_000 }) });
