import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { cook } from '../../content/cook.js';
import { parseId } from '../../lib/ids.js';
import { NotFoundError } from '../../web/errors.js';
import { type FieldErrors, fieldErrors, FormError } from '../../web/forms.js';
import { isHtmx, redirect, render } from '../../web/render.js';
import * as q from './approvals.queries.js';
import { approveQueuedPost, REJECT_REASON_MAX, rejectQueuedPost, TopicGoneError } from './approvals.service.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 12 }) });
// Shape only; an empty reason is a rule (re-rendered next to the field), so minLength is not set here.
const RejectBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: REJECT_REASON_MAX * 2 })) });

/** Form state for one queue item after a failed action: the reason typed and the messages. */
interface ItemForm {
  id: number;
  values: Record<string, string>;
  errors: FieldErrors;
}

/** /mod/approvals: posts held by pre-moderation, word and link rules. Mounted inside the /mod guard. */
export default async function approvalsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  async function queuePage(request: FastifyRequest, reply: FastifyReply, form?: ItemForm, status = 200) {
    const viewer = request.viewer!;
    const [rows, total] = await Promise.all([q.listPendingForModerator(db, viewer.id), q.countPending(db, viewer.id)]);
    const items = rows.map((r) => ({ ...r, body_html: cook(r.body_md) }));
    // An item acted on with an error (htmx): just that item, re-rendered in place with its message.
    const one = form && isHtmx(request) ? items.find((i) => i.id === form.id) : undefined;
    const data = { items, total, form, item: one };
    if (one) return render(request, reply, { page: 'mod/approvals/_item', status, data });
    return render(request, reply, { page: 'mod/approvals/index', title: request.i18n.t('approvals.title'), status, data });
  }

  function done(request: FastifyRequest, reply: FastifyReply, id: number, outcome: 'approved' | 'rejected', link?: string) {
    if (!isHtmx(request)) return redirect(request, reply, `/mod/approvals?done=${outcome}`);
    return render(request, reply, { page: 'mod/approvals/_done', data: { id, outcome, link } });
  }

  app.get('/approvals', async (request, reply) => queuePage(request, reply));

  app.post('/approvals/:id/approve', { schema: { params: IdParams } }, async (request, reply) => {
    const id = parseId(request.params.id);
    if (!id) throw new NotFoundError();
    try {
      const { post, topic } = await approveQueuedPost(db, request.viewer!, id);
      return done(request, reply, id, 'approved', `/t/${topic.id}/${topic.slug}#post-${post.id}`);
    } catch (err) {
      if (!(err instanceof TopicGoneError)) throw err;
      // htmx swaps 422 (not 409) in place: the item stays with its message, for the moderator to reject it.
      const form = { id, values: {}, errors: { form: request.i18n.t('approvals.topicGone') } };
      return queuePage(request, reply, form, isHtmx(request) ? 422 : 409);
    }
  });

  app.post('/approvals/:id/reject', { schema: { params: IdParams, body: RejectBody }, attachValidation: true }, async (request, reply) => {
    const id = parseId(request.params.id);
    if (!id) throw new NotFoundError();
    const reason = typeof (request.body as { reason?: unknown } | undefined)?.reason === 'string' ? (request.body as { reason: string }).reason : '';
    const values = { reason: reason.slice(0, REJECT_REASON_MAX * 2) };
    if (request.validationError) return queuePage(request, reply, { id, values, errors: fieldErrors(request.i18n, request.validationError) }, 422);
    try {
      await rejectQueuedPost(db, request.viewer!, id, reason);
    } catch (err) {
      if (err instanceof FormError) return queuePage(request, reply, { id, values, errors: fieldErrors(request.i18n, err) }, 422);
      throw err;
    }
    return done(request, reply, id, 'rejected');
  });
}
