import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { parseId } from '../../lib/ids.js';
import { canManageBadges } from '../../policy/index.js';
import { NotFoundError } from '../../web/errors.js';
import { type FieldErrors, fieldErrors, FormError, formValues } from '../../web/forms.js';
import { redirect, render } from '../../web/render.js';
import { badgeText } from './badges.rules.js';
import * as q from './badges.queries.js';
import { BadgeParams, CustomBadgeBody, GrantBody } from './badges.schemas.js';
import * as service from './badges.service.js';

/** Which form on the page an error belongs to: the create form, or one badge's grant/revoke form. */
interface FormState {
  form: string;
  values: Record<string, string>;
  errors: FieldErrors;
}

/** /admin/badges: create custom badges, grant and revoke them. Mounted behind the admin guard. */
export default async function badgesAdminRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  // The admin guard already answers 404; this keeps the badge rule in policy/ should the guard ever widen.
  app.addHook('preHandler', async (request) => {
    if (!canManageBadges(request.viewer)) throw new NotFoundError();
  });

  async function page(request: FastifyRequest, reply: FastifyReply, state: FormState | null = null, status = 200) {
    const rows = await q.listBadgesWithCounts(db);
    const badges = rows.map((b) => ({ ...b, ...badgeText(b, request.i18n) }));
    return render(request, reply, { page: 'badges/admin', title: request.i18n.t('admin.badges'), status, data: { badges, state } });
  }

  app.get('/', async (request, reply) => page(request, reply));

  app.post('/', { schema: { body: CustomBadgeBody }, attachValidation: true }, async (request, reply) => {
    const state = { form: 'create', values: formValues(request), errors: {} };
    if (request.validationError) return page(request, reply, { ...state, errors: fieldErrors(request.i18n, request.validationError) }, 422);
    try {
      await service.createCustomBadge(db, request.viewer!, request.body);
    } catch (err) {
      if (err instanceof FormError) return page(request, reply, { ...state, errors: fieldErrors(request.i18n, err) }, 422);
      throw err;
    }
    return redirect(request, reply, '/admin/badges');
  });

  for (const action of ['grant', 'revoke'] as const) {
    app.post(`/:id/${action}`, { schema: { params: BadgeParams, body: GrantBody }, attachValidation: true }, async (request, reply) => {
      const id = parseId(request.params.id);
      if (!id) throw new NotFoundError();
      const state = { form: `${action}-${id}`, values: formValues(request), errors: {} };
      if (request.validationError) return page(request, reply, { ...state, errors: fieldErrors(request.i18n, request.validationError) }, 422);
      const run = action === 'grant' ? service.grantCustomBadge : service.revokeCustomBadge;
      try {
        await run(db, request.viewer!, id, request.body.username, request.body.reason ?? '');
      } catch (err) {
        if (err instanceof FormError) return page(request, reply, { ...state, errors: fieldErrors(request.i18n, err) }, 422);
        throw err;
      }
      return redirect(request, reply, '/admin/badges');
    });
  }
}
