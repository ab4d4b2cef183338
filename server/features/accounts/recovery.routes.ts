import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type FieldErrors, fieldErrors, FormError, formValues } from '../../web/forms.js';
import { hit } from '../../web/ratelimit.js';
import { render } from '../../web/render.js';
import { startSession } from '../../web/session.js';
import { emailKey } from '../../lib/identity.js';
import { ForgotBody, ResetBody, ResetParams } from './recovery.schemas.js';
import * as service from './recovery.service.js';

/** Reset requests: per address (IP) and per account, shared by every instance. */
const FORGOT_PER_IP = { limit: 10, window: 3600 };
const FORGOT_PER_LOGIN = { limit: 3, window: 3600 };

/** /password/forgot and /password/reset/:token — for guests; the pages carry their own CSRF token. */
export default async function recoveryRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db, config } = app;

  function forgotPage(request: FastifyRequest, reply: FastifyReply, data: { values?: Record<string, string>; errors?: FieldErrors; message?: string | null; sent?: boolean }, status = 200) {
    return render(request, reply, {
      page: 'accounts/forgot',
      title: request.i18n.t('reset.forgot.title'),
      status,
      guestForm: true,
      data: { values: {}, errors: {}, message: null, sent: false, ...data },
    });
  }

  app.get('/password/forgot', async (request, reply) => forgotPage(request, reply, {}));

  app.post('/password/forgot', { schema: { body: ForgotBody }, attachValidation: true }, async (request, reply) => {
    const values = formValues(request);
    if (request.validationError) return forgotPage(request, reply, { values, errors: fieldErrors(request.i18n, request.validationError) }, 422);
    const login = request.body.login.trim();
    const byIp = await hit(db, `forgot:ip:${request.ip}`, FORGOT_PER_IP.limit, FORGOT_PER_IP.window);
    const byLogin = await hit(db, `forgot:login:${emailKey(login)}`, FORGOT_PER_LOGIN.limit, FORGOT_PER_LOGIN.window);
    if (!byIp.allowed || !byLogin.allowed) {
      const retry = Math.max(byIp.allowed ? 0 : byIp.retryAfter, byLogin.allowed ? 0 : byLogin.retryAfter);
      reply.header('Retry-After', String(retry));
      return forgotPage(request, reply, { values, message: request.i18n.t('errors.tooManyRequests', { minutes: Math.ceil(retry / 60) }) }, 429);
    }
    // The same answer whether or not the account exists.
    if (await service.requestPasswordReset(db, login, config.baseUrl, config.defaultLocale)) app.mail.kick();
    return forgotPage(request, reply, { sent: true });
  });

  async function resetPage(request: FastifyRequest, reply: FastifyReply, token: string, errors: FieldErrors = {}, status = 200) {
    const target = await service.findResetTarget(db, token);
    // A reset link must not leak through the Referer of anything the page loads, nor be cached.
    reply.header('Referrer-Policy', 'no-referrer').header('Cache-Control', 'no-store');
    return render(request, reply, {
      page: 'accounts/reset',
      title: request.i18n.t('reset.title'),
      status: target ? status : 410,
      guestForm: true,
      data: { target: target ?? null, token, errors },
    });
  }

  app.get('/password/reset/:token', { schema: { params: ResetParams } }, async (request, reply) => resetPage(request, reply, request.params.token));

  app.post('/password/reset/:token', { schema: { params: ResetParams, body: ResetBody }, attachValidation: true }, async (request, reply) => {
    if (request.validationError) {
      const rules = fieldErrors(request.i18n, new FormError(service.checkResetPassword((request.body ?? {}) as Record<string, unknown>)));
      return resetPage(request, reply, request.params.token, { ...rules, ...fieldErrors(request.i18n, request.validationError) }, 422);
    }
    let userId: number | undefined;
    try {
      userId = await service.resetPassword(db, request.params.token, request.body);
    } catch (err) {
      if (err instanceof FormError) return resetPage(request, reply, request.params.token, fieldErrors(request.i18n, err), 422);
      throw err;
    }
    if (!userId) return resetPage(request, reply, request.params.token);
    await startSession(db, config, request, reply, userId);
    return reply.redirect('/?password=reset', 303);
  });
}
