import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isHtmx, render } from '../../web/render.js';
import { type FieldErrors, fieldErrors } from '../../web/forms.js';
import { findUserByUsername } from '../accounts/accounts.queries.js';
import { listVisibleCategories } from '../categories/categories.queries.js';
import { MAX_PAGE, search, type SearchHit } from './search.queries.js';
import { SearchQuery, SuggestQuery } from './search.schemas.js';
import { similarTitles, suggestTitles, type TitleSuggestion } from './search.suggest.js';

type Values = { q: string; category: string; user: string; status: string; sort: string; in: string; from: string; to: string };

/** A day typed as YYYY-MM-DD, if it exists on the calendar (UTC midnight). */
function parseDay(s: string): Date | null {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s) ? d : null;
}

/** When a search finds this few topics, titles close in spelling are offered as well. */
const SUGGEST_BELOW = 3;

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

  type PageData = { hits?: SearchHit[]; more?: boolean; page?: number; errors?: FieldErrors; searched?: boolean; similar?: TitleSuggestion[] };
  async function page(request: FastifyRequest, reply: FastifyReply, values: Values, data: PageData, status = 200) {
    const categories = await listVisibleCategories(db, request.viewer);
    const title = values.q ? request.i18n.t('search.titleFor', { q: values.q }) : request.i18n.t('search.title');
    // Results depend on who is asking (what they may read): never shared between visitors.
    reply.header('Cache-Control', 'private, no-store');
    return render(request, reply, {
      page: 'search/index',
      title,
      status,
      data: { values, categories, hits: [], more: false, page: 1, errors: {}, searched: false, similar: [], pageHref: (n: number) => pageHref(values, n), ...data },
    });
  }

  app.get('/search', { schema: { querystring: SearchQuery }, attachValidation: true }, async (request, reply) => {
    const raw = request.query as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    const values: Values = {
      q: str(raw.q).trim(), category: str(raw.category), user: str(raw.user).trim(), status: str(raw.status), sort: str(raw.sort) || 'relevance',
      in: str(raw.in), from: str(raw.from), to: str(raw.to),
    };
    if (request.validationError) {
      const errors = fieldErrors(request.i18n, request.validationError);
      const keep = (v: string, n: number) => v.slice(0, n);
      return page(request, reply, { ...values, q: keep(values.q, 200), user: keep(values.user, 60), category: keep(values.category, 100), from: keep(values.from, 10), to: keep(values.to, 10) }, { errors }, 400);
    }
    if (!values.q) return page(request, reply, values, {});
    const errors: FieldErrors = {};
    const categories = await listVisibleCategories(db, request.viewer);
    const category = values.category ? categories.find((c) => c.slug === values.category) : undefined;
    if (values.category && !category) errors.category = request.i18n.t('search.noSuchCategory');
    const user = values.user ? await findUserByUsername(db, values.user) : undefined;
    if (values.user && !user) errors.user = request.i18n.t('search.noSuchUser');
    const from = values.from ? parseDay(values.from) : null;
    const to = values.to ? parseDay(values.to) : null;
    if (values.from && !from) errors.from = request.i18n.t('search.badDay');
    if (values.to && !to) errors.to = request.i18n.t('search.badDay');
    if (from && to && from > to) errors.to = request.i18n.t('search.badRange');
    if (Object.keys(errors).length) return page(request, reply, values, { errors, searched: true }, 400);
    const n = Math.min(MAX_PAGE, Number(request.query.page ?? 1));
    const status = values.status === 'solved' || values.status === 'unsolved' ? values.status : null;
    const sort = values.sort === 'newest' ? 'newest' : 'relevance';
    const titlesOnly = values.in === 'titles';
    const { hits, more } = await search(db, request.viewer, { q: values.q, categoryId: category?.id, userId: user?.id, status, sort, titlesOnly, from, to, page: n });
    // Few results on the first page: offer titles close in spelling (a typo, a word in another language's layout).
    const similar = n === 1 && hits.length < SUGGEST_BELOW ? await similarTitles(db, request.viewer, values.q, hits.map((h) => h.topic_id)) : [];
    return page(request, reply, values, { hits, more: more && n < MAX_PAGE, page: n, searched: true, similar });
  });

  /** Search as you type (the header's box, htmx): the top topics by title, as a list fragment; without htmx, the search page. */
  app.get('/search/suggest', { schema: { querystring: SuggestQuery } }, async (request, reply) => {
    const q = (request.query.q ?? '').trim();
    if (!isHtmx(request)) return reply.redirect(q ? `/search?${new URLSearchParams({ q }).toString()}` : '/search', 303);
    const topics = q ? await suggestTitles(db, request.viewer, q) : [];
    reply.header('Cache-Control', 'private, no-store');
    return render(request, reply, { page: 'search/_suggest', data: { q, topics } });
  });
}
