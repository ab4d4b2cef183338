import { Type } from 'typebox';
import { BODY_MAX, TITLE_MAX } from './drafts.service.js';

/** Which draft: 'new_topic' or 'topic:<id>' (checked again by the service). */
export const DraftQuery = Type.Object({ key: Type.String({ maxLength: 40 }) });

/** What the posting forms send; other fields of the form (the CSRF token, reply_to) are let through and ignored. */
export const DraftBody = Type.Object({
  title: Type.Optional(Type.String({ maxLength: TITLE_MAX })),
  body: Type.Optional(Type.String({ maxLength: BODY_MAX })),
  category_id: Type.Optional(Type.String({ maxLength: 12 })),
});
