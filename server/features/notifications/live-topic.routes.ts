import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { parseId } from '../../lib/ids.js';
import { canPost, canReply } from '../../policy/index.js';
import { NotFoundError } from '../../web/errors.js';
import { isHtmx, render } from '../../web/render.js';
import { getSettings } from '../settings/settings.js';
import { loadTopicExtras } from '../topics/topic-extras.js';
import * as topics from '../topics/topics.queries.js';
import { pageOf, postPermissions, topicUrl } from '../topics/topics.routes.js';

/** At most this many posts per fetch; the live bar offers the rest again. */
export const LIVE_POSTS_MAX = 50;

// Four segments, so no topic slug (/t/:id/:slug) can ever be shadowed by it.
const Params = Type.Object({ id: Type.String({ maxLength: 20 }), after: Type.String({ pattern: '^(0|[1-9][0-9]{0,8})$' }) });

/**
 * The posts of a topic after a given number, for the topic page's "new replies" bar. A plain GET with the same
 * checks and the same post partial as the topic page: a topic the viewer may not read is not found, and every post
 * shows what this viewer may see of it. Without htmx (a person following the URL) it leads to the topic page there.
 */
export default async function liveTopicRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db, config } = app;

  app.get('/t/:id/after/:after', { schema: { params: Params } }, async (request, reply) => {
    const viewer = request.viewer;
    const id = parseId(request.params.id);
    const topic = id ? await topics.findTopicForViewer(db, viewer, id) : undefined;
    if (!topic) throw new NotFoundError();
    const after = Number(request.params.after);
    if (!isHtmx(request)) return reply.redirect(topicUrl(topic, pageOf(Math.max(1, Math.min(after + 1, topic.last_post_number)))), 303);
    const from = after + 1;
    const to = Math.min(topic.last_post_number, after + LIVE_POSTS_MAX);
    const [posts, settings, extras] = await Promise.all([
      from <= to ? topics.listPostRange(db, topic.id, from, to, viewer?.id ?? null) : Promise.resolve([]),
      getSettings(db),
      loadTopicExtras({ db, viewer, topic, from, to: Math.max(from, to) }),
    ]);
    const last = posts.at(-1)?.post_number ?? after;
    if (viewer && posts.length) app.activity.recordTopicView(viewer.id, topic.id, last);
    const items = posts.map((post) => ({ post, can: postPermissions(viewer, topic, post, config.newUserEditWindowHours), mine: post.my_reactions }));
    reply.header('X-Last-Post-Number', String(last)).header('Cache-Control', 'private, no-store');
    return render(request, reply, {
      page: 'live/_posts',
      data: { topic, items, reactionSet: settings.reactions, extras, topicUrl, canReply: canReply(viewer, topic), silenced: !!viewer && !canPost(viewer), form: { values: {}, errors: {} } },
    });
  });
}
