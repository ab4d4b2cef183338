import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { canAccessAdmin } from '../../policy/index.js';
import { NotFoundError } from '../../web/errors.js';
import { redirect, render } from '../../web/render.js';
import { getSettings, updateSettings } from '../settings/settings.js';
import { verificationRequired } from './verification.rules.js';

export const MODES = ['auto', 'on', 'off'] as const;
const ModeBody = Type.Object({ mode: Type.Union(MODES.map((m) => Type.Literal(m))) });
const SavedQuery = Type.Object({ saved: Type.Optional(Type.Literal('1')) });

/**
 * /admin/verification: whether new members confirm their address before they post ('auto', 'on', 'off').
 * Like the rest of /admin, it does not exist for anyone but admins.
 */
export default async function verificationAdminRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db, config } = app;

  app.addHook('onRequest', async (request) => {
    if (!canAccessAdmin(request.viewer)) throw new NotFoundError();
  });

  async function page(request: FastifyRequest, reply: FastifyReply, saved: boolean, status = 200) {
    const settings = await getSettings(db);
    const data = { mode: settings.require_email_verification ?? 'auto', required: verificationRequired(settings, config), smtp: !!config.smtpUrl, modes: MODES, saved };
    return render(request, reply, { page: 'admin/verification', title: request.i18n.t('verify.admin.title'), status, data });
  }

  app.get('/admin/verification', { schema: { querystring: SavedQuery } }, async (request, reply) => page(request, reply, request.query.saved === '1'));

  app.post('/admin/verification', { schema: { body: ModeBody }, attachValidation: true }, async (request, reply) => {
    if (request.validationError) return page(request, reply, false, 422);
    await updateSettings(db, { require_email_verification: request.body.mode });
    return redirect(request, reply, '/admin/verification?saved=1');
  });
}
