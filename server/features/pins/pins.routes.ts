import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { parseId } from '../../lib/ids.js';
import { canPinTopic, canUseTopicTools } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { type FieldErrors, fieldErrors, FormError, formValues } from '../../web/forms.js';
import { isHtmx, redirect, render } from '../../web/render.js';
import { findTopicForViewer } from '../topics/topics.queries.js';
import { topicUrl } from '../topics/topics.routes.js';
import { dismissPin, pinTopic, unpinTopic } from './pins.service.js';

const Params = Type.Object({ id: Type.String({ maxLength: 12 }) });
const PinBody = Type.Object({
  scope: Type.Union([Type.Literal('category'), Type.Literal('global')]),
  until: Type.Optional(Type.String({ maxLength: 40 })),
  reason: Type.Optional(Type.String({ maxLength: 500 })),
});
const UnpinBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) });

/** `datetime-local` values are read as UTC (the forum shows times in UTC); empty means "no end". */
function parseUntil(raw: string | undefined): Date | null | 'invalid' {
  const v = (raw ?? '').trim();
  if (!v) return null;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v)) return 'invalid';
  const d = new Date(`${v}Z`);
  return Number.isNaN(d.getTime()) ? 'invalid' : d;
}

/** POST /t/:id/pin (scope, until), POST /t/:id/unpin, and a member's POST /t/:id/dismiss-pin. */
export default async function pinsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  async function load(request: FastifyRequest, rawId: string) {
    const id = parseId(rawId);
    const topic = id && (await findTopicForViewer(db, request.viewer, id));
    if (!topic) throw new NotFoundError();
    return topic;
  }

  async function page(request: FastifyRequest, reply: FastifyReply, topic: Awaited<ReturnType<typeof load>>, values: Record<string, string>, errors: FieldErrors = {}, status = 200) {
    return render(request, reply, {
      page: 'pins/pin',
      title: request.i18n.t('pins.title'),
      status,
      data: { topic, values, errors, canGlobal: canPinTopic(request.viewer, topic, 'global'), topicUrl },
    });
  }

  app.get('/t/:id/pin', { schema: { params: Params } }, async (request, reply) => {
    const topic = await load(request, request.params.id);
    if (!canUseTopicTools(request.viewer, topic)) throw new NotFoundError();
    const until = topic.pinned_until ? topic.pinned_until.toISOString().slice(0, 16) : '';
    return page(request, reply, topic, { scope: topic.pinned_globally ? 'global' : 'category', until });
  });

  app.post('/t/:id/pin', { schema: { params: Params, body: PinBody }, attachValidation: true }, async (request, reply) => {
    const topic = await load(request, request.params.id);
    if (!canUseTopicTools(request.viewer, topic)) throw new NotFoundError();
    const values = formValues(request);
    if (request.validationError) return page(request, reply, topic, values, fieldErrors(request.i18n, request.validationError), 422);
    if (!canPinTopic(request.viewer, topic, request.body.scope)) throw new ForbiddenError('pins.globalStaffOnly');
    const until = parseUntil(request.body.until);
    try {
      if (until === 'invalid') throw new FormError({ until: { key: 'pins.untilFuture' } });
      await pinTopic(db, request.viewer!, topic.id, request.body.scope, until, request.body.reason ?? '');
    } catch (err) {
      if (err instanceof FormError) return page(request, reply, topic, values, fieldErrors(request.i18n, err), 422);
      throw err;
    }
    return redirect(request, reply, topicUrl(topic));
  });

  app.post('/t/:id/unpin', { schema: { params: Params, body: UnpinBody } }, async (request, reply) => {
    const topic = await load(request, request.params.id);
    if (!canUseTopicTools(request.viewer, topic)) throw new NotFoundError();
    // A global pin is the brand's: only brand staff take it down.
    if (topic.pinned_globally && !canPinTopic(request.viewer, topic, 'global')) throw new ForbiddenError('pins.globalStaffOnly');
    await unpinTopic(db, request.viewer!, topic.id, request.body?.reason ?? '');
    return redirect(request, reply, topicUrl(topic));
  });

  app.post('/t/:id/dismiss-pin', { schema: { params: Params } }, async (request, reply) => {
    const topic = await load(request, request.params.id);
    if (!request.viewer) throw new NotFoundError();
    await dismissPin(db, request.viewer.id, topic.id);
    if (isHtmx(request)) return reply.type('text/html; charset=utf-8').send('');
    return redirect(request, reply, '/');
  });
}
