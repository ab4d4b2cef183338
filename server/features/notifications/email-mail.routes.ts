import type { FastifyInstance } from 'fastify';
import emailPrefsRoutes from './email-prefs.routes.js';
import unsubscribeRoutes from './unsubscribe.routes.js';

/** Notification mail's pages: the member's email preferences and the one-click unsubscribe links. */
export default async function emailMailRoutes(app: FastifyInstance): Promise<void> {
  await app.register(emailPrefsRoutes);
  await app.register(unsubscribeRoutes);
}
