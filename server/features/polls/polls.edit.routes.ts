import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { canEditPoll, canEditPollOptions, canVote, isPollClosed } from '../../policy/index.js';
import { ForbiddenError } from '../../web/errors.js';
import { fieldErrors, FormError } from '../../web/forms.js';
import { isHtmx, redirect } from '../../web/render.js';
import type { TopicView } from '../topics/topics.queries.js';
import { loadTopicPoll, pollFormValues, pollUrl, pollValues, renderPoll, renderPollForm } from './polls.form.js';
import { findPollForTopic, type PollRow } from './polls.queries.js';
import { NewPollBody, PollParams } from './polls.schemas.js';
import * as service from './polls.service.js';

/** Changing things after the fact: a member withdraws their ballot; the poll's author or staff edit the poll. */
export default async function pollEditRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  app.post('/t/:id/poll/unvote', { schema: { params: PollParams } }, async (request, reply) => {
    const { topic, poll } = await loadTopicPoll(db, request, request.params.id);
    const viewer = request.viewer;
    if (!canVote(viewer, topic, poll)) {
      // htmx does not swap a 403: reload the page so it shows the poll as it is now (closed).
      if (isHtmx(request)) reply.header('HX-Refresh', 'true');
      throw new ForbiddenError(isPollClosed(poll) ? 'polls.closedNotice' : 'polls.cannotVote');
    }
    await service.withdrawVote(db, viewer, poll.id);
    if (!isHtmx(request)) return reply.redirect(pollUrl(topic), 303);
    return renderPoll(request, reply, topic, (await findPollForTopic(db, topic.id, viewer.id))!);
  });

  function authorizeEdit(request: FastifyRequest, topic: TopicView, poll: PollRow) {
    if (!canEditPoll(request.viewer, topic, poll)) throw new ForbiddenError(isPollClosed(poll) ? 'polls.closedNotice' : 'polls.cannotEdit');
    return { viewer: request.viewer, full: canEditPollOptions(request.viewer, topic, poll) };
  }

  const editMode = (poll: PollRow, full: boolean) => ({ limited: !full, options: poll.options.map((o) => o.label) });

  app.get('/t/:id/poll/edit', { schema: { params: PollParams } }, async (request, reply) => {
    const { topic, poll } = await loadTopicPoll(db, request, request.params.id);
    if (!request.viewer) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    const { full } = authorizeEdit(request, topic, poll);
    return renderPollForm(request, reply, topic, pollValues(poll), {}, 200, editMode(poll, full));
  });

  app.post('/t/:id/poll/edit', { schema: { params: PollParams, body: NewPollBody }, attachValidation: true }, async (request, reply) => {
    const { topic, poll } = await loadTopicPoll(db, request, request.params.id);
    const { viewer, full } = authorizeEdit(request, topic, poll);
    const values = pollFormValues(request.body);
    const form = (err: Parameters<typeof fieldErrors>[1], limited = !full) =>
      renderPollForm(request, reply, topic, limited ? { ...pollValues(poll), question: values.question, closes_at: values.closes_at } : values, fieldErrors(request.i18n, err), 422, editMode(poll, !limited));
    if (request.validationError) return form(request.validationError);
    if (full && request.body.add_row) return renderPollForm(request, reply, topic, { ...values, options: [...values.options, ''] }, {}, 200, editMode(poll, true));
    try {
      const edit = full ? { full: service.parsePollInput(request.body) } : { text: service.parsePollTextInput(request.body) };
      await service.updatePoll(db, viewer, poll.id, edit);
    } catch (err) {
      // A vote that arrived while the form was open leaves only the question and the close date editable.
      if (err instanceof FormError) return form(err, !full || !!err.fields.options?.key.endsWith('votesArrived'));
      throw err;
    }
    return redirect(request, reply, pollUrl(topic));
  });
}
