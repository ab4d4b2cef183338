import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { parseId } from '../../lib/ids.js';
import { isHtmx, redirect, render } from '../../web/render.js';
import { NotFoundError } from '../../web/errors.js';
import { TOPICS_PER_PAGE, type TopicRow } from '../topics/topics.list.js';
import { COUNT_CAP, NEW_TOPIC_DAYS } from './unread.rows.js';
import * as q from './unread.queries.js';
import { DismissBody, ReadBody, ReadParams, UnreadListQuery } from './unread.schemas.js';
import * as service from './unread.service.js';

/**
 * The two lists live at /unread and /new-topics: `/new` is already the new-topic form, and "new-topics" says what
 * the page lists without colliding with it (nor with a future /new/… under the form).
 */
export const LIST_PATHS = { unread: '/unread', new: '/new-topics' } as const;

function nextCursor(rows: TopicRow[]): string | null {
  const last = rows.at(-1);
  return rows.length === TOPICS_PER_PAGE && last ? encodeCursor(last.last_posted_at, last.id) : null;
}

/** A count as shown on a tab: capped ("99+"). */
export function cappedCount(n: number): string {
  return n > COUNT_CAP ? `${COUNT_CAP}+` : String(n);
}

/** `until` from the dismiss form, never later than now; anything else means now. */
function untilOf(raw: string | undefined): Date {
  const now = Date.now();
  const ms = raw && /^\d{1,15}$/.test(raw) ? Number(raw) : now;
  return new Date(Math.min(ms, now));
}

export default async function unreadRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  async function listPage(request: FastifyRequest, reply: FastifyReply, list: q.UnreadList, rawBefore: string | undefined) {
    const viewer = request.viewer;
    if (!viewer) return reply.redirect(`/login?next=${encodeURIComponent(LIST_PATHS[list])}`, 303);
    const before = rawBefore ? decodeCursor(rawBefore) : null;
    if (rawBefore && !before) throw new NotFoundError();
    // Counts only on the full first page: "load more" fragments do not show the tabs.
    const wantCounts = !before && !isHtmx(request);
    const [topics, counts] = await Promise.all([
      q.listReadStateTopics(db, viewer, list, before),
      wantCounts ? q.countReadStateTopics(db, viewer) : Promise.resolve(null),
    ]);
    const title = request.i18n.t(list === 'new' ? 'unread.new.title' : 'unread.unread.title');
    return render(request, reply, {
      page: 'unread/list',
      fragment: 'topics/_list_page',
      title,
      data: {
        list, paths: LIST_PATHS, topics, pinned: [], next: nextCursor(topics), baseUrl: LIST_PATHS[list], showCategory: true,
        counts: counts && { new: cappedCount(counts.new), unread: cappedCount(counts.unread) },
        until: Date.now(),
        newDays: NEW_TOPIC_DAYS,
      },
    });
  }

  for (const list of ['unread', 'new'] as const) {
    const path = LIST_PATHS[list];
    app.get(path, { schema: { querystring: UnreadListQuery } }, (request, reply) => listPage(request, reply, list, request.query.before));

    app.post(`${path}/dismiss`, { schema: { body: DismissBody } }, async (request, reply) => {
      const viewer = request.viewer;
      if (!viewer) return reply.redirect(`/login?next=${encodeURIComponent(path)}`, 303);
      await service.markListRead(db, viewer, list, untilOf(request.body.until));
      return redirect(request, reply, path);
    });
  }

  // The reading beacon (static/js/reads.js): the last post the reader has seen, fed to the same in-memory activity
  // buffer as page views — one indexed read to check the post, no write per request.
  app.post('/t/:id/read', { schema: { params: ReadParams, body: ReadBody } }, async (request, reply) => {
    const viewer = request.viewer;
    if (!viewer) return reply.code(401).send();
    const topicId = parseId(request.params.id);
    const postId = parseId(request.body.post_id);
    const postNumber = topicId && postId ? await q.findReadablePostNumber(db, viewer, topicId, postId) : undefined;
    if (!postNumber) throw new NotFoundError();
    app.activity.recordTopicView(viewer.id, topicId!, postNumber);
    return reply.code(204).send();
  });
}
