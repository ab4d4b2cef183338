import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { hit } from '../../web/ratelimit.js';
import { isHtmx, render } from '../../web/render.js';
import { maskEmail } from './recovery.service.js';
import { VerifyParams, VerifyQuery } from './verification.schemas.js';
import * as service from './verification.service.js';
import verificationAdminRoutes from './verification.admin.js';

/** Resending: at most once a minute and a few times a day per account, shared by every instance. */
const RESEND_PER_MINUTE = { limit: 1, window: 60 };
const RESEND_PER_DAY = { limit: 5, window: 86400 };

type PageState = 'pending' | 'sent' | 'limited' | 'verified' | 'confirmed' | 'invalid';

/** /verify (what to do), /verify/:token (the link in the mail) and /verify/resend. */
export default async function verificationRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db, config } = app;
  // The admin page in its own scope, behind its own admin guard.
  await app.register(verificationAdminRoutes);

  async function page(request: FastifyRequest, reply: FastifyReply, state: PageState, extra: { message?: string } = {}, status = 200) {
    const viewer = request.viewer;
    const me = viewer ? await service.findRecipient(db, viewer.id) : undefined;
    const data = { state, masked: me ? maskEmail(me.email) : '', canResend: !!viewer?.email_unverified, message: extra.message ?? null };
    return render(request, reply, { page: 'accounts/verify', fragment: 'accounts/_verify_result', title: request.i18n.t('verify.title'), status, data });
  }

  app.get('/verify', { schema: { querystring: VerifyQuery } }, async (request, reply) => {
    if (!request.viewer) return reply.redirect('/login?next=/verify', 303);
    if (!request.viewer.email_unverified) return page(request, reply, 'verified');
    return page(request, reply, request.query.sent === '1' ? 'sent' : 'pending');
  });

  app.get('/verify/:token', { schema: { params: VerifyParams } }, async (request, reply) => {
    // The link must not leak through the Referer of anything the page loads, nor be cached.
    reply.header('Referrer-Policy', 'no-referrer').header('Cache-Control', 'no-store');
    const outcome = await service.verifyToken(db, request.params.token);
    if (!outcome.ok) return page(request, reply, 'invalid', {}, 410);
    // The page is rendered for the viewer loaded before the link was used: refresh their flag if it was their link.
    if (request.viewer?.id === outcome.userId) request.viewer = { ...request.viewer, email_unverified: false };
    return page(request, reply, 'confirmed');
  });

  app.post('/verify/resend', async (request, reply) => {
    const viewer = request.viewer;
    if (!viewer) return reply.redirect('/login?next=/verify', 303);
    if (!viewer.email_unverified) return page(request, reply, 'verified');
    const perMinute = await hit(db, `verify:resend:min:${viewer.id}`, RESEND_PER_MINUTE.limit, RESEND_PER_MINUTE.window);
    const perDay = await hit(db, `verify:resend:day:${viewer.id}`, RESEND_PER_DAY.limit, RESEND_PER_DAY.window);
    if (!perMinute.allowed || !perDay.allowed) {
      const retry = Math.max(perMinute.allowed ? 0 : perMinute.retryAfter, perDay.allowed ? 0 : perDay.retryAfter);
      reply.header('Retry-After', String(retry));
      const message = request.i18n.t('verify.tooSoon', { minutes: Math.max(1, Math.ceil(retry / 60)) });
      return page(request, reply, 'limited', { message }, 429);
    }
    const me = await service.findRecipient(db, viewer.id);
    if (!me) return reply.redirect('/login?next=/verify', 303);
    await db.transaction().execute((trx) => service.sendVerification(trx, me, config.baseUrl, request.locale));
    app.mail.kick();
    // Without JavaScript: post, redirect, get (the page then says the mail is on its way).
    if (!isHtmx(request)) return reply.redirect('/verify?sent=1', 303);
    return page(request, reply, 'sent');
  });
}
