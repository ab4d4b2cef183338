import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { parseId } from '../../lib/ids.js';
import { NotFoundError } from '../../web/errors.js';
import { type FieldErrors, fieldErrors, FormError, formValues } from '../../web/forms.js';
import { redirect, render } from '../../web/render.js';
import * as q from './categories.queries.js';
import { CategoryBody, IdParams, MoveBody } from './categories.schemas.js';
import * as service from './categories.service.js';

const NEW_DEFAULTS = { name: '', slug: '', kind: 'discussion', description: '', color: '#2563eb', parent_id: '', read_access: 'everyone', post_access: 'members', approval_below_tl: '0' };

/** /admin/categories: list, create, edit, reorder, delete. Mounted behind the admin guard. */
export default async function categoriesAdminRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  async function listPage(request: FastifyRequest, reply: FastifyReply, values: Record<string, string> = NEW_DEFAULTS, errors: FieldErrors = {}, status = 200, notice = '') {
    const categories = await q.listAllCategories(db);
    return render(request, reply, { page: 'admin/categories', title: request.i18n.t('admin.categories'), status, data: { categories, values, errors, notice } });
  }

  async function editPage(request: FastifyRequest, reply: FastifyReply, id: number, values: Record<string, string>, errors: FieldErrors = {}, status = 200) {
    const parents = (await q.listAllCategories(db)).filter((c) => c.parent_id === null && c.id !== id);
    return render(request, reply, { page: 'admin/category_edit', title: request.i18n.t('admin.editCategory'), status, data: { id, parents, values, errors } });
  }

  async function load(raw: string) {
    const id = parseId(raw);
    const category = id && (await q.findCategory(db, id));
    if (!category) throw new NotFoundError();
    return category;
  }

  app.get('/', async (request, reply) => listPage(request, reply));

  app.post('/', { schema: { body: CategoryBody }, attachValidation: true }, async (request, reply) => {
    const values = { ...NEW_DEFAULTS, ...formValues(request) };
    if (request.validationError) return listPage(request, reply, values, fieldErrors(request.i18n, request.validationError), 422);
    try {
      await service.createCategory(db, request.body, request.viewer);
    } catch (err) {
      if (err instanceof FormError) return listPage(request, reply, values, fieldErrors(request.i18n, err), 422);
      throw err;
    }
    return redirect(request, reply, '/admin/categories');
  });

  app.get('/:id', { schema: { params: IdParams } }, async (request, reply) => {
    const c = await load(request.params.id);
    const values = { ...c, parent_id: c.parent_id ? String(c.parent_id) : '', id: String(c.id), approval_below_tl: String(c.approval_below_tl) } as unknown as Record<string, string>;
    return editPage(request, reply, c.id, values);
  });

  app.post('/:id', { schema: { params: IdParams, body: CategoryBody }, attachValidation: true }, async (request, reply) => {
    const c = await load(request.params.id);
    const values = formValues(request);
    if (request.validationError) return editPage(request, reply, c.id, values, fieldErrors(request.i18n, request.validationError), 422);
    try {
      await service.updateCategory(db, c.id, request.body, request.viewer);
    } catch (err) {
      if (err instanceof FormError) return editPage(request, reply, c.id, values, fieldErrors(request.i18n, err), 422);
      throw err;
    }
    return redirect(request, reply, '/admin/categories');
  });

  app.post('/:id/move', { schema: { params: IdParams, body: MoveBody } }, async (request, reply) => {
    const c = await load(request.params.id);
    await service.moveCategory(db, c.id, request.body.direction);
    return redirect(request, reply, '/admin/categories');
  });

  app.post('/:id/delete', { schema: { params: IdParams } }, async (request, reply) => {
    const c = await load(request.params.id);
    const result = await service.deleteCategory(db, c.id, request.viewer);
    if (result === 'deleted') return redirect(request, reply, '/admin/categories');
    const t = request.i18n.t;
    const notice = result === 'not_empty' ? t('admin.category.deleteNotEmpty') : t('admin.category.deleteHasChildren');
    return listPage(request, reply, NEW_DEFAULTS, {}, 409, notice);
  });
}
