import type { FastifyInstance } from 'fastify';
import { canModerate } from '../../policy/index.js';
import { NotFoundError } from '../../web/errors.js';
import { bannerModRoutes } from '../banner/banner.routes.js';
import scheduledRoutes from '../scheduled/scheduled.routes.js';
import approvalsRoutes from './approvals.routes.js';
import logRoutes from './log.routes.js';
import queueRoutes from './queue.routes.js';
import sanctionsRoutes from './sanctions.routes.js';
import topicToolsRoutes from './topic-tools.routes.js';

/**
 * Everything under /mod: one guard for all of it (moderators, staff and admins who are not suspended),
 * then each moderation area by hand. For anyone else the area does not exist: 404.
 */
export default async function modRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', async (request) => {
    if (!canModerate(request.viewer)) throw new NotFoundError();
  });
  app.get('/', async (_request, reply) => reply.redirect('/mod/queue', 303));
  await app.register(queueRoutes);
  await app.register(approvalsRoutes);
  await app.register(sanctionsRoutes);
  await app.register(topicToolsRoutes);
  await app.register(logRoutes);
  await app.register(bannerModRoutes);
  await app.register(scheduledRoutes);
}
