import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LiveSink, LiveUpdate } from '../../live/hub.js';
import { RateLimitedError } from '../../web/errors.js';

/** How long a refused browser should wait before trying to open another stream. */
const RETRY_AFTER_SECONDS = 30;

/** The bell as the layout renders it: the badge text and the accessible label, in the viewer's language. */
function bellData(request: FastifyRequest, unread: number) {
  return {
    unread,
    text: unread > 99 ? '99+' : String(unread),
    label: unread ? request.i18n.tn('notifications.bellUnread', unread) : request.i18n.t('notifications.bell'),
  };
}

/**
 * Server-Sent Events for a signed-in viewer: `notification` events carry the new unread count. The stream holds no
 * database connection and never polls; the instance's LiveHub pushes to it (see live/hub.ts).
 */
export default async function liveRoutes(app: FastifyInstance): Promise<void> {
  const stream = async (request: FastifyRequest, reply: FastifyReply) => {
    const viewer = request.viewer;
    // Nothing to show a person here: EventSource only needs the status.
    if (!viewer) return reply.code(401).header('Cache-Control', 'no-store').send();
    const res = reply.raw;
    const write = (chunk: string) => {
      if (!res.writableEnded && !res.destroyed) res.write(chunk);
    };
    const sink: LiveSink = {
      send: (u: LiveUpdate) => write(`event: ${u.kind}\ndata: ${JSON.stringify(bellData(request, u.unread))}\n\n`),
      ping: () => write(': ping\n\n'),
      end: () => {
        if (!res.writableEnded) res.end();
      },
    };
    const remove = app.live.add(viewer.id, sink);
    if (!remove) throw new RateLimitedError(RETRY_AFTER_SECONDS);
    res.on('close', remove);
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
  };

  app.get('/notifications/stream', stream);
  app.get('/events', stream);
}
