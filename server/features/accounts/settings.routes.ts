import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { canEditOwnProfileText, canEditOwnSettings, type Viewer } from '../../policy/index.js';
import { type FieldErrors, fieldErrors, FormError, formValues } from '../../web/forms.js';
import { LOCALE_COOKIE } from '../../web/plugins.js';
import { hit, reset } from '../../web/ratelimit.js';
import { redirect, render } from '../../web/render.js';
import { startSession } from '../../web/session.js';
import * as q from './profile.queries.js';
import * as service from './profile.service.js';
import { PasswordBody, ProfileBody, SettingsQuery } from './settings.schemas.js';
import { EmailBody } from './recovery.schemas.js';
import { changeEmail } from './recovery.service.js';
import { isVerificationRequired } from './verification.rules.js';

/** Wrong current passwords per account: enough for typos, far too few for guessing. */
const PASSWORD_TRIES = 5;
const PASSWORD_WINDOW = 15 * 60;

interface SettingsPage {
  values?: Record<string, string>;
  errors?: FieldErrors;
  passwordErrors?: FieldErrors;
  passwordMessage?: string | null;
  emailErrors?: FieldErrors;
  emailValues?: Record<string, string>;
  emailMessage?: string | null;
  saved?: string | null;
}

/**
 * /settings: the signed-in user's own settings. The account is the session's, never a URL parameter,
 * so there is no "someone else's settings" to reach; guests (and suspended accounts, which are guests) go to log in.
 */
export default async function settingsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db, config } = app;

  async function settingsPage(request: FastifyRequest, reply: FastifyReply, viewer: Viewer, page: SettingsPage = {}, status = 200) {
    const current = await q.findSettingsFor(db, viewer.id);
    if (!current) return reply.redirect('/login?next=/settings', 303);
    const values = page.values ?? { display_name: current.display_name ?? '', bio: current.bio_md, locale: current.locale ?? request.locale };
    return render(request, reply, {
      page: 'accounts/settings',
      title: request.i18n.t('settings.title'),
      status,
      data: {
        values,
        errors: page.errors ?? {},
        passwordErrors: page.passwordErrors ?? {},
        passwordMessage: page.passwordMessage ?? null,
        email: current.email,
        emailErrors: page.emailErrors ?? {},
        emailValues: page.emailValues ?? {},
        emailMessage: page.emailMessage ?? null,
        saved: page.saved ?? null,
        canEditText: canEditOwnProfileText(viewer),
      },
    });
  }

  app.get('/settings', { schema: { querystring: SettingsQuery } }, async (request, reply) => {
    const viewer = request.viewer;
    if (!canEditOwnSettings(viewer)) return reply.redirect('/login?next=/settings', 303);
    return settingsPage(request, reply, viewer, { saved: request.query.saved ?? null });
  });

  app.post('/settings', { schema: { body: ProfileBody }, attachValidation: true }, async (request, reply) => {
    const viewer = request.viewer;
    if (!canEditOwnSettings(viewer)) return reply.redirect('/login?next=/settings', 303);
    const values = formValues(request);
    if (request.validationError) return settingsPage(request, reply, viewer, { values, errors: fieldErrors(request.i18n, request.validationError) }, 422);
    try {
      await service.updateProfile(db, viewer.id, request.body, canEditOwnProfileText(viewer));
    } catch (err) {
      if (err instanceof FormError) return settingsPage(request, reply, viewer, { values, errors: fieldErrors(request.i18n, err) }, 422);
      throw err;
    }
    reply.setCookie(LOCALE_COOKIE, request.body.locale, { path: '/', maxAge: 365 * 86400, sameSite: 'lax', secure: config.secureCookies, httpOnly: true });
    return redirect(request, reply, '/settings?saved=profile');
  });

  app.post('/settings/password', { schema: { body: PasswordBody }, attachValidation: true }, async (request, reply) => {
    const viewer = request.viewer;
    if (!canEditOwnSettings(viewer)) return reply.redirect('/login?next=/settings', 303);
    // The password form's fields are never sent back into the page; the profile form shows the saved values.
    const page = (p: SettingsPage, status: number) => settingsPage(request, reply, viewer, p, status);
    if (request.validationError) {
      const rules = fieldErrors(request.i18n, new FormError(service.checkNewPassword(request.body ?? {})));
      return page({ passwordErrors: { ...rules, ...fieldErrors(request.i18n, request.validationError) } }, 422);
    }
    // Counted before the (slow) check and forgotten on success, so only wrong attempts add up; shared by every instance.
    const key = `password:user:${viewer.id}`;
    const limit = await hit(db, key, PASSWORD_TRIES, PASSWORD_WINDOW);
    if (!limit.allowed) {
      reply.header('Retry-After', String(limit.retryAfter));
      return page({ passwordMessage: request.i18n.t('errors.tooManyRequests', { minutes: Math.ceil(limit.retryAfter / 60) }) }, 429);
    }
    try {
      await service.changePassword(db, viewer.id, request.body, request.sessionHash);
    } catch (err) {
      if (err instanceof FormError) return page({ passwordErrors: fieldErrors(request.i18n, err) }, 422);
      throw err;
    }
    await reset(db, key);
    // A new token for this browser too: whoever may have copied the old cookie is out with the other sessions.
    await startSession(db, config, request, reply, viewer.id);
    return redirect(request, reply, '/settings?saved=password');
  });

  app.post('/settings/email', { schema: { body: EmailBody }, attachValidation: true }, async (request, reply) => {
    const viewer = request.viewer;
    if (!canEditOwnSettings(viewer)) return reply.redirect('/login?next=/settings', 303);
    // The new address is kept in the form; the password never is.
    const emailValues = { email: formValues(request).email ?? '' };
    const page = (p: SettingsPage, status: number) => settingsPage(request, reply, viewer, { emailValues, ...p }, status);
    if (request.validationError) return page({ emailErrors: fieldErrors(request.i18n, request.validationError) }, 422);
    // Wrong current passwords count against the same per-account budget as the password form.
    const key = `password:user:${viewer.id}`;
    const limit = await hit(db, key, PASSWORD_TRIES, PASSWORD_WINDOW);
    if (!limit.allowed) {
      reply.header('Retry-After', String(limit.retryAfter));
      return page({ emailMessage: request.i18n.t('errors.tooManyRequests', { minutes: Math.ceil(limit.retryAfter / 60) }) }, 429);
    }
    try {
      await changeEmail(db, viewer.id, request.body, config.defaultLocale, (await isVerificationRequired(db, config)) ? { baseUrl: config.baseUrl } : undefined);
    } catch (err) {
      if (err instanceof FormError) return page({ emailErrors: fieldErrors(request.i18n, err) }, 422);
      throw err;
    }
    await reset(db, key);
    app.mail.kick();
    return redirect(request, reply, '/settings?saved=email');
  });
}
