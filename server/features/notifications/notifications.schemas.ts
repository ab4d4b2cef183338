import { Type } from 'typebox';

export const NotificationParams = Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,9}$' }) });
export const NotificationsQuery = Type.Object({ before: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,9}$' })) });
