import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { Database } from '../../db/index.js';
import type { Viewer } from '../../policy/index.js';
import { type FieldErrors, fieldErrors, FormError } from '../../web/forms.js';
import { redirect, render } from '../../web/render.js';
import { recordAction } from '../moderation/audit.js';
import { DEFAULT_TRUST_LEVELS, getTrustLevelSettings, parseTrustLevels, type TrustLevelSettings } from '../settings/settings.js';

/** Every threshold as a form field `<group>-<field>` (e.g. `tl2-days_visited`), in the order of the defaults. */
export const TRUST_FIELDS = Object.entries(DEFAULT_TRUST_LEVELS).flatMap(([group, fields]) =>
  Object.keys(fields as Record<string, number>).map((field) => ({ group, field, name: `${group}-${field}` })),
);

const TrustBody = Type.Object(Object.fromEntries(TRUST_FIELDS.map((f) => [f.name, Type.Optional(Type.String({ maxLength: 20 }))])));
const SavedQuery = Type.Object({ saved: Type.Optional(Type.Literal('1')) });

function bounds(field: string): { min: number; max: number } {
  if (field.endsWith('_pct')) return { min: 0, max: 100 };
  return { min: field === 'period_days' ? 1 : 0, max: 100_000 };
}

export function formFromTrust(t: TrustLevelSettings): Record<string, string> {
  const groups = t as unknown as Record<string, Record<string, number>>;
  return Object.fromEntries(TRUST_FIELDS.map((f) => [f.name, String(groups[f.group]![f.field])]));
}

/** The form's values as thresholds, or the errors by field (each an integer in its range). */
export function parseTrustForm(values: Record<string, string>): { value: TrustLevelSettings } | { errors: FormError['fields'] } {
  const errors: FormError['fields'] = {};
  const out: Record<string, Record<string, number>> = {};
  for (const f of TRUST_FIELDS) {
    const raw = (values[f.name] ?? '').trim();
    const { min, max } = bounds(f.field);
    const n = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) errors[f.name] = { key: 'errors.integerRange', params: { min, max } };
    (out[f.group] ??= {})[f.field] = n;
  }
  if (Object.keys(errors).length) return { errors };
  const parsed = parseTrustLevels(out);
  return parsed ? { value: parsed } : { errors: { form: { key: 'errors.invalid' } } };
}

/** Stores the thresholds and writes `settings_change` (changed fields, before and after) in one transaction. */
export async function saveTrustLevels(db: Database, viewer: Viewer, next: TrustLevelSettings): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.selectFrom('settings').select('key').where('key', '=', 'trust_levels').forUpdate().execute();
    const before = formFromTrust(await getTrustLevelSettings(trx));
    const after = formFromTrust(next);
    const changed = TRUST_FIELDS.filter((f) => before[f.name] !== after[f.name]).map((f) => f.name);
    if (!changed.length) return;
    await trx
      .insertInto('settings')
      .values({ key: 'trust_levels', value: JSON.stringify(next) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: (eb) => eb.ref('excluded.value'), updated_at: sql`now()` }))
      .execute();
    const pick = (v: Record<string, string>) => Object.fromEntries(changed.map((k) => [k, Number(v[k])]));
    await recordAction(trx, { actorId: viewer.id, action: 'settings_change', details: { setting: 'trust_levels', before: pick(before), after: pick(after) } });
  });
}

/** /admin/trust: the automatic trust-level thresholds. Mounted behind the admin guard. */
export default async function trustAdminRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  function page(request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: FieldErrors = {}, status = 200, saved = false) {
    return render(request, reply, { page: 'admin/trust', title: request.i18n.t('trustAdmin.title'), status, data: { values, errors, saved, fields: TRUST_FIELDS } });
  }

  app.get('/', { schema: { querystring: SavedQuery } }, async (request, reply) =>
    page(request, reply, formFromTrust(await getTrustLevelSettings(db)), {}, 200, request.query.saved === '1'),
  );

  app.post('/', { schema: { body: TrustBody }, attachValidation: true }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values = Object.fromEntries(TRUST_FIELDS.map((f) => [f.name, typeof body[f.name] === 'string' ? (body[f.name] as string).slice(0, 20) : '']));
    if (request.validationError) return page(request, reply, values, { form: request.i18n.t('errors.invalid'), ...fieldErrors(request.i18n, request.validationError) }, 422);
    const parsed = parseTrustForm(values);
    if ('errors' in parsed) return page(request, reply, values, fieldErrors(request.i18n, new FormError(parsed.errors)), 422);
    await saveTrustLevels(db, request.viewer!, parsed.value);
    return redirect(request, reply, '/admin/trust?saved=1');
  });
}
