import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type FieldErrors, fieldErrors, FormError } from '../../web/forms.js';
import { redirect, render } from '../../web/render.js';
import { formFromBody, formFromSettings, MAX_REACTIONS, parseSettingsForm, type SettingsFormValues } from './settings.form.js';
import { getSettings, InvalidSettingError, updateSettings } from './settings.js';

// Shape only (every string and list bounded); the rules are in settings.form so each message lands next to its field.
const Field = Type.String({ maxLength: 100 });
const Rows = Type.Array(Field, { maxItems: MAX_REACTIONS });
const SettingsBody = Type.Object({
  key: Type.Optional(Rows),
  emoji: Type.Optional(Rows),
  weight: Type.Optional(Rows),
  accepted_answer: Type.Optional(Field),
  accept_own: Type.Optional(Field),
  limit: Type.Optional(Type.Array(Field, { maxItems: 5 })),
  mail_delay: Type.Optional(Field),
});
const SavedQuery = Type.Object({ saved: Type.Optional(Type.Literal('1')) });

/** /admin/settings: reactions, reputation weights, daily reaction limits and the notification-mail delay. Mounted behind the admin guard. */
export default async function settingsAdminRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  function page(request: FastifyRequest, reply: FastifyReply, values: SettingsFormValues, errors: FieldErrors = {}, status = 200, saved = false) {
    return render(request, reply, { page: 'admin/settings', title: request.i18n.t('admin.settings'), status, data: { values, errors, saved } });
  }

  app.get('/', { schema: { querystring: SavedQuery } }, async (request, reply) =>
    page(request, reply, formFromSettings(await getSettings(db)), {}, 200, request.query.saved === '1'),
  );

  app.post('/', { schema: { body: SettingsBody }, attachValidation: true }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    // On a shape error the body may hold anything: re-render only what reads as lists of strings.
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String).slice(0, MAX_REACTIONS) : typeof v === 'string' ? [v] : undefined);
    const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 100) : undefined);
    const values = formFromBody({ key: list(body.key), emoji: list(body.emoji), weight: list(body.weight), limit: list(body.limit), accepted_answer: str(body.accepted_answer), accept_own: str(body.accept_own), mail_delay: str(body.mail_delay) });
    if (request.validationError) return page(request, reply, values, { form: request.i18n.t('errors.invalid'), ...fieldErrors(request.i18n, request.validationError) }, 422);
    const parsed = parseSettingsForm(values);
    if ('errors' in parsed) return page(request, reply, values, fieldErrors(request.i18n, new FormError(parsed.errors)), 422);
    try {
      await updateSettings(db, parsed.patch);
    } catch (err) {
      // The form's rules are stricter than the module's, so this means the two have drifted apart.
      if (err instanceof InvalidSettingError) return page(request, reply, values, { form: request.i18n.t('errors.invalid') }, 422);
      throw err;
    }
    return redirect(request, reply, '/admin/settings?saved=1');
  });
}
