import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { parseId } from '../../lib/ids.js';
import { NotFoundError } from '../../web/errors.js';
import { redirect, render } from '../../web/render.js';
import { badgeText } from '../badges/badges.rules.js';
import { listNotifications, NOTIFICATIONS_PER_PAGE } from './notifications.queries.js';
import { NotificationParams, NotificationsQuery } from './notifications.schemas.js';
import { markAllRead, markRead } from './notifications.service.js';

/** Where a notification leads: its post in place, else its topic, else the list. */
function targetOf(n: { kind: string; post_id: number | null; topic_id: number | null }): string {
  if (n.kind === 'post_rejected') return '/my/pending';
  if (n.post_id) return `/p/${n.post_id}`;
  if (n.topic_id) return `/t/${n.topic_id}`;
  return '/notifications';
}

export default async function notificationsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  app.get('/notifications', { schema: { querystring: NotificationsQuery } }, async (request, reply) => {
    const viewer = request.viewer;
    if (!viewer) return reply.redirect('/login?next=/notifications', 303);
    const before = parseId(request.query.before);
    const rows = await listNotifications(db, viewer, before);
    const items = rows.map((n) => ({
      ...n,
      badge_name: n.badge_name_en !== null ? badgeText({ key: n.badge_key, name_en: n.badge_name_en, name_ru: n.badge_name_ru ?? '', description_en: '', description_ru: '' }, request.i18n).name : '',
    }));
    const next = rows.length === NOTIFICATIONS_PER_PAGE ? rows.at(-1)!.id : null;
    reply.header('Cache-Control', 'private, no-store');
    return render(request, reply, { page: 'notifications/index', title: request.i18n.t('notifications.title'), data: { items, next, paged: !!before, targetOf } });
  });

  // Opening marks it read and goes to what it is about (a form, so reading state never changes on a GET).
  app.post('/notifications/:id/open', { schema: { params: NotificationParams } }, async (request, reply) => {
    const viewer = request.viewer;
    const id = parseId(request.params.id);
    const row = viewer && id ? await markRead(db, viewer.id, id) : undefined;
    if (!row) throw new NotFoundError();
    return redirect(request, reply, targetOf(row));
  });

  app.post('/notifications/read-all', async (request, reply) => {
    const viewer = request.viewer;
    if (!viewer) throw new NotFoundError();
    await markAllRead(db, viewer.id);
    return redirect(request, reply, '/notifications');
  });
}
