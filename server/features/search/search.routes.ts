import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { render } from '../../web/render.js';
import { type FieldErrors, fieldErrors } from '../../web/forms.js';
import { findUserByUsername } from '../accounts/accounts.queries.js';
import { listVisibleCategories } from '../categories/categories.queries.js';
import { MAX_PAGE, search, type SearchHit } from './search.queries.js';
import { SearchQuery } from './search.schemas.js';

type Values = { q: string; category: string; user: string; status: string; sort: string };

/** The query string of a results page with the same search (for pagination links). */
function pageHref(values: Values, page: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v && !(k === 'sort' && v === 'relevance')) params.set(k, v);
  if (page > 1) params.set('page', String(page));
  return `/search?${params.toString()}`;
}

export default async function searchRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  async function page(request: FastifyRequest, reply: FastifyReply, values: Values, data: { hits?: SearchHit[]; more?: boolean; page?: number; errors?: FieldErrors; searched?: boolean }, status = 200) {
    const categories = await listVisibleCategories(db, request.viewer);
    const title = values.q ? request.i18n.t('search.titleFor', { q: values.q }) : request.i18n.t('search.title');
    // Results depend on who is asking (what they may read): never shared between visitors.
    reply.header('Cache-Control', 'private, no-store');
    return render(request, reply, {
      page: 'search/index',
      title,
      status,
      data: { values, categories, hits: [], more: false, page: 1, errors: {}, searched: false, pageHref: (n: number) => pageHref(values, n), ...data },
    });
  }

  app.get('/search', { schema: { querystring: SearchQuery }, attachValidation: true }, async (request, reply) => {
    const raw = request.query as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    const values: Values = { q: str(raw.q).trim(), category: str(raw.category), user: str(raw.user).trim(), status: str(raw.status), sort: str(raw.sort) || 'relevance' };
    if (request.validationError) {
      const errors = fieldErrors(request.i18n, request.validationError);
      return page(request, reply, { ...values, q: values.q.slice(0, 200), user: values.user.slice(0, 60) }, { errors }, 400);
    }
    if (!values.q) return page(request, reply, values, {});
    const errors: FieldErrors = {};
    const categories = await listVisibleCategories(db, request.viewer);
    const category = values.category ? categories.find((c) => c.slug === values.category) : undefined;
    if (values.category && !category) errors.category = request.i18n.t('search.noSuchCategory');
    const user = values.user ? await findUserByUsername(db, values.user) : undefined;
    if (values.user && !user) errors.user = request.i18n.t('search.noSuchUser');
    if (Object.keys(errors).length) return page(request, reply, values, { errors, searched: true }, 400);
    const n = Math.min(MAX_PAGE, Number(request.query.page ?? 1));
    const status = values.status === 'solved' || values.status === 'unsolved' ? values.status : null;
    const sort = values.sort === 'newest' ? 'newest' : 'relevance';
    const { hits, more } = await search(db, request.viewer, { q: values.q, categoryId: category?.id, userId: user?.id, status, sort, page: n });
    return page(request, reply, values, { hits, more: more && n < MAX_PAGE, page: n, searched: true });
  });
}
