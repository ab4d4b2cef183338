import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { Database } from '../../db/index.js';
import type { Viewer } from '../../policy/index.js';
import { type FieldErrors, fieldErrors, FormError } from '../../web/forms.js';
import { redirect, render } from '../../web/render.js';
import { recordAction } from '../moderation/audit.js';
import { changedFields, formFromBody, formFromModeration, LIST_FIELDS, LIST_MAX, type ModerationFormValues, NUMBER_FIELDS, parseModerationForm, WORD_MAX } from './moderation.form.js';
import { forgetCachedSettings, getSettings, mergeSettings, type ModerationSettings, parseModeration } from './settings.js';

// Shape only: every field a bounded string; the rules (ranges, one item per line) are in moderation.form.
const ModerationBody = Type.Object({
  ...Object.fromEntries(Object.keys(NUMBER_FIELDS).map((k) => [k, Type.Optional(Type.String({ maxLength: 20 }))])),
  ...Object.fromEntries(LIST_FIELDS.map((k) => [k, Type.Optional(Type.String({ maxLength: LIST_MAX * (WORD_MAX + 2) }))])),
});
const SavedQuery = Type.Object({ saved: Type.Optional(Type.Literal('1')) });

/**
 * Stores the moderation settings and writes `settings_change` (the changed fields, before and after) in one
 * transaction. settings.updateSettings takes no transaction, so the upsert is done here on the transaction.
 */
export async function saveModerationSettings(db: Database, viewer: Viewer, next: ModerationSettings): Promise<void> {
  const parsed = parseModeration(next);
  if (!parsed) throw new Error('moderation settings do not parse');
  await db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('settings').select(['key', 'value']).where('key', '=', 'moderation').forUpdate().execute();
    const before = mergeSettings(rows).moderation;
    const diff = changedFields(before, parsed);
    if (!Object.keys(diff.after).length) return;
    await trx
      .insertInto('settings')
      .values({ key: 'moderation', value: JSON.stringify(parsed) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: (eb) => eb.ref('excluded.value'), updated_at: sql`now()` }))
      .execute();
    await recordAction(trx, { actorId: viewer.id, action: 'settings_change', details: { setting: 'moderation', ...diff } });
  });
  forgetCachedSettings(db);
}

/** /admin/moderation: flags, pre-moderation, posting limits, word and link rules. Mounted behind the admin guard. */
export default async function moderationAdminRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  function page(request: FastifyRequest, reply: FastifyReply, values: ModerationFormValues, errors: FieldErrors = {}, status = 200, saved = false) {
    return render(request, reply, { page: 'admin/moderation', title: request.i18n.t('adminMod.title'), status, data: { values, errors, saved } });
  }

  app.get('/', { schema: { querystring: SavedQuery } }, async (request, reply) => {
    forgetCachedSettings(db);
    return page(request, reply, formFromModeration((await getSettings(db)).moderation), {}, 200, request.query.saved === '1');
  });

  app.post('/', { schema: { body: ModerationBody }, attachValidation: true }, async (request, reply) => {
    const values = formFromBody((request.body ?? {}) as Record<string, unknown>);
    if (request.validationError) return page(request, reply, values, { form: request.i18n.t('errors.formHasErrors'), ...fieldErrors(request.i18n, request.validationError) }, 422);
    const parsed = parseModerationForm(values);
    if ('errors' in parsed) return page(request, reply, values, fieldErrors(request.i18n, new FormError(parsed.errors)), 422);
    await saveModerationSettings(db, request.viewer!, parsed.settings);
    return redirect(request, reply, '/admin/moderation?saved=1');
  });
}
