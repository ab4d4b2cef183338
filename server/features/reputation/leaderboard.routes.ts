import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { render } from '../../web/render.js';
import { type Period, PERIODS, topAnswerers, topByReputation } from './leaderboard.queries.js';

const LeaderboardQuery = Type.Object({ period: Type.Optional(Type.String({ maxLength: 20 })) });

/** GET /leaderboard?period=week|month|all: top members by reputation gained, and top answerers. Public. */
export default async function leaderboardRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  // Guests' boards are the same for every guest (web/guest-cache.ts): reputation moves with posts, reactions and
  // accepted answers, each of which drops the cached lists.
  app.get('/leaderboard', { schema: { querystring: LeaderboardQuery }, config: { guestCache: 'list' } }, async (request, reply) => {
    // An unknown period falls back to the default tab rather than failing: it is only a view choice.
    const raw = request.query.period;
    const period: Period = PERIODS.includes(raw as Period) ? (raw as Period) : 'week';
    const [members, answerers] = await Promise.all([topByReputation(db, period), topAnswerers(db, request.viewer, period)]);
    return render(request, reply, {
      page: 'reputation/leaderboard',
      fragment: 'reputation/_boards',
      title: request.i18n.t('leaderboard.title'),
      data: { period, periods: PERIODS, members, answerers },
    });
  });
}
