import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { parseId } from '../../lib/ids.js';
import { render } from '../../web/render.js';
import { listForAuthor } from './approvals.queries.js';

const PendingQuery = Type.Object({ held: Type.Optional(Type.String({ maxLength: 12 })) });

/** /my/pending: the signed-in member's held posts — waiting, approved (with a link) or rejected (with the reason and the text). */
export default async function pendingRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  app.get('/my/pending', { schema: { querystring: PendingQuery } }, async (request, reply) => {
    const viewer = request.viewer;
    if (!viewer) return reply.redirect('/login?next=%2Fmy%2Fpending', 303);
    const items = await listForAuthor(db, viewer.id);
    const heldId = parseId(request.query.held);
    const held = heldId ? items.find((i) => i.id === heldId && i.status === 'pending') : undefined;
    return render(request, reply, { page: 'my/pending', title: request.i18n.t('pending.title'), data: { items, held } });
  });
}
