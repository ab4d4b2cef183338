import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { parseId } from '../../lib/ids.js';
import { canWatchCategory, canWatchTopic } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { isHtmx, render } from '../../web/render.js';
import { findVisibleCategoryBySlug } from '../categories/categories.queries.js';
import { findTopicForViewer, type TopicView } from '../topics/topics.queries.js';
import bookmarksRoutes from './bookmarks.routes.js';
import mutesRoutes from './mutes.routes.js';
import { findCategoryLevel, findTopicWatchState } from './watching.queries.js';
import { IdParams, LevelBody, SlugParams } from './watching.schemas.js';
import * as service from './watching.service.js';
import { watchExtra } from './watching.topic-extra.js';
import { WATCH_LEVELS, type WatchLevel } from './watching.types.js';

/** The level from a form, or null when it is not one of the four. */
export function parseLevel(raw: unknown): WatchLevel | null {
  return WATCH_LEVELS.find((l) => l === raw) ?? null;
}

function loginRedirect(reply: FastifyReply, next: string) {
  return reply.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
}

export default async function watchingRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;
  await app.register(bookmarksRoutes);
  await app.register(mutesRoutes);

  async function loadTopic(request: FastifyRequest, rawId: string): Promise<TopicView> {
    const id = parseId(rawId);
    const topic = id && (await findTopicForViewer(db, request.viewer, id));
    if (!topic) throw new NotFoundError();
    return topic;
  }

  /** The topic's watch control: the fragment for htmx, or (no JavaScript, after a bad value) a small page. */
  async function topicControl(request: FastifyRequest, reply: FastifyReply, topic: TopicView, extra: { error?: string; saved?: boolean } = {}, status = 200) {
    const watch = watchExtra(topic, request.viewer, await findTopicWatchState(db, request.viewer!.id, topic, 1, 0));
    const data = { topic, extras: { watch }, watchError: extra.error ?? null, watchSaved: !!extra.saved };
    return render(request, reply, { page: 'watching/topic', fragment: 'watching/_topic_watch', title: topic.title, status, data });
  }

  app.post('/t/:id/watch', { schema: { params: IdParams, body: LevelBody } }, async (request, reply) => {
    const topic = await loadTopic(request, request.params.id);
    const viewer = request.viewer;
    const back = `/t/${topic.id}/${topic.slug}`;
    if (!viewer) return loginRedirect(reply, back);
    if (!canWatchTopic(viewer, topic)) throw new ForbiddenError('watching.errors.cannotWatch');
    const level = parseLevel(request.body.level);
    if (!level) return topicControl(request, reply, topic, { error: request.i18n.t('watching.errors.level') }, 422);
    await service.setTopicLevel(db, viewer.id, topic.id, level);
    if (isHtmx(request)) return topicControl(request, reply, topic, { saved: true });
    return reply.redirect(back, 303);
  });

  async function loadCategory(request: FastifyRequest, slug: string) {
    const category = await findVisibleCategoryBySlug(db, request.viewer, slug);
    if (!category) throw new NotFoundError();
    return category;
  }

  async function categoryControl(request: FastifyRequest, reply: FastifyReply, category: Awaited<ReturnType<typeof loadCategory>>, extra: { error?: string; saved?: boolean } = {}, status = 200) {
    const level = (await findCategoryLevel(db, request.viewer!.id, category.id)) ?? 'normal';
    const data = { category, level, watchError: extra.error ?? null, watchSaved: !!extra.saved };
    return render(request, reply, { page: 'watching/category', fragment: 'watching/_category_watch', title: category.name, status, data });
  }

  // The category page loads this control itself (htmx, on load), so a category page view costs no extra query;
  // without JavaScript the link in its place leads to this page.
  app.get('/c/:slug/watch', { schema: { params: SlugParams } }, async (request, reply) => {
    const category = await loadCategory(request, request.params.slug);
    if (!request.viewer) return loginRedirect(reply, `/c/${category.slug}/watch`);
    if (!canWatchCategory(request.viewer, category)) throw new ForbiddenError('watching.errors.cannotWatch');
    return categoryControl(request, reply, category);
  });

  app.post('/c/:slug/watch', { schema: { params: SlugParams, body: LevelBody } }, async (request, reply) => {
    const category = await loadCategory(request, request.params.slug);
    const viewer = request.viewer;
    if (!viewer) return loginRedirect(reply, `/c/${category.slug}/watch`);
    if (!canWatchCategory(viewer, category)) throw new ForbiddenError('watching.errors.cannotWatch');
    const level = parseLevel(request.body.level);
    if (!level) return categoryControl(request, reply, category, { error: request.i18n.t('watching.errors.level') }, 422);
    await service.setCategoryLevel(db, viewer.id, category.id, level);
    if (isHtmx(request)) return categoryControl(request, reply, category, { saved: true });
    return reply.redirect(`/c/${category.slug}`, 303);
  });
}
