import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { canEditOwnSettings, type Viewer } from '../../policy/index.js';
import type { FieldErrors } from '../../web/forms.js';
import { redirect, render } from '../../web/render.js';
import { getSettings } from '../settings/settings.js';
import { DIGEST_FREQUENCIES, type DigestFrequency, type EmailPrefs, findPrefs, mailDelayMinutes, MAIL_GROUPS, MAIL_MODES, type MailMode, savePrefs } from './email-prefs.js';
import { EmailPrefsBody, EmailPrefsQuery } from './email-prefs.schemas.js';

const PATH = '/settings/mail';

/** The form's values as strings (what the selects show). */
function valuesOf(prefs: EmailPrefs): Record<string, string> {
  return { ...prefs.modes, digest: prefs.digest };
}

/** The submitted choices, or the fields holding something that is not one of the options. */
function parseForm(body: Record<string, unknown>): { prefs: EmailPrefs } | { bad: string[] } {
  const bad: string[] = [];
  const modes = {} as EmailPrefs['modes'];
  for (const g of MAIL_GROUPS) {
    const v = body[g];
    if (MAIL_MODES.includes(v as MailMode)) modes[g] = v as MailMode;
    else bad.push(g);
  }
  const digest = body.digest as DigestFrequency;
  if (!DIGEST_FREQUENCIES.includes(digest)) bad.push('digest');
  return bad.length ? { bad } : { prefs: { modes, digest } };
}

/**
 * /settings/mail: the signed-in member's own mail choices (per notification group, and the digest). The account
 * is the session's, never a URL parameter; guests and suspended accounts (guests too) go to log in.
 */
export default async function emailPrefsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  async function page(request: FastifyRequest, reply: FastifyReply, viewer: Viewer, values: Record<string, string>, errors: FieldErrors = {}, status = 200, saved = false) {
    const [user, settings] = await Promise.all([db.selectFrom('users').select('email').where('id', '=', viewer.id).executeTakeFirstOrThrow(), getSettings(db)]);
    reply.header('Cache-Control', 'private, no-store');
    return render(request, reply, {
      page: 'notifications/email-prefs',
      title: request.i18n.t('notifyMail.prefs.title'),
      status,
      data: { values, errors, saved, email: user.email, minutes: mailDelayMinutes(settings), groups: MAIL_GROUPS, modes: MAIL_MODES, digests: DIGEST_FREQUENCIES },
    });
  }

  app.get(PATH, { schema: { querystring: EmailPrefsQuery } }, async (request, reply) => {
    const viewer = request.viewer;
    if (!canEditOwnSettings(viewer)) return reply.redirect(`/login?next=${PATH}`, 303);
    return page(request, reply, viewer, valuesOf(await findPrefs(db, viewer.id)), {}, 200, request.query.saved === '1');
  });

  app.post(PATH, { schema: { body: EmailPrefsBody }, attachValidation: true }, async (request, reply) => {
    const viewer = request.viewer;
    if (!canEditOwnSettings(viewer)) return reply.redirect(`/login?next=${PATH}`, 303);
    const body = (request.body ?? {}) as Record<string, unknown>;
    // Re-rendered as submitted (cut to the field limit), so nothing the member chose is lost on an error.
    const values: Record<string, string> = {};
    for (const k of [...MAIL_GROUPS, 'digest']) values[k] = typeof body[k] === 'string' ? (body[k] as string).slice(0, 20) : '';
    // A shape error (a list, an over-long value) leaves the field blank in `values`, so parseForm reports it.
    const parsed = parseForm(values);
    if ('bad' in parsed) {
      const errors: FieldErrors = { form: request.i18n.t('errors.formHasErrors') };
      for (const k of parsed.bad) errors[k] = request.i18n.t('notifyMail.errors.choice');
      return page(request, reply, viewer, values, errors, 422);
    }
    await savePrefs(db, viewer.id, parsed.prefs);
    return redirect(request, reply, `${PATH}?saved=1`);
  });
}

