import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { parseId } from '../../lib/ids.js';
import { NotFoundError } from '../../web/errors.js';
import { render } from '../../web/render.js';
import { badgeText } from './badges.rules.js';
import * as q from './badges.queries.js';
import { BadgeParams, HoldersQuery } from './badges.schemas.js';

/** Public badge pages: every badge with how many hold it, and who holds one. */
export default async function badgesRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  app.get('/badges', async (request, reply) => {
    const rows = await q.listBadgesWithCounts(db);
    const badges = rows.map((b) => ({ ...b, ...badgeText(b, request.i18n) }));
    return render(request, reply, { page: 'badges/index', title: request.i18n.t('badges.title'), data: { badges } });
  });

  /** Holders in the order they earned it, paged by key; htmx "more" gets the next rows alone. */
  app.get('/badges/:id', { schema: { params: BadgeParams, querystring: HoldersQuery } }, async (request, reply) => {
    const id = parseId(request.params.id);
    const found = id && (await q.findBadge(db, id));
    if (!found) throw new NotFoundError();
    const after = request.query.after ? parseId(request.query.after) : null;
    if (request.query.after && !after) throw new NotFoundError();
    const holders = await q.listHolders(db, found.id, after);
    const next = holders.length === q.HOLDERS_PER_PAGE ? holders.at(-1)!.id : null;
    const badge = { ...found, ...badgeText(found, request.i18n) };
    return render(request, reply, { page: 'badges/show', fragment: 'badges/_holders', title: badge.name, data: { badge, holders, next, after } });
  });
}
