import type { FastifyInstance } from 'fastify';
import { canAccessAdmin } from '../../policy/index.js';
import { NotFoundError } from '../../web/errors.js';
import categoriesAdminRoutes from '../categories/categories.admin.routes.js';
import usersAdminRoutes from '../accounts/users.admin.routes.js';
import badgesAdminRoutes from '../badges/badges.admin.routes.js';
import trustAdminRoutes from '../trust/trust.admin.routes.js';
import settingsAdminRoutes from '../settings/settings.admin.routes.js';
import moderationAdminRoutes from '../settings/moderation.admin.routes.js';

/**
 * Everything under /admin: one guard for all of it, then each admin area by hand.
 * Non-admins get "not found": the admin area does not exist for them.
 */
export default async function adminRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', async (request) => {
    if (!canAccessAdmin(request.viewer)) throw new NotFoundError();
  });
  app.get('/', async (_request, reply) => reply.redirect('/admin/categories', 303));
  await app.register(categoriesAdminRoutes, { prefix: '/categories' });
  await app.register(usersAdminRoutes, { prefix: '/users' });
  await app.register(settingsAdminRoutes, { prefix: '/settings' });
  await app.register(moderationAdminRoutes, { prefix: '/moderation' });
  await app.register(trustAdminRoutes, { prefix: '/trust' });
  await app.register(badgesAdminRoutes, { prefix: '/badges' });
}
