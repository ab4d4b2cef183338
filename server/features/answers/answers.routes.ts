import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { canAcceptAnswer, canMarkOfficial, canUnacceptAnswer, canUnmarkOfficial, type Viewer } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { isHtmx, render } from '../../web/render.js';
import { findVisibleCategoryBySlug } from '../categories/categories.queries.js';
import { findPostForViewer, requirePostForViewer } from '../posts/posts.queries.js';
import { listQuestions, type QuestionFilter, TOPICS_PER_PAGE, type TopicRow } from '../topics/topics.list.js';
import { pageOf, topicUrl } from '../topics/topics.routes.js';
import { AnswerParams, QuestionListParams, QuestionListQuery } from './answers.schemas.js';
import * as service from './answers.service.js';
import { awardAfterCommit } from '../badges/badges.service.js';

/** The badges an accepted answer can earn its author. */
const ANSWER_BADGES = ['first_accepted', 'helpful', 'expert'];

type Found = NonNullable<Awaited<ReturnType<typeof findPostForViewer>>>;

const ACTIONS: { path: string; allowed: (viewer: Viewer | null, found: Found) => boolean; run: (db: FastifyInstance['db'], viewer: Viewer, postId: number) => Promise<void> }[] = [
  { path: 'accept', allowed: (v, { topic, post }) => canAcceptAnswer(v, topic, post), run: service.acceptAnswer },
  { path: 'unaccept', allowed: (v, { topic }) => canUnacceptAnswer(v, topic), run: service.unacceptAnswer },
  { path: 'official', allowed: (v, { topic, post }) => canMarkOfficial(v, topic, post), run: service.markOfficial },
  { path: 'unofficial', allowed: (v, { topic, post }) => canUnmarkOfficial(v, topic, post), run: service.unmarkOfficial },
];

const FORBIDDEN_KEY = { accept: 'answers.cannotAccept', unaccept: 'answers.cannotAccept', official: 'answers.cannotOfficial', unofficial: 'answers.cannotOfficial' } as const;

function nextCursor(rows: TopicRow[]): string | null {
  const last = rows.at(-1);
  return rows.length === TOPICS_PER_PAGE && last ? encodeCursor(last.last_posted_at, last.id) : null;
}

export default async function answersRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  // Accept / unaccept / official / unofficial: small forms that answer 303 back to the post, or for htmx
  // HX-Refresh — the change touches the post, the previous answer, the box under the question and the topic header.
  for (const action of ACTIONS) {
    app.post(`/posts/:id/${action.path}`, { schema: { params: AnswerParams } }, async (request, reply) => {
      const found = await requirePostForViewer(db, request.viewer, request.params.id);
      const viewer = request.viewer;
      if (!viewer || !action.allowed(viewer, found)) throw new ForbiddenError(FORBIDDEN_KEY[action.path as keyof typeof FORBIDDEN_KEY]);
      await action.run(db, viewer, found.post.id);
      await awardAfterCommit(db, [found.post.user_id], request.log, ANSWER_BADGES);
      if (isHtmx(request)) return reply.header('HX-Refresh', 'true').code(204).send();
      return reply.redirect(topicUrl(found.topic, pageOf(found.post.post_number), found.post.id), 303);
    });
  }

  async function questionList(request: FastifyRequest, reply: FastifyReply, rawBefore: string | undefined, filter: QuestionFilter, slug: string | null) {
    const category = slug === null ? null : await findVisibleCategoryBySlug(db, request.viewer, slug);
    if (category === undefined) throw new NotFoundError();
    const before = rawBefore ? decodeCursor(rawBefore) : null;
    if (rawBefore && !before) throw new NotFoundError();
    const topics = await listQuestions(db, request.viewer, filter, category?.id ?? null, before);
    const t = request.i18n.t;
    const title = category ? t(`answers.${filter}.inCategory`, { category: category.name }) : t(`answers.${filter}.title`);
    const baseUrl = category ? `/c/${category.slug}/${filter}` : `/${filter}`;
    return render(request, reply, {
      page: 'answers/list',
      fragment: 'topics/_list_page',
      title,
      data: { heading: title, filter, category, topics, pinned: [], next: nextCursor(topics), baseUrl, showCategory: !category },
    });
  }

  for (const filter of ['unanswered', 'unsolved'] as const) {
    app.get(`/${filter}`, { schema: { querystring: QuestionListQuery } }, (request, reply) => questionList(request, reply, request.query.before, filter, null));
    app.get(`/c/:slug/${filter}`, { schema: { params: QuestionListParams, querystring: QuestionListQuery } }, (request, reply) =>
      questionList(request, reply, request.query.before, filter, request.params.slug),
    );
  }
}
