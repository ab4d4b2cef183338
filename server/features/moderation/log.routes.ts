import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { NotFoundError } from '../../web/errors.js';
import type { FieldErrors } from '../../web/forms.js';
import { render } from '../../web/render.js';
import { AUDIT_ACTIONS } from './audit.js';
import { describeDetails } from './log.format.js';
import { findUserIdByUsername, LOG_PAGE, type LogFilter, listLogEntries } from './log.queries.js';

const LogQuery = Type.Object({
  moderator: Type.Optional(Type.String({ maxLength: 60 })),
  action: Type.Optional(Type.String({ maxLength: 40 })),
  user: Type.Optional(Type.String({ maxLength: 60 })),
  from: Type.Optional(Type.String({ maxLength: 20 })),
  to: Type.Optional(Type.String({ maxLength: 20 })),
  before: Type.Optional(Type.String({ maxLength: 40 })),
});

/** A calendar day (YYYY-MM-DD, as an <input type=date> sends it) at 00:00 UTC; null when malformed. */
export function parseDay(raw: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw.trim());
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCDate() === Number(m[3]) && d.getUTCMonth() === Number(m[2]) - 1 ? d : null;
}

/** /mod/log: the audit log, newest first, filtered by moderator, action, member and dates. Read-only: no route edits it. */
export default async function logRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  app.get('/log', { schema: { querystring: LogQuery } }, async (request, reply) => {
    const q = request.query;
    const values = { moderator: q.moderator ?? '', action: q.action ?? '', user: q.user ?? '', from: q.from ?? '', to: q.to ?? '' };
    const errors: FieldErrors = {};
    const filter: LogFilter = {};
    const t = request.i18n.t;
    if (values.moderator.trim()) {
      filter.actorId = await findUserIdByUsername(db, values.moderator);
      if (!filter.actorId) errors.moderator = t('log.unknownUser');
    }
    if (values.user.trim()) {
      filter.targetUserId = await findUserIdByUsername(db, values.user);
      if (!filter.targetUserId) errors.user = t('log.unknownUser');
    }
    if (values.action) {
      if ((AUDIT_ACTIONS as readonly string[]).includes(values.action)) filter.action = values.action;
      else errors.action = t('errors.invalid');
    }
    if (values.from.trim()) {
      filter.from = parseDay(values.from) ?? undefined;
      if (!filter.from) errors.from = t('log.badDate');
    }
    if (values.to.trim()) {
      const day = parseDay(values.to);
      if (day) filter.to = new Date(day.getTime() + 86400_000);
      else errors.to = t('log.badDate');
    }
    const before = q.before ? decodeCursor(q.before) : null;
    if (q.before && !before) throw new NotFoundError();

    const failed = Object.keys(errors).length > 0;
    const rows = failed ? [] : await listLogEntries(db, filter, before);
    const entries = rows.slice(0, LOG_PAGE).map((row) => ({ ...row, detailText: describeDetails(request.i18n, row) }));
    const last = entries.at(-1);
    const params = new URLSearchParams(Object.entries(values).filter(([, v]) => v));
    if (rows.length > LOG_PAGE && last) params.set('before', encodeCursor(last.created_at, last.id));
    const next = rows.length > LOG_PAGE ? `/mod/log?${params.toString()}` : null;
    return render(request, reply, {
      page: 'mod/log/index',
      fragment: 'mod/log/_entries',
      title: t('log.title'),
      status: failed ? 422 : 200,
      data: { entries, values, errors, actions: AUDIT_ACTIONS, next, paged: !!before },
    });
  });
}
