import { Type } from 'typebox';

export const AnswerParams = Type.Object({ id: Type.String({ maxLength: 20 }) });
export const QuestionListParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 100 }) });
export const QuestionListQuery = Type.Object({ before: Type.Optional(Type.String({ maxLength: 40 })) });
