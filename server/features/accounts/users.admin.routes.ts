import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { parseId } from '../../lib/ids.js';
import { canChangeRole, canSetTrustLevel } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { redirect, render } from '../../web/render.js';
import { changeRole, changeTrustLevel } from './users.admin.service.js';

const ROLES = ['member', 'moderator', 'staff', 'admin'] as const;
const UsersQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 60 })), before: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,9}$' })) });
const RoleBody = Type.Object({ role: Type.Union(ROLES.map((r) => Type.Literal(r))) });
const TrustBody = Type.Object({ trust_level: Type.String({ pattern: '^[0-4]$' }), locked: Type.Optional(Type.Literal('1')) });
const IdParams = Type.Object({ id: Type.String({ maxLength: 12 }) });
const PAGE = 50;

/** /admin/users: find people and change their role. Mounted behind the admin guard. */
export default async function usersAdminRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  app.get('/', { schema: { querystring: UsersQuery } }, async (request, reply) => {
    const search = (request.query.q ?? '').trim().normalize('NFKC').toLowerCase();
    let query = db.selectFrom('users').select(['id', 'username', 'email', 'role', 'trust_level', 'trust_level_locked', 'created_at', 'post_count']);
    if (search) query = query.where((eb) => eb.or([eb('username_key', 'like', `${search.replace(/[\\%_]/g, '\\$&')}%`), eb('email_key', '=', search)]));
    // parseId, not Number: the pattern lets through 10-digit values beyond PostgreSQL's integer range.
    const before = request.query.before ? parseId(request.query.before) : null;
    if (request.query.before && !before) throw new NotFoundError();
    if (before) query = query.where('id', '<', before);
    const users = await query.orderBy('id', 'desc').limit(PAGE).execute();
    const next = users.length === PAGE ? users.at(-1)!.id : null;
    return render(request, reply, { page: 'admin/users', title: request.i18n.t('admin.users'), data: { users, roles: ROLES, search: request.query.q ?? '', next } });
  });

  app.post('/:id/role', { schema: { params: IdParams, body: RoleBody } }, async (request, reply) => {
    const id = parseId(request.params.id);
    const user = id && (await db.selectFrom('users').select(['id']).where('id', '=', id).executeTakeFirst());
    if (!user) throw new NotFoundError();
    if (!canChangeRole(request.viewer, user)) throw new ForbiddenError('admin.users.ownRole');
    await changeRole(db, request.viewer!, user.id, request.body.role);
    return redirect(request, reply, '/admin/users');
  });

  /** Sets a user's trust level (0–4) and whether the automatic rules may change it afterwards. */
  app.post('/:id/trust', { schema: { params: IdParams, body: TrustBody } }, async (request, reply) => {
    const id = parseId(request.params.id);
    const user = id && (await db.selectFrom('users').select(['id']).where('id', '=', id).executeTakeFirst());
    if (!user) throw new NotFoundError();
    if (!canSetTrustLevel(request.viewer, user)) throw new ForbiddenError('admin.users.ownTrust');
    await changeTrustLevel(db, request.viewer!, user.id, Number(request.body.trust_level), request.body.locked === '1');
    return redirect(request, reply, '/admin/users');
  });
}
