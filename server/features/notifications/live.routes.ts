import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { parseId } from '../../lib/ids.js';
import type { LiveSink, LiveUpdate } from '../../live/hub.js';
import { NotFoundError } from '../../web/errors.js';
import { listPostsAfter } from '../../live/live.queries.js';
import { findTopicForViewer } from '../topics/topics.queries.js';
import liveTopicRoutes from './live-topic.routes.js';

/** How long a refused browser should wait before trying to open another stream. */
const RETRY_AFTER_SECONDS = 30;

const StreamQuery = Type.Object({
  topic: Type.Optional(Type.String({ maxLength: 12 })),
  /** The last post number the topic page shows: posts after it (missed while reconnecting) are announced at once. */
  after: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,8})$' })),
});

/** The bell as the layout renders it: the badge text and the accessible label, in the viewer's language. */
function bellData(request: FastifyRequest, unread: number) {
  return {
    unread,
    text: unread > 99 ? '99+' : String(unread),
    label: unread ? request.i18n.tn('notifications.bellUnread', unread) : request.i18n.t('notifications.bell'),
  };
}

/** An SSE frame: `notification` carries the bell, `post` only the new post's ids (the page fetches it itself). */
function frame(request: FastifyRequest, u: LiveUpdate): string {
  const data = u.kind === 'notification' ? bellData(request, u.unread) : { topic: u.topic, post: u.post, n: u.n };
  return `event: ${u.kind}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Server-Sent Events for a signed-in viewer: `notification` events carry the new unread count; on a topic page
 * (`?topic=ID`) `post` events announce new replies. The stream holds no database connection and never polls; the
 * instance's LiveHub pushes to it (see live/hub.ts). Guests get none: an open stream is a socket and memory held for
 * as long as the page is open, and anonymous readers (most of them crawlers and passers-by) would multiply that for
 * little gain — a guest sees new replies on the next load.
 */
export default async function liveRoutes(app: FastifyInstance): Promise<void> {
  const stream = async (request: FastifyRequest<{ Querystring: { topic?: string; after?: string } }>, reply: FastifyReply) => {
    const viewer = request.viewer;
    // Nothing to show a person here: EventSource only needs the status.
    if (!viewer) return reply.code(401).header('Cache-Control', 'no-store').send();
    let topicId: number | null = null;
    let after: number | null = null;
    if (request.query.topic !== undefined) {
      const id = parseId(request.query.topic);
      const topic = id ? await findTopicForViewer(app.db, viewer, id) : undefined;
      if (!topic) throw new NotFoundError();
      topicId = topic.id;
      if (request.query.after !== undefined) after = Number(request.query.after);
    }
    const tooMany = () =>
      reply
        .code(429)
        .header('Retry-After', String(RETRY_AFTER_SECONDS))
        .header('Cache-Control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send(request.i18n.t('live.tooManyStreams', { max: app.live.maxPerUser }));
    const lease = await app.live.acquire(viewer.id);
    if (lease === null) return tooMany();
    const res = reply.raw;
    const write = (chunk: string) => {
      if (!res.writableEnded && !res.destroyed) res.write(chunk);
    };
    const sink: LiveSink = {
      send: (u) => write(frame(request, u)),
      ping: () => write(': ping\n\n'),
      end: () => {
        if (!res.writableEnded) res.end();
      },
    };
    const remove = app.live.add(viewer.id, sink, { viewer, session: request.sessionHash, topic: topicId, lease });
    // Another stream of this user was registered here while the lease was being taken.
    if (!remove) {
      await app.live.release(lease);
      return tooMany();
    }
    res.on('close', remove);
    // Gone already (the browser left while the lease was taken): 'close' will not fire again.
    if (res.destroyed) {
      reply.hijack();
      return remove();
    }
    // From here on Fastify leaves the response alone (no compression, no serializer): it is written as it happens.
    reply.hijack();
    // The security headers set so far (they were meant for Fastify's own send), then the stream's own.
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.socket?.setNoDelay(true);
    // The count as of this request, so a reconnecting browser catches up on anything it missed.
    write('retry: 5000\n\n');
    sink.send({ kind: 'notification', unread: viewer.unread_notifications ?? 0 });
    // Posts the page missed while it was away, looked up only now that new ones reach this stream (no gap between;
    // one announced both ways is told twice, which the page ignores).
    if (topicId && after !== null) {
      const missed = await listPostsAfter(app.db, topicId, after, viewer.id).catch((err: Error) => {
        request.log.warn({ err }, 'live catch-up failed');
        return [];
      });
      for (const p of missed) sink.send({ kind: 'post', topic: topicId, post: p.id, n: p.post_number });
    }
  };

  app.get('/notifications/stream', { schema: { querystring: StreamQuery } }, stream);
  app.get('/events', { schema: { querystring: StreamQuery } }, stream);
  await app.register(liveTopicRoutes);
}
