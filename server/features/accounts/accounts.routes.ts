import { isPermanent } from '../moderation/sanctions.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { hit, reset } from '../../web/ratelimit.js';
import { NotFoundError } from '../../web/errors.js';
import { type FieldErrors, fieldErrors, FormError, formValues } from '../../web/forms.js';
import { redirect, render, safeLocalPath } from '../../web/render.js';
import { endSession, startSession } from '../../web/session.js';
import { LOCALE_COOKIE } from '../../web/plugins.js';
import { countAcceptedAnswers } from '../reputation/leaderboard.queries.js';
import * as q from './accounts.queries.js';
import { listUserBadges } from '../badges/badges.queries.js';
import { badgeText } from '../badges/badges.rules.js';
import { LocaleBody, LocaleParams, LoginBody, NextQuery, SignupBody, UsernameParams } from './accounts.schemas.js';
import * as service from './accounts.service.js';
import { isVerificationRequired } from './verification.rules.js';

const LOGIN_WINDOW = 15 * 60;

export default async function accountsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db, config } = app;

  function signupPage(request: FastifyRequest, reply: FastifyReply, values: Record<string, string> = {}, errors: FieldErrors = {}, status = 200) {
    return render(request, reply, { page: 'accounts/signup', title: request.i18n.t('signup.title'), status, guestForm: true, data: { values, errors } });
  }

  function loginPage(request: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}, status = 200) {
    return render(request, reply, { page: 'accounts/login', title: request.i18n.t('login.title'), status, guestForm: true, data: { values: {}, message: null, ...data } });
  }

  app.get('/signup', async (request, reply) => (request.viewer ? reply.redirect('/', 303) : signupPage(request, reply)));

  app.post('/signup', { schema: { body: SignupBody }, attachValidation: true }, async (request, reply) => {
    const values = formValues(request);
    delete values.password;
    if (request.validationError) {
      const rules = fieldErrors(request.i18n, new FormError(service.checkSignup(request.body ?? {})));
      return signupPage(request, reply, values, { ...rules, ...fieldErrors(request.i18n, request.validationError) }, 422);
    }
    const limit = await hit(db, `signup:ip:${request.ip}`, 20, 3600);
    if (!limit.allowed) {
      reply.header('Retry-After', String(limit.retryAfter));
      return signupPage(request, reply, values, { form: request.i18n.t('errors.tooManyRequests', { minutes: Math.ceil(limit.retryAfter / 60) }) }, 429);
    }
    try {
      const verify = (await isVerificationRequired(db, config)) ? { locale: request.locale } : undefined;
      const user = await service.registerUser(db, config, request.body, verify);
      if (verify) app.mail.kick();
      await startSession(db, config, request, reply, user.id);
      return redirect(request, reply, '/');
    } catch (err) {
      if (err instanceof FormError) return signupPage(request, reply, values, fieldErrors(request.i18n, err), 422);
      throw err;
    }
  });

  app.get('/login', async (request, reply) => {
    if (request.viewer) return reply.redirect('/', 303);
    const next = safeLocalPath((request.query as { next?: unknown }).next, '/');
    return loginPage(request, reply, { values: { next } });
  });

  app.post('/login', { schema: { body: LoginBody }, attachValidation: true }, async (request, reply) => {
    const values = formValues(request);
    delete values.password;
    const t = request.i18n.t;
    if (request.validationError) return loginPage(request, reply, { values, errors: fieldErrors(request.i18n, request.validationError) }, 422);
    const { login, password } = request.body;
    // Per IP and per account, shared by every instance: slows guessing without locking out the owner for long.
    const byIp = await hit(db, `login:ip:${request.ip}`, 50, LOGIN_WINDOW);
    // Keyed by the account when it exists, so its username and its e-mail share one counter.
    const target = await q.findUserByLogin(db, login.trim());
    const accountKey = target ? `login:user:${target.id}` : `login:account:${login.trim().normalize('NFKC').toLowerCase()}`;
    const byAccount = await hit(db, accountKey, 10, LOGIN_WINDOW);
    if (!byIp.allowed || !byAccount.allowed) {
      const retry = Math.max(byIp.allowed ? 0 : byIp.retryAfter, byAccount.allowed ? 0 : byAccount.retryAfter);
      reply.header('Retry-After', String(retry));
      return loginPage(request, reply, { values, message: t('errors.tooManyRequests', { minutes: Math.ceil(retry / 60) }) }, 429);
    }
    const result = await service.authenticate(db, login, password);
    if (!result.ok && result.reason === 'invalid') return loginPage(request, reply, { values, message: t('login.failed') }, 401);
    if (!result.ok && result.reason === 'suspended') {
      const { suspended_until, suspended_reason } = result.user;
      const until = isPermanent(suspended_until) ? t('sanctions.loginPermanent') : t('login.suspended', { until: request.i18n.date(suspended_until!) });
      const message = [until, suspended_reason ? t('login.suspendedReason', { reason: suspended_reason }) : '']
        .filter(Boolean)
        .join(' ');
      return loginPage(request, reply, { values, message }, 403);
    }
    if (!result.ok) throw new Error('unreachable');
    await reset(db, accountKey);
    await startSession(db, config, request, reply, result.user.id);
    return redirect(request, reply, safeLocalPath(request.body.next, '/'));
  });

  app.post('/logout', async (request, reply) => {
    await endSession(db, config, request, reply);
    return redirect(request, reply, '/');
  });

  /** Switches the interface language: a cookie, and for a signed-in user their saved preference. */
  async function switchLocale(request: FastifyRequest, reply: FastifyReply, locale: 'ru' | 'en', next: unknown) {
    reply.setCookie(LOCALE_COOKIE, locale, { path: '/', maxAge: 365 * 86400, sameSite: 'lax', secure: config.secureCookies, httpOnly: true });
    if (request.viewer) await service.setLocale(db, request.viewer.id, locale);
    return redirect(request, reply, safeLocalPath(next, '/'));
  }

  app.post('/locale', { schema: { body: LocaleBody } }, async (request, reply) => switchLocale(request, reply, request.body.locale, request.body.next));

  // A plain link in every page's footer. Only a display preference changes, so a GET is acceptable here,
  // and it keeps guests' pages free of forms (no CSRF cookie, cacheable).
  app.get('/locale/:locale', { schema: { params: LocaleParams, querystring: NextQuery } }, async (request, reply) =>
    switchLocale(request, reply, request.params.locale, request.query.next),
  );

  app.get('/u/:username', { schema: { params: UsernameParams } }, async (request, reply) => {
    const user = await q.findUserByUsername(db, request.params.username);
    if (!user) throw new NotFoundError();
    const [topics, posts, acceptedAnswers, badgeRows] = await Promise.all([
      q.listRecentTopicsBy(db, request.viewer, user.id),
      q.listRecentPostsBy(db, request.viewer, user.id),
      countAcceptedAnswers(db, request.viewer, user.id),
      listUserBadges(db, user.id),
    ]);
    const badges = badgeRows.map((b) => ({ ...b, ...badgeText(b, request.i18n) }));
    return render(request, reply, { page: 'accounts/profile', title: user.display_name || user.username, data: { user, topics, posts, acceptedAnswers, badges } });
  });
}
