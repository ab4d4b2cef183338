import './scheduled.types.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { parseId } from '../../lib/ids.js';
import { canScheduleTopics } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { type FieldErrors, fieldErrors, FormError, formValues } from '../../web/forms.js';
import { redirect, render } from '../../web/render.js';
import { listPostableCategories } from '../categories/categories.queries.js';
import { cancelScheduled, scheduleTopic, updateScheduled } from './scheduled.service.js';

const ScheduleBody = Type.Object({
  category_id: Type.String({ maxLength: 12 }),
  title: Type.String({ maxLength: 1000 }),
  body: Type.String({ maxLength: 60_000 }),
  publish_at: Type.String({ maxLength: 40 }),
  pin: Type.Optional(Type.Literal('1')),
});
const IdParams = Type.Object({ id: Type.String({ maxLength: 12 }) });

/** `datetime-local` values are read as UTC (the forum shows times in UTC). */
function parseWhen(raw: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(raw.trim())) return null;
  const d = new Date(`${raw.trim()}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * /mod/scheduled: brand staff schedule topics; every moderator may see the list (read-only). Registered inside the
 * /mod plugin, behind its guard.
 */
export default async function scheduledRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  async function page(request: FastifyRequest, reply: FastifyReply, data: { values?: Record<string, string>; errors?: FieldErrors; editing?: number | null }, status = 200) {
    const [items, categories] = await Promise.all([
      db
        .selectFrom('scheduled_topics')
        .innerJoin('categories', 'categories.id', 'scheduled_topics.category_id')
        .innerJoin('users', 'users.id', 'scheduled_topics.user_id')
        .select(['scheduled_topics.id', 'scheduled_topics.title', 'scheduled_topics.body_md', 'scheduled_topics.category_id', 'scheduled_topics.publish_at', 'scheduled_topics.pin', 'categories.name as category_name', 'users.username'])
        .where('scheduled_topics.status', '=', 'pending')
        .orderBy('scheduled_topics.publish_at')
        .limit(200)
        .execute(),
      listPostableCategories(db, request.viewer),
    ]);
    return render(request, reply, {
      page: 'scheduled/index',
      title: request.i18n.t('scheduled.title'),
      status,
      data: { items, categories, values: { category_id: '', title: '', body: '', publish_at: '', ...data.values }, errors: data.errors ?? {}, editing: data.editing ?? null, canSchedule: canScheduleTopics(request.viewer) },
    });
  }

  app.get('/scheduled', async (request, reply) => page(request, reply, {}));

  app.get('/scheduled/:id/edit', { schema: { params: IdParams } }, async (request, reply) => {
    const id = parseId(request.params.id);
    const row = id && (await db.selectFrom('scheduled_topics').selectAll().where('id', '=', id).where('status', '=', 'pending').executeTakeFirst());
    if (!row) throw new NotFoundError();
    const values = { category_id: String(row.category_id), title: row.title, body: row.body_md, publish_at: row.publish_at.toISOString().slice(0, 16), pin: row.pin ? '1' : '' };
    return page(request, reply, { values, editing: row.id });
  });

  const save = (editing: number | null) => async (request: FastifyRequest<{ Body: Record<string, string> }>, reply: FastifyReply) => {
    if (!canScheduleTopics(request.viewer)) throw new ForbiddenError('scheduled.cannot');
    const values = formValues(request);
    if (request.validationError) return page(request, reply, { values, errors: fieldErrors(request.i18n, request.validationError), editing }, 422);
    const b = request.body;
    const input = { category_id: parseId(b.category_id) ?? 0, title: b.title ?? '', body: b.body ?? '', publish_at: parseWhen(b.publish_at ?? ''), pin: b.pin === '1' };
    try {
      if (editing === null) await scheduleTopic(db, request.viewer!, input);
      else if (!(await updateScheduled(db, request.viewer!, editing, input))) throw new NotFoundError();
    } catch (err) {
      if (err instanceof FormError) return page(request, reply, { values, errors: fieldErrors(request.i18n, err), editing }, 422);
      throw err;
    }
    return redirect(request, reply, '/mod/scheduled');
  };

  app.post('/scheduled', { schema: { body: ScheduleBody }, attachValidation: true }, save(null));

  app.post('/scheduled/:id/edit', { schema: { params: IdParams, body: ScheduleBody }, attachValidation: true }, async (request, reply) => {
    const id = parseId(request.params.id);
    if (!id) throw new NotFoundError();
    return save(id)(request as never, reply);
  });

  app.post('/scheduled/:id/cancel', { schema: { params: IdParams } }, async (request, reply) => {
    if (!canScheduleTopics(request.viewer)) throw new ForbiddenError('scheduled.cannot');
    const id = parseId(request.params.id);
    if (!id || !(await cancelScheduled(db, id))) throw new NotFoundError();
    return redirect(request, reply, '/mod/scheduled');
  });
}
