import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { excerpt } from '../../content/cook.js';
import { parseId } from '../../lib/ids.js';
import { canBookmark } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { isHtmx, render, safeLocalPath } from '../../web/render.js';
import { requirePostForViewer } from '../posts/posts.queries.js';
import { BOOKMARKS_PER_PAGE, listBookmarks } from './watching.queries.js';
import { BookmarksQuery, IdParams } from './watching.schemas.js';
import * as service from './watching.service.js';
import { postUrl } from './watching.topic-extra.js';

export default async function bookmarksRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  // Add / remove: explicit states rather than a toggle, so a double submit or two tabs never undo each other.
  for (const [path, on] of [['bookmark', true], ['unbookmark', false]] as const) {
    app.post(`/posts/:id/${path}`, { schema: { params: IdParams } }, async (request, reply) => {
      const found = await requirePostForViewer(db, request.viewer, request.params.id);
      const viewer = request.viewer;
      const back = postUrl(found.topic, found.post.post_number, found.post.id);
      if (!viewer) return reply.redirect(`/login?next=${encodeURIComponent(back)}`, 303);
      if (!canBookmark(viewer, found.topic, found.post)) throw new ForbiddenError('watching.errors.cannotBookmark');
      await service.setBookmark(db, viewer.id, found.post.id, on);
      // Removing from the bookmarks page (no JavaScript) returns there; everything else returns to the post.
      const fromList = safeLocalPath(request.headers.referer, '').split('?')[0] === '/bookmarks';
      if (!isHtmx(request)) return reply.redirect(fromList ? '/bookmarks' : back, 303);
      const data = { topic: found.topic, item: { post: found.post }, extras: { watch: { bookmarks: on ? [found.post.id] : [] } }, bookmarkChanged: true };
      return render(request, reply, { page: 'watching/_post_bookmark', data });
    });
  }

  app.get('/bookmarks', { schema: { querystring: BookmarksQuery } }, async (request, reply) => {
    const viewer = request.viewer;
    if (!viewer) return reply.redirect('/login?next=/bookmarks', 303);
    const before = request.query.before === undefined ? null : parseId(request.query.before);
    if (request.query.before !== undefined && !before) throw new NotFoundError();
    const rows = await listBookmarks(db, viewer, before);
    const items = rows.map((r) => ({ ...r, url: postUrl({ id: r.topic_id, slug: r.slug }, r.post_number, r.post_id), excerpt: excerpt(r.body_html, 240) }));
    const next = rows.length === BOOKMARKS_PER_PAGE ? rows.at(-1)!.id : null;
    const title = request.i18n.t('watching.bookmarks.title');
    return render(request, reply, { page: 'watching/bookmarks', fragment: 'watching/_bookmarks_page', title, data: { items, next, paged: !!before } });
  });
}
