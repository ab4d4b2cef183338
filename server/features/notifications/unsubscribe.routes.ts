import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { NotFoundError } from '../../web/errors.js';
import { render } from '../../web/render.js';
import { unsubscribe } from './email-prefs.js';
import { UnsubscribeParams } from './email-prefs.schemas.js';
import { scopeLabel } from './notifications.mail.js';
import { readUnsubscribeToken } from './unsubscribe.js';

/**
 * /unsubscribe/<token>: the link at the end of every notification mail and digest, and their List-Unsubscribe
 * header. No sign-in: the signed token is the permission. GET only shows what would change (mail scanners follow
 * links, so a GET must never unsubscribe); POST does it — from that page's button, or straight from a mail client
 * (RFC 8058 one-click: the body is "List-Unsubscribe=One-Click", and there is no CSRF token to send, so this one
 * route is exempt from the CSRF check). Both answer 200 with the page saying what changed (no redirect: a mail
 * client only needs a success). A forged or altered token is "not found"; one not even shaped like a token, 400.
 */
export default async function unsubscribeRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db, config } = app;

  // Mail clients may post one-click requests as multipart or plain text; nothing in the body matters here.
  // (Scoped to this plugin: other routes keep refusing unknown content types.)
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 16 * 1024 }, (_request, _body, done) => done(null, {}));

  async function load(token: string) {
    const found = await readUnsubscribeToken(db, config, token);
    const user = found && (await db.selectFrom('users').select(['id', 'username']).where('id', '=', found.userId).executeTakeFirst());
    if (!found || !user) throw new NotFoundError();
    return { ...found, token, username: user.username };
  }

  function page(request: FastifyRequest, reply: FastifyReply, state: 'confirm' | 'done', target: Awaited<ReturnType<typeof load>>) {
    // The token is in the URL: keep it out of Referer headers and caches.
    reply.header('Referrer-Policy', 'no-referrer').header('Cache-Control', 'no-store');
    return render(request, reply, {
      page: 'notifications/unsubscribe',
      title: request.i18n.t('notifyMail.unsub.title'),
      data: { state, action: `/unsubscribe/${target.token}`, username: target.username, what: scopeLabel(request.i18n, target.scope) },
    });
  }

  app.get('/unsubscribe/:token', { schema: { params: UnsubscribeParams } }, async (request, reply) => page(request, reply, 'confirm', await load(request.params.token)));

  app.post('/unsubscribe/:token', { schema: { params: UnsubscribeParams }, config: { csrfExempt: true } }, async (request, reply) => {
    const target = await load(request.params.token);
    await unsubscribe(db, target.userId, target.scope);
    return page(request, reply, 'done', target);
  });
}
