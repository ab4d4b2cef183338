import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { parseId } from '../../lib/ids.js';
import { canClosePoll, canCreatePoll, canExportPoll, canVote, isPollClosed, isStaff } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { fieldErrors, FormError } from '../../web/forms.js';
import { isHtmx, redirect } from '../../web/render.js';
import type { TopicView } from '../topics/topics.queries.js';
import { toCsv } from './polls.csv.js';
import { loadPollTopic, loadTopicPoll, pollFormValues, pollUrl, renderPoll, renderPollForm } from './polls.form.js';
import pollEditRoutes from './polls.edit.routes.js';
import './polls.extra.js';
import { findPollForTopic } from './polls.queries.js';
import { NewPollBody, PollParams, VoteBody } from './polls.schemas.js';
import * as service from './polls.service.js';
import { percentOf } from './polls.view.js';

export { pollUrl } from './polls.form.js';

export default async function pollsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;
  // Editing a poll and withdrawing a ballot.
  await app.register(pollEditRoutes);

  const loadTopic = (request: FastifyRequest, rawId: string) => loadPollTopic(db, request, rawId);
  const loadPoll = (request: FastifyRequest, rawId: string) => loadTopicPoll(db, request, rawId);

  /** The starter of the topic, allowed by policy, on a topic without a poll yet; otherwise a refusal. */
  async function authorizeCreate(request: FastifyRequest, topic: TopicView) {
    const viewer = request.viewer;
    if (!canCreatePoll(viewer, topic)) throw new ForbiddenError('polls.cannotCreate');
    if (await findPollForTopic(db, topic.id, null)) throw new ForbiddenError('polls.exists');
    return viewer;
  }

  const loginUrl = (topic: TopicView) => `/login?next=${encodeURIComponent(pollUrl(topic).replace(/#.*$/, ''))}`;

  app.get('/t/:id/poll', { schema: { params: PollParams } }, async (request, reply) => {
    const topic = await loadTopic(request, request.params.id);
    const poll = await findPollForTopic(db, topic.id, request.viewer?.id ?? null);
    // A topic titled "Poll" has this address as its own: without a poll, send it to its page.
    if (!poll && topic.slug === 'poll') return reply.redirect(`/t/${topic.id}`, 301);
    if (!poll) throw new NotFoundError();
    return renderPoll(request, reply, topic, poll);
  });

  app.get('/t/:id/poll/new', { schema: { params: PollParams } }, async (request, reply) => {
    const topic = await loadTopic(request, request.params.id);
    if (!request.viewer) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    await authorizeCreate(request, topic);
    return renderPollForm(request, reply, topic, pollFormValues({}));
  });

  app.post('/t/:id/poll', { schema: { params: PollParams, body: NewPollBody }, attachValidation: true }, async (request, reply) => {
    const topic = await loadTopic(request, request.params.id);
    if (!request.viewer) return reply.redirect(`/login?next=${encodeURIComponent(`/t/${topic.id}/poll/new`)}`, 303);
    const viewer = await authorizeCreate(request, topic);
    const values = pollFormValues(request.body);
    if (request.validationError) return renderPollForm(request, reply, topic, values, fieldErrors(request.i18n, request.validationError), 422);
    if (request.body.add_row) return renderPollForm(request, reply, topic, { ...values, options: [...values.options, ''] });
    try {
      const spec = service.parsePollInput(request.body);
      await service.createPoll(db, viewer, topic.id, spec);
      return redirect(request, reply, pollUrl(topic));
    } catch (err) {
      if (err instanceof FormError) return renderPollForm(request, reply, topic, values, fieldErrors(request.i18n, err), 422);
      throw err;
    }
  });

  app.post('/t/:id/poll/vote', { schema: { params: PollParams, body: VoteBody }, attachValidation: true }, async (request, reply) => {
    const { topic, poll } = await loadPoll(request, request.params.id);
    const viewer = request.viewer;
    if (!viewer) {
      // htmx: 401, and HX-Redirect takes the browser to the login page.
      if (isHtmx(request)) return reply.header('HX-Redirect', loginUrl(topic)).code(401).send();
      return reply.redirect(loginUrl(topic), 303);
    }
    if (!canVote(viewer, topic, poll)) {
      // htmx does not swap a 403: reload the page so it shows the poll as it is now (closed).
      if (isHtmx(request)) reply.header('HX-Refresh', 'true');
      throw new ForbiddenError(isPollClosed(poll) ? 'polls.closedNotice' : 'polls.cannotVote');
    }
    const raw = request.validationError ? [] : (request.body.option ?? []);
    const selected = raw.map((v) => parseId(v) ?? 0);
    try {
      if (request.validationError) throw new FormError({ option: { key: 'errors.invalid' } });
      await service.castVote(db, viewer, poll.id, selected);
    } catch (err) {
      if (!(err instanceof FormError)) {
        if (err instanceof ForbiddenError && isHtmx(request)) reply.header('HX-Refresh', 'true');
        throw err;
      }
      return renderPoll(request, reply, topic, poll, { errors: fieldErrors(request.i18n, err), selected, status: 422 });
    }
    if (!isHtmx(request)) return reply.redirect(pollUrl(topic), 303);
    return renderPoll(request, reply, topic, (await findPollForTopic(db, topic.id, viewer.id))!);
  });

  app.post('/t/:id/poll/close', { schema: { params: PollParams } }, async (request, reply) => {
    const { topic, poll } = await loadPoll(request, request.params.id);
    const viewer = request.viewer;
    // Closing a closed poll again (a double click, two staff at once) is not an error: nothing changes.
    const alreadyClosed = isStaff(viewer) && isPollClosed(poll);
    if (!alreadyClosed) {
      if (!canClosePoll(viewer, topic, poll)) throw new ForbiddenError('polls.cannotClose');
      await service.closePoll(db, viewer, poll.id);
    }
    if (!isHtmx(request)) return reply.redirect(pollUrl(topic), 303);
    return renderPoll(request, reply, topic, (await findPollForTopic(db, topic.id, viewer!.id))!);
  });

  app.get('/t/:id/poll.csv', { schema: { params: PollParams } }, async (request, reply) => {
    const { topic, poll } = await loadPoll(request, request.params.id);
    if (!canExportPoll(request.viewer, topic)) throw new ForbiddenError('polls.cannotExport');
    const t = request.i18n.t;
    const rows: (string | number)[][] = [
      [t('polls.csv.question'), poll.question],
      [t('polls.csv.voters'), poll.voter_count],
      [],
      [t('polls.csv.option'), t('polls.csv.votes'), t('polls.csv.percent')],
      ...poll.options.map((o) => [o.label, o.vote_count, percentOf(o.vote_count, poll.voter_count)]),
    ];
    return reply
      .header('Content-Disposition', `attachment; filename="poll-${topic.id}.csv"`)
      .header('Cache-Control', 'private, no-store')
      .type('text/csv; charset=utf-8')
      .send(toCsv(rows));
  });
}
