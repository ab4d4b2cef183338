import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { parseId } from '../../lib/ids.js';
import { canHandleReview, canHidePost, canUnhidePost, type Viewer } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { isHtmx, redirect, render } from '../../web/render.js';
import { findPostForViewer, requirePostForViewer } from '../posts/posts.queries.js';
import { pageOf, topicUrl } from '../topics/topics.routes.js';
import { renderPostFragment } from './flags.routes.js';
import { DecisionBody, FlagParams, HideBody, QUEUE_DECISIONS, QueueParams, QueueQuery } from './flags.schemas.js';
import * as q from './queue.queries.js';
import { decide, hideByModerator, unhideByModerator } from './queue.service.js';
import { ESCALATION_HOURS, suggestDuration } from './sanctions.js';

/** The queue's items with their flags and their authors' sanction record, ready for the templates. */
async function queueView(db: FastifyInstance['db'], viewer: Viewer, items: q.QueueItem[]) {
  const flags = await q.listFlagsForItems(db, items.map((i) => i.id));
  const history = await q.listSanctionHistory(db, [...new Set(items.map((i) => i.author_id))]);
  return items.map((item) => {
    const mine = history.filter((s) => s.user_id === item.author_id);
    return {
      ...item,
      flags: flags.filter((f) => f.review_item_id === item.id),
      openFlags: flags.filter((f) => f.review_item_id === item.id && f.status === 'open').length,
      sanctionCount: mine.length,
      suggestedHours: suggestDuration(mine),
      postUrl: topicUrl({ id: item.topic_id, slug: item.topic_slug }, pageOf(item.post_number), item.post_id),
      canHandle: canHandleReview(viewer, { id: item.author_id }),
    };
  });
}

function nextCursor(items: q.QueueItem[]): string | null {
  const last = items.at(-1);
  return items.length === q.QUEUE_PAGE && last ? q.encodeQueueCursor({ deferred: !!last.deferred_at, score: last.score, id: last.id }) : null;
}

export default async function queueRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;
  const durations = ESCALATION_HOURS.map((h) => (h === null ? 'permanent' : String(h)));

  app.get('/queue', { schema: { querystring: QueueQuery } }, async (request, reply) => {
    const viewer = request.viewer!;
    const after = q.decodeQueueCursor(request.query.after);
    if (request.query.after && !after) throw new NotFoundError();
    const rows = await q.listQueue(db, viewer, after);
    const items = await queueView(db, viewer, rows);
    return render(request, reply, {
      page: 'mod/queue/index',
      fragment: 'mod/queue/_list',
      title: request.i18n.t('queue.title'),
      data: { items, next: nextCursor(rows), durations, errors: {} },
    });
  });

  app.post('/queue/:itemId/:decision', { schema: { params: QueueParams, body: DecisionBody }, attachValidation: true }, async (request, reply) => {
    const viewer = request.viewer!;
    const id = parseId(request.params.itemId);
    const decision = QUEUE_DECISIONS.find((d) => d === request.params.decision);
    const row = id && decision && (await q.findQueueItem(db, viewer, id));
    if (!row) throw new NotFoundError();
    if (request.validationError) {
      const [item] = await queueView(db, viewer, [row]);
      return render(request, reply, { page: 'mod/queue/_item', status: 422, data: { item, durations, errors: { form: request.i18n.t('queue.badDuration') } } });
    }
    const body = request.body;
    const sanction =
      decision === 'agree' && body.sanction && body.sanction !== 'none'
        ? { kind: body.sanction, hours: !body.hours || body.hours === 'permanent' ? null : Number(body.hours) }
        : null;
    if (sanction && !body.hours) {
      const [item] = await queueView(db, viewer, [row]);
      return render(request, reply, { page: 'mod/queue/_item', status: 422, data: { item, durations, errors: { form: request.i18n.t('queue.badDuration') } } });
    }
    const result = await decide(db, viewer, row.id, {
      decision,
      reason: body.reason ?? '',
      deletePost: decision === 'agree' && body.delete === '1',
      sanction,
      reasonLabel: (key) => request.i18n.t(`flags.reason.${key}`),
    });
    if (!isHtmx(request)) return redirect(request, reply, '/mod/queue');
    return render(request, reply, { page: 'mod/queue/_result', data: { itemId: row.id, result, postUrl: topicUrl({ id: row.topic_id, slug: row.topic_slug }, pageOf(row.post_number), row.post_id) } });
  });

  /** After hide/unhide: the post in place (htmx) or back to it on its topic page. */
  async function backToPost(request: FastifyRequest, reply: FastifyReply, found: NonNullable<Awaited<ReturnType<typeof findPostForViewer>>>) {
    if (isHtmx(request)) return renderPostFragment(request, reply, found.post.id);
    return redirect(request, reply, topicUrl(found.topic, pageOf(found.post.post_number), found.post.id));
  }

  const loadPost = (request: FastifyRequest, rawId: string) => requirePostForViewer(db, request.viewer, rawId);

  app.post('/posts/:id/hide', { schema: { params: FlagParams, body: HideBody } }, async (request, reply) => {
    const found = await loadPost(request, request.params.id);
    const viewer = request.viewer!;
    if (!canHidePost(viewer, found.topic, found.post)) throw new ForbiddenError();
    await hideByModerator(db, viewer, found.topic, found.post.id, request.body.reason ?? '');
    return backToPost(request, reply, found);
  });

  app.post('/posts/:id/unhide', { schema: { params: FlagParams, body: HideBody } }, async (request, reply) => {
    const found = await loadPost(request, request.params.id);
    const viewer = request.viewer!;
    // Restoring one's own hidden post would be handling one's own flags: other moderators and staff do that.
    if (!canUnhidePost(viewer, found.topic, found.post) || !canHandleReview(viewer, { id: found.post.user_id })) throw new ForbiddenError();
    await unhideByModerator(db, viewer, found.post.id, request.body.reason ?? '');
    return backToPost(request, reply, found);
  });

}
