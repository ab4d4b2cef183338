import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { parseId } from '../../lib/ids.js';
import { canManageBanner } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { type FieldErrors, fieldErrors, FormError, formValues } from '../../web/forms.js';
import { redirect, render, safeLocalPath } from '../../web/render.js';
import { getSettings } from '../settings/settings.js';
import { activeBanner, clearBanner, dismissBanner, setBanner } from './banner.service.js';

const BannerBody = Type.Object({
  text: Type.String({ maxLength: 2000 }),
  topic_id: Type.Optional(Type.String({ maxLength: 12 })),
  until: Type.String({ maxLength: 40 }),
});
const DismissBody = Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,15}$' }), next: Type.Optional(Type.String({ maxLength: 500 })) });

/** `datetime-local` values are read as UTC (the forum shows times in UTC). */
function parseUntil(raw: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(raw.trim())) return null;
  const d = new Date(`${raw.trim()}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The staff page is registered inside /mod (its guard); dismissing is for any signed-in member. */
export async function bannerModRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  // Every moderator may look (the banner is public anyway); only brand staff get the form.
  async function page(request: FastifyRequest, reply: FastifyReply, values: Record<string, string> | null, errors: FieldErrors = {}, status = 200) {
    const current = activeBanner((await getSettings(db)).banner);
    const v = values ?? { text: current?.md ?? '', topic_id: current?.topic_id ? String(current.topic_id) : '', until: current ? current.until.slice(0, 16) : '' };
    return render(request, reply, { page: 'banner/edit', title: request.i18n.t('banner.title'), status, data: { values: v, errors, current, canManage: canManageBanner(request.viewer) } });
  }

  app.get('/banner', async (request, reply) => page(request, reply, null));

  app.post('/banner', { schema: { body: BannerBody }, attachValidation: true }, async (request, reply) => {
    if (!canManageBanner(request.viewer)) throw new ForbiddenError('banner.cannot');
    const values = formValues(request);
    if (request.validationError) return page(request, reply, values, fieldErrors(request.i18n, request.validationError), 422);
    const rawTopic = (request.body.topic_id ?? '').trim();
    const topicId = rawTopic ? parseId(rawTopic) : null;
    try {
      if (rawTopic && !topicId) throw new FormError({ topic_id: { key: 'banner.noTopic' } });
      await setBanner(db, request.viewer!, { text: request.body.text, topicId, until: parseUntil(request.body.until) });
    } catch (err) {
      if (err instanceof FormError) return page(request, reply, values, fieldErrors(request.i18n, err), 422);
      throw err;
    }
    return redirect(request, reply, '/mod/banner?saved=1');
  });

  app.post('/banner/clear', async (request, reply) => {
    if (!canManageBanner(request.viewer)) throw new ForbiddenError('banner.cannot');
    await clearBanner(db, request.viewer!);
    return redirect(request, reply, '/mod/banner');
  });
}

export default async function bannerRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  app.post('/banner/dismiss', { schema: { body: DismissBody } }, async (request, reply) => {
    const viewer = request.viewer;
    if (!viewer) throw new NotFoundError();
    await dismissBanner(db, viewer.id, Number(request.body.id));
    if (request.headers['hx-request'] === 'true') return reply.code(200).type('text/html; charset=utf-8').send('');
    return redirect(request, reply, safeLocalPath(request.body.next, '/'));
  });
}
