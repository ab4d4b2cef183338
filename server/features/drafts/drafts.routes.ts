import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { canKeepReplyDraft, canKeepTopicDraft } from '../../policy/index.js';
import { NotFoundError } from '../../web/errors.js';
import { fieldErrors } from '../../web/forms.js';
import { isHtmx, redirect, render } from '../../web/render.js';
import { findTopicForViewer } from '../topics/topics.queries.js';
import { DraftBody, DraftQuery } from './drafts.schemas.js';
import * as service from './drafts.service.js';
import './drafts.extra.js';

/**
 * POST /drafts?key=… saves a posting form's text (htmx, debounced as the member types; or the form's "Save draft"
 * button without JavaScript) and POST /drafts/delete?key=… discards it. Keys: 'new_topic', 'topic:<id>'.
 */
export default async function draftsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  /**
   * The place the key names, if this viewer may keep a draft there; a topic the viewer cannot see is not found.
   * A guest is sent to log in (null).
   */
  async function authorize(request: FastifyRequest, rawKey: string) {
    const place = service.parseKey(rawKey);
    if (!place) throw new NotFoundError();
    const viewer = request.viewer;
    if (!viewer) return null;
    if (place.kind === 'reply') {
      const topic = await findTopicForViewer(db, viewer, place.topicId);
      if (!topic || !canKeepReplyDraft(viewer, topic)) throw new NotFoundError();
    } else if (!canKeepTopicDraft(viewer)) throw new NotFoundError();
    return { viewer, place, back: place.kind === 'reply' ? `/t/${place.topicId}#reply-form` : '/new' };
  }

  /** The form's little status line (htmx), or a short page for the rare refusal without JavaScript. */
  function status(request: FastifyRequest, reply: FastifyReply, data: { savedAt?: Date | null; error?: string; back: string }, code = 200) {
    const view = { savedAt: data.savedAt ?? null, error: data.error ?? null, back: data.back };
    return render(request, reply, { page: 'drafts/status', fragment: 'drafts/_status', title: request.i18n.t('drafts.title'), status: code, data: view });
  }

  app.post('/drafts', { schema: { querystring: DraftQuery, body: DraftBody }, attachValidation: true }, async (request, reply) => {
    const found = await authorize(request, (request.query as { key?: string }).key ?? '');
    if (!found) return reply.redirect('/login', 303);
    if (request.validationError) {
      const errors = fieldErrors(request.i18n, request.validationError);
      return status(request, reply, { error: request.i18n.t('drafts.tooLong', { detail: Object.values(errors).join(' ') }), back: found.back }, 422);
    }
    const savedAt = await service.saveDraft(db, found.viewer.id, found.place, request.body);
    if (!isHtmx(request)) return reply.redirect(found.back, 303);
    return status(request, reply, { savedAt, back: found.back });
  });

  app.post('/drafts/delete', { schema: { querystring: DraftQuery } }, async (request, reply) => {
    const found = await authorize(request, request.query.key);
    if (!found) return reply.redirect('/login', 303);
    await service.discardDraft(db, found.viewer.id, service.keyOf(found.place));
    // The form is shown afresh, empty (htmx: the browser navigates).
    return redirect(request, reply, found.back);
  });
}
