import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { parseId } from '../../lib/ids.js';
import { canCreateContest, canEditContest, canFinishContest, type Viewer } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { type FieldErrors, fieldErrors, FormError } from '../../web/forms.js';
import { redirect, render } from '../../web/render.js';
import { findTopicForViewer, type TopicView } from '../topics/topics.queries.js';
import { topicUrl } from '../topics/topics.routes.js';
import './contests.extra.js';
import { findContest, listEntries } from './contests.queries.js';
import { ContestParams, NewContestBody, WinnersBody } from './contests.schemas.js';
import * as service from './contests.service.js';

/** The topic with the contest panel in view. */
export function contestUrl(topic: { id: number; slug: string }): string {
  return `${topicUrl(topic)}#contest`;
}

type Values = Record<string, string | string[]>;

function asValues(body: unknown): Values {
  const b = (body ?? {}) as Record<string, unknown>;
  const out: Values = {};
  for (const [k, v] of Object.entries(b)) if (k !== '_csrf') out[k] = Array.isArray(v) ? v.map(String) : String(v ?? '');
  return out;
}

/** Contests: staff make a topic they started a contest, and mark its winners after the deadline. */
export default async function contestsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  async function loadTopic(request: FastifyRequest, rawId: string): Promise<TopicView> {
    const id = parseId(rawId);
    const topic = id ? await findTopicForViewer(db, request.viewer, id) : undefined;
    if (!topic) throw new NotFoundError();
    return topic;
  }

  /** The starter of the topic, brand staff, on a topic that is not a contest yet and has no replies; else a refusal. */
  async function authorizeCreate(request: FastifyRequest, topic: TopicView): Promise<Viewer> {
    if (topic.contest_deadline) throw new ForbiddenError('contests.exists');
    if (!canCreateContest(request.viewer, topic)) throw new ForbiddenError('contests.cannotCreate');
    return request.viewer;
  }

  function newPage(request: FastifyRequest, reply: FastifyReply, topic: TopicView, values: Values, errors: FieldErrors = {}, status = 200, editing = false) {
    const data = { topic, values, errors, topicLink: topicUrl(topic), editing };
    return render(request, reply, { page: 'contests/new', title: request.i18n.t(editing ? 'contests.edit.title' : 'contests.new.title'), status, data });
  }

  app.get('/t/:id/contest/new', { schema: { params: ContestParams } }, async (request, reply) => {
    const topic = await loadTopic(request, request.params.id);
    if (!request.viewer) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    await authorizeCreate(request, topic);
    return newPage(request, reply, topic, { entry_deadline: '', voting_mode: 'staff' });
  });

  app.post('/t/:id/contest', { schema: { params: ContestParams, body: NewContestBody }, attachValidation: true }, async (request, reply) => {
    const topic = await loadTopic(request, request.params.id);
    const viewer = await authorizeCreate(request, topic);
    const values = asValues(request.body);
    if (request.validationError) return newPage(request, reply, topic, values, fieldErrors(request.i18n, request.validationError), 422);
    try {
      await service.createContest(db, viewer, topic.id, service.parseContestInput(request.body));
    } catch (err) {
      if (err instanceof FormError) return newPage(request, reply, topic, values, fieldErrors(request.i18n, err), 422);
      throw err;
    }
    return redirect(request, reply, contestUrl(topic));
  });

  /** The contest of a topic for staff who may change it (until the winners are marked); 404 when the topic is no contest. */
  async function loadForEdit(request: FastifyRequest, rawId: string) {
    const topic = await loadTopic(request, rawId);
    const contest = await findContest(db, topic.id);
    if (!contest) throw new NotFoundError();
    if (!canEditContest(request.viewer, topic, contest)) throw new ForbiddenError(contest.finished_at ? 'contests.alreadyFinished' : 'contests.cannotEdit');
    return { topic, contest, viewer: request.viewer };
  }

  app.get('/t/:id/contest/edit', { schema: { params: ContestParams } }, async (request, reply) => {
    const { topic, contest } = await loadForEdit(request, request.params.id);
    const values = { entry_deadline: contest.entry_deadline.toISOString().slice(0, 16), voting_mode: contest.voting_mode };
    return newPage(request, reply, topic, values, {}, 200, true);
  });

  app.post('/t/:id/contest/edit', { schema: { params: ContestParams, body: NewContestBody }, attachValidation: true }, async (request, reply) => {
    const { topic, viewer } = await loadForEdit(request, request.params.id);
    const values = asValues(request.body);
    if (request.validationError) return newPage(request, reply, topic, values, fieldErrors(request.i18n, request.validationError), 422, true);
    try {
      await service.updateContest(db, viewer, topic.id, service.parseContestInput(request.body));
    } catch (err) {
      if (err instanceof FormError) return newPage(request, reply, topic, values, fieldErrors(request.i18n, err), 422, true);
      throw err;
    }
    return redirect(request, reply, contestUrl(topic));
  });

  /** The contest of a topic, for staff who may mark its winners now; 404 when the topic is no contest. */
  async function loadForFinish(request: FastifyRequest, rawId: string) {
    const topic = await loadTopic(request, rawId);
    const contest = await findContest(db, topic.id);
    if (!contest) throw new NotFoundError();
    if (contest.finished_at) throw new ForbiddenError('contests.alreadyFinished');
    if (!canFinishContest(request.viewer, topic, contest)) throw new ForbiddenError('contests.cannotFinish');
    return { topic, contest, viewer: request.viewer };
  }

  async function winnersPage(request: FastifyRequest, reply: FastifyReply, topic: TopicView, byVotes: boolean, values: Values, errors: FieldErrors = {}, status = 200) {
    const entries = await listEntries(db, topic.id, byVotes);
    const data = { topic, entries, byVotes, values, errors, topicLink: contestUrl(topic) };
    return render(request, reply, { page: 'contests/winners', title: request.i18n.t('contests.winners.title'), status, data });
  }

  app.get('/t/:id/contest/winners', { schema: { params: ContestParams } }, async (request, reply) => {
    const { topic, contest } = await loadForFinish(request, request.params.id);
    const byVotes = contest.voting_mode === 'reactions';
    // Reactions mode: the form starts from the ranking (the top three in place); staff confirm or adjust it.
    const top = byVotes ? (await listEntries(db, topic.id, true, 3)).map((e) => String(e.post_id)) : [];
    return winnersPage(request, reply, topic, byVotes, { first: top[0] ?? '', second: top[1] ?? '', third: top[2] ?? '', winners: [] });
  });

  app.post('/t/:id/contest/winners', { schema: { params: ContestParams, body: WinnersBody }, attachValidation: true }, async (request, reply) => {
    const { topic, contest, viewer } = await loadForFinish(request, request.params.id);
    const byVotes = contest.voting_mode === 'reactions';
    const values = asValues(request.body);
    if (request.validationError) return winnersPage(request, reply, topic, byVotes, values, fieldErrors(request.i18n, request.validationError), 422);
    try {
      await service.finishContest(db, viewer, topic, service.parseWinnersInput(request.body));
    } catch (err) {
      if (err instanceof FormError) return winnersPage(request, reply, topic, byVotes, values, fieldErrors(request.i18n, err), 422);
      throw err;
    }
    return redirect(request, reply, contestUrl(topic));
  });
}
