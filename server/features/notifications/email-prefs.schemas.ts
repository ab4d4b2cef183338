import { Type } from 'typebox';
import { MAIL_GROUPS } from './email-prefs.js';

// Shape only (every field a short string); which values are allowed is checked in the route, so a wrong value
// shows its message next to its own select.
const Choice = Type.Optional(Type.String({ maxLength: 20 }));

export const EmailPrefsBody = Type.Object({
  ...Object.fromEntries(MAIL_GROUPS.map((g) => [g, Choice])),
  digest: Choice,
});

export const EmailPrefsQuery = Type.Object({ saved: Type.Optional(Type.Literal('1')) });

/** `<user id>-<scope>.<HMAC-SHA256 in base64url>`; anything else is a bad request (400) before any lookup. */
export const UnsubscribeParams = Type.Object({ token: Type.String({ maxLength: 100, pattern: '^[1-9][0-9]{0,9}-[a-z_]{1,20}\\.[A-Za-z0-9_-]{43}$' }) });
