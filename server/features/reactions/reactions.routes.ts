import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { canReact, canViewReactions, isLivePost } from '../../policy/index.js';
import { ForbiddenError, NotFoundError, renderError } from '../../web/errors.js';
import { BadInputError } from '../../web/forms.js';
import { isHtmx, render } from '../../web/render.js';
import { findPostForViewer, requirePostForViewer } from '../posts/posts.queries.js';
import { dailyReactionLimit, getSettings, type Settings } from '../settings/settings.js';
import { pageOf, topicUrl } from '../topics/topics.routes.js';
import * as q from './reactions.queries.js';
import { ReactionBody, ReactionParams } from './reactions.schemas.js';
import * as service from './reactions.service.js';
import { awardAfterCommit } from '../badges/badges.service.js';

/** The badges a reaction can earn its post's author. */
const REACTION_BADGES = ['first_reaction', 'popular_post'];

type Found = NonNullable<Awaited<ReturnType<typeof findPostForViewer>>>;

export default async function reactionsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  const load = (request: FastifyRequest, rawId: string) => requirePostForViewer(db, request.viewer, rawId);

  const postUrl = ({ post, topic }: Found) => topicUrl(topic, pageOf(post.post_number), post.id);

  /** The reaction bar of one post as this viewer sees it (the fragment the topic page includes per post). */
  async function renderBar(request: FastifyRequest, reply: FastifyReply, found: Found, settings: Settings, opts: { counts?: Record<string, number>; notice?: string; status?: number } = {}) {
    const viewer = request.viewer;
    const mine = viewer ? ((await q.listViewerReactions(db, viewer.id, [found.post.id])).get(found.post.id) ?? []) : [];
    const post = { ...found.post, reaction_counts: opts.counts ?? found.post.reaction_counts };
    const item = { post, mine, can: { react: canReact(viewer, found.topic, found.post) } };
    const data = { topic: found.topic, item, reactionSet: settings.reactions, notice: opts.notice };
    return render(request, reply, { page: 'reactions/_bar', status: opts.status, data });
  }

  /** Toggles the viewer's reaction; htmx gets the updated bar, a plain form post goes back to the post. */
  app.post('/posts/:id/reactions', { schema: { params: ReactionParams, body: ReactionBody } }, async (request, reply) => {
    const found = await load(request, request.params.id);
    const { post, topic } = found;
    if (!isLivePost(topic, post)) throw new NotFoundError();
    const viewer = request.viewer;
    if (!viewer) {
      const login = `/login?next=${encodeURIComponent(postUrl(found))}`;
      // htmx: 401, and HX-Redirect takes the browser to the login page.
      if (isHtmx(request)) return reply.header('HX-Redirect', login).code(401).send();
      return reply.redirect(login, 303);
    }
    if (post.user_id === viewer.id) throw new ForbiddenError('reactions.ownPost');
    if (!canReact(viewer, topic, post)) throw new ForbiddenError();
    const settings = await getSettings(db);
    const reaction = settings.reactions.find((r) => r.key === request.body.reaction);
    if (!reaction) throw new BadInputError('unknown reaction');
    try {
      const { counts } = await service.toggleReaction(db, viewer, post.id, reaction, dailyReactionLimit(settings, viewer.trust_level));
      // Only what a reaction can earn: on a large forum every other rule would cost a scan of the author's posts.
      await awardAfterCommit(db, [post.user_id], request.log, REACTION_BADGES);
      if (!isHtmx(request)) return reply.redirect(postUrl(found), 303);
      return renderBar(request, reply, found, settings, { counts });
    } catch (err) {
      if (!(err instanceof service.DailyReactionLimitError)) throw err;
      reply.header('Retry-After', String(err.retryAfter));
      const params = { limit: err.limit, hours: Math.max(1, Math.ceil(err.retryAfter / 3600)) };
      request.log.info({ status: 429, limit: err.limit }, 'daily reaction limit');
      // htmx swaps a 429 (see the layout's responseHandling): the bar comes back with the message in it.
      if (isHtmx(request)) return renderBar(request, reply, found, settings, { notice: request.i18n.t('reactions.dailyLimit', params), status: 429 });
      return renderError(request, reply, { status: 429, title: 'reactions.dailyLimitTitle', text: 'reactions.dailyLimit', params });
    }
  });

  /** Who reacted, by kind: a page without JavaScript, the list alone for htmx. */
  app.get('/posts/:id/reactions', { schema: { params: ReactionParams } }, async (request, reply) => {
    const found = await load(request, request.params.id);
    if (!canViewReactions(request.viewer, found.topic, found.post)) throw new NotFoundError();
    const [settings, rows] = await Promise.all([getSettings(db), q.listReactors(db, found.post.id)]);
    const counts = found.post.reaction_counts;
    const groups = settings.reactions
      .map((r) => ({ ...r, count: counts[r.key] ?? 0, users: rows.filter((row) => row.kind === r.key) }))
      .filter((g) => g.count > 0);
    return render(request, reply, {
      page: 'reactions/who',
      fragment: 'reactions/_who',
      title: request.i18n.t('reactions.whoTitle', { number: found.post.post_number }),
      data: { topic: found.topic, post: found.post, groups, back: postUrl(found) },
    });
  });

  /** The bar alone: a post fragment rendered without reaction data (after an inline edit or restore) loads it from here. */
  app.get('/posts/:id/reactions/bar', { schema: { params: ReactionParams } }, async (request, reply) => {
    const found = await load(request, request.params.id);
    if (!isHtmx(request)) return reply.redirect(postUrl(found), 303);
    if (!isLivePost(found.topic, found.post)) return reply.header('Vary', 'HX-Request, Cookie, Accept-Language').type('text/html; charset=utf-8').send('');
    return renderBar(request, reply, found, await getSettings(db));
  });
}
