import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { parseId } from '../../lib/ids.js';
import { canMergeIdea, canSetIdeaStatus, canUnvoteIdea, canVoteIdea, ideaActions, isIdea, type Viewer } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { type FieldErrors, fieldErrors, FormError, formValues } from '../../web/forms.js';
import { isHtmx, redirect, render } from '../../web/render.js';
import { parseTopicRef } from '../moderation/topic-tools.routes.js';
import { findTopicForViewer, type TopicView } from '../topics/topics.queries.js';
import { topicUrl } from '../topics/topics.routes.js';
import './ideas.extra.js';
import { IdeaParams, MergeBody, StatusBody } from './ideas.schemas.js';
import * as service from './ideas.service.js';
import { IDEA_STATUSES } from './ideas.types.js';

/** The idea board: votes, statuses and merging duplicates (lists are served by the category page). */
export default async function ideasRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  /** The idea if this viewer may read it; anything else (no topic, not an idea) does not exist for them. */
  async function loadIdea(request: FastifyRequest, rawId: string): Promise<TopicView> {
    const id = parseId(rawId);
    const topic = id && (await findTopicForViewer(db, request.viewer, id));
    if (!topic || !isIdea(topic)) throw new NotFoundError();
    return topic;
  }

  /** Guests are sent to log in (htmx: 401 with HX-Redirect, like reactions). */
  function toLogin(request: FastifyRequest, reply: FastifyReply, topic: TopicView) {
    const login = `/login?next=${encodeURIComponent(topicUrl(topic))}`;
    if (isHtmx(request)) return reply.header('HX-Redirect', login).code(401).send();
    return reply.redirect(login, 303);
  }

  for (const path of ['vote', 'unvote'] as const) {
    app.post(`/t/:id/${path}`, { schema: { params: IdeaParams } }, async (request, reply) => {
      const topic = await loadIdea(request, request.params.id);
      const viewer = request.viewer;
      if (!viewer) return toLogin(request, reply, topic);
      const on = path === 'vote';
      if (on ? !canVoteIdea(viewer, topic) : !canUnvoteIdea(viewer, topic)) throw new ForbiddenError('ideas.cannotVote');
      const result = await service.setVote(db, viewer, topic.id, on);
      // From a row of the board: back to the board (its own category, never a supplied address), or the row's button.
      const fromList = (request.body as { in?: unknown } | undefined)?.in === 'list';
      if (!isHtmx(request)) return reply.redirect(fromList ? `/c/${topic.category_slug}` : topicUrl(topic), 303);
      if (fromList) {
        const row = { id: topic.id, title: topic.title, vote_count: result.count, idea_vote: { voted: result.voted, can: ideaActions(viewer, topic, result.voted) } };
        return render(request, reply, { page: 'ideas/_row_vote', data: { idea: row } });
      }
      // The vote box swapped in place, with the count as it is after this vote.
      const idea = { voted: result.voted, count: result.count, can: ideaActions(viewer, topic, result.voted) };
      return render(request, reply, { page: 'ideas/_vote', data: { topic, idea } });
    });
  }

  /** Only brand staff reach the status and merge forms; others see the idea but are refused. */
  function requireStaff(request: FastifyRequest, topic: TopicView, allowed: (v: Viewer | null, t: TopicView) => boolean): Viewer {
    if (!request.viewer || !allowed(request.viewer, topic)) throw new ForbiddenError('ideas.cannotSetStatus');
    return request.viewer;
  }

  function statusPage(request: FastifyRequest, reply: FastifyReply, topic: TopicView, values: Record<string, string>, errors: FieldErrors = {}, status = 200) {
    const data = { topic, values, errors, statuses: IDEA_STATUSES, topicUrl };
    const title = request.i18n.t('ideas.setStatus.title');
    if (isHtmx(request)) reply.header('HX-Retarget', '#idea-status-form').header('HX-Reswap', 'outerHTML');
    return render(request, reply, { page: 'ideas/status', fragment: 'ideas/_status_form', title, status, data });
  }

  app.get('/t/:id/status', { schema: { params: IdeaParams } }, async (request, reply) => {
    const topic = await loadIdea(request, request.params.id);
    requireStaff(request, topic, canSetIdeaStatus);
    return statusPage(request, reply, topic, { status: topic.idea_status === 'merged' ? 'new' : topic.idea_status, comment: '' });
  });

  app.post('/t/:id/status', { schema: { params: IdeaParams, body: StatusBody }, attachValidation: true }, async (request, reply) => {
    const topic = await loadIdea(request, request.params.id);
    const viewer = requireStaff(request, topic, canSetIdeaStatus);
    const values = formValues(request);
    if (request.validationError) return statusPage(request, reply, topic, values, fieldErrors(request.i18n, request.validationError), 422);
    try {
      await service.setStatus(db, viewer, topic.id, request.body.status, request.body.comment ?? '');
    } catch (err) {
      if (err instanceof FormError) return statusPage(request, reply, topic, values, fieldErrors(request.i18n, err), 422);
      throw err;
    }
    // The label, the history and the actions all change: htmx reloads the page, without JS 303 back to the idea.
    if (isHtmx(request)) return reply.header('HX-Refresh', 'true').code(204).send();
    return reply.redirect(topicUrl(topic), 303);
  });

  function mergePage(request: FastifyRequest, reply: FastifyReply, topic: TopicView, values: Record<string, string>, errors: FieldErrors = {}, status = 200) {
    return render(request, reply, { page: 'ideas/merge', title: request.i18n.t('ideas.merge.title'), status, data: { topic, values, errors, topicUrl } });
  }

  app.get('/t/:id/merge-idea', { schema: { params: IdeaParams } }, async (request, reply) => {
    const topic = await loadIdea(request, request.params.id);
    requireStaff(request, topic, canMergeIdea);
    return mergePage(request, reply, topic, { into: '', comment: '' });
  });

  app.post('/t/:id/merge-idea', { schema: { params: IdeaParams, body: MergeBody }, attachValidation: true }, async (request, reply) => {
    const topic = await loadIdea(request, request.params.id);
    const viewer = requireStaff(request, topic, canMergeIdea);
    const values = formValues(request);
    if (request.validationError) return mergePage(request, reply, topic, values, fieldErrors(request.i18n, request.validationError), 422);
    try {
      const intoId = parseTopicRef(request.body.into);
      if (!intoId) throw new FormError({ into: { key: 'ideas.merge.noTarget' } });
      const result = await service.mergeIdea(db, viewer, topic.id, intoId, request.body.comment ?? '');
      return redirect(request, reply, topicUrl(result.into));
    } catch (err) {
      if (err instanceof FormError) return mergePage(request, reply, topic, values, fieldErrors(request.i18n, err), 422);
      throw err;
    }
  });
}
