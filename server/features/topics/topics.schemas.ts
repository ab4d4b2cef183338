import { Type } from 'typebox';

export const NewTopicBody = Type.Object({
  category_id: Type.String({ minLength: 1, maxLength: 12 }),
  title: Type.String({ minLength: 1, maxLength: 300 }),
  body: Type.String({ minLength: 1, maxLength: 50_000 }),
});

export const NewTopicQuery = Type.Object({ category: Type.Optional(Type.String({ maxLength: 12 })) });

export const ReplyBody = Type.Object({
  body: Type.String({ minLength: 1, maxLength: 50_000 }),
  reply_to: Type.Optional(Type.String({ maxLength: 12 })),
});

export const PreviewBody = Type.Object({ body: Type.Optional(Type.String({ maxLength: 50_000 })) });

export const TopicParams = Type.Object({ id: Type.String({ maxLength: 20 }), slug: Type.Optional(Type.String({ maxLength: 200 })) });

export const TopicQuery = Type.Object({ page: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,5}$' })) });

export const ReplyFormQuery = Type.Object({ quote: Type.Optional(Type.String({ maxLength: 12 })) });
