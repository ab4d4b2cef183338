import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { canStartTopic } from '../../policy/index.js';
import { NotFoundError } from '../../web/errors.js';
import { render } from '../../web/render.js';
import { listCategoryTopics, listLatestTopics, listPinnedTopics, TOPICS_PER_PAGE, type TopicRow } from '../topics/topics.list.js';
import * as q from './categories.queries.js';
import { ListQuery, SlugParams } from './categories.schemas.js';
import { IDEA_SORTS, ideaBoardPage } from '../ideas/ideas.board.js';
import { IdeaListQuery } from '../ideas/ideas.schemas.js';
import { IDEA_STATUSES } from '../ideas/ideas.types.js';

/** `?filter=unanswered|unsolved` on a list is another name for the question list's own URL (served by features/answers). */
function questionFilter(query: unknown): 'unanswered' | 'unsolved' | null {
  const filter = (query as { filter?: unknown }).filter;
  return filter === 'unanswered' || filter === 'unsolved' ? filter : null;
}

/** The "load more" cursor for a full page of rows, or null at the end of the list. */
function nextCursor(rows: TopicRow[]): string | null {
  const last = rows.at(-1);
  return rows.length === TOPICS_PER_PAGE && last ? encodeCursor(last.last_posted_at, last.id) : null;
}

export default async function categoriesRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  app.get('/', { schema: { querystring: ListQuery }, config: { guestCache: 'list' } }, async (request, reply) => {
    const filter = questionFilter(request.query);
    if (filter) return reply.redirect(`/${filter}`, 302);
    const before = request.query.before ? decodeCursor(request.query.before) : null;
    if (request.query.before && !before) throw new NotFoundError();
    const [categories, topics, pinned] = await Promise.all([
      before ? Promise.resolve([]) : q.listVisibleCategories(db, request.viewer),
      listLatestTopics(db, request.viewer, before),
      before ? Promise.resolve([]) : listPinnedTopics(db, request.viewer, null),
    ]);
    return render(request, reply, {
      page: 'home',
      fragment: 'topics/_list_page',
      // A pinned topic shows once, in the pins; the page's cursor still comes from the whole list.
      data: { categories, topics: topics.filter((t) => !pinned.some((p) => p.id === t.id)), pinned, next: nextCursor(topics), baseUrl: '/', showCategory: true },
    });
  });

  // An ideas category adds order tabs (activity, votes, newest) and a status filter; other kinds ignore them.
  app.get('/c/:slug', { schema: { params: SlugParams, querystring: IdeaListQuery }, config: { guestCache: 'list' } }, async (request, reply) => {
    const category = await q.findVisibleCategoryBySlug(db, request.viewer, request.params.slug);
    if (!category) throw new NotFoundError();
    const filter = questionFilter(request.query);
    if (filter) return reply.redirect(`/c/${category.slug}/${filter}`, 302);
    const board = category.kind === 'ideas' ? await ideaBoardPage(db, request.viewer, category.id, request.query) : null;
    const before = board ? null : request.query.before ? decodeCursor(request.query.before) : null;
    if (!board && request.query.before && !before) throw new NotFoundError();
    const firstPage = !request.query.before;
    const [pinned, topics, children] = await Promise.all([
      firstPage && !board?.status ? listPinnedTopics(db, request.viewer, category.id) : Promise.resolve([]),
      board ? Promise.resolve(board.topics) : listCategoryTopics(db, request.viewer, category.id, before),
      firstPage ? q.listVisibleChildren(db, request.viewer, category.id) : Promise.resolve([]),
    ]);
    return render(request, reply, {
      page: 'categories/show',
      fragment: 'topics/_list_page',
      title: category.name,
      data: {
        category,
        pinned,
        topics,
        children,
        next: board ? board.next : nextCursor(topics),
        baseUrl: `/c/${category.slug}${board?.query ? `?${board.query}` : ''}`,
        board: board && { sort: board.sort, status: board.status, sorts: IDEA_SORTS, statuses: [...IDEA_STATUSES, 'merged'] },
        showCategory: false,
        canStart: canStartTopic(request.viewer, category),
      },
    });
  });
}
