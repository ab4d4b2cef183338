import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { canSeeUnlisted, readAccessFor, type Viewer } from '../../policy/index.js';
import { HEADLINE_OPTIONS, MARK_END, MARK_START, snippetHtml } from './highlight.js';

export const RESULTS_PER_PAGE = 20;
export const MAX_PAGE = 50;

export interface SearchInput {
  q: string;
  /** Only this category (id), if given. */
  categoryId?: number | null;
  /** Only posts by this user (id), if given. */
  userId?: number | null;
  /** Questions only: solved or unsolved. */
  status?: 'solved' | 'unsolved' | null;
  /** Match topic titles only (the first post stands for its topic). */
  titlesOnly?: boolean;
  /** Posts written on or after this day (UTC, inclusive). */
  from?: Date | null;
  /** Posts written on or before this day (UTC, inclusive). */
  to?: Date | null;
  sort: 'relevance' | 'newest';
  page: number;
}

export interface SearchHit {
  topic_id: number;
  topic_title: string;
  topic_slug: string;
  solved_post_id: number | null;
  post_id: number;
  post_number: number;
  created_at: Date;
  username: string;
  display_name: string | null;
  category_name: string;
  category_slug: string;
  category_color: string;
  title_html: string;
  snippet_html: string;
}

/** A result row as the query returns it: the hit's fields, with raw headlines instead of the escaped HTML. */
type Row = Omit<SearchHit, 'title_html' | 'snippet_html'> & { title_headline: string; headline: string };

/**
 * How many of the newest matching posts a search ranks. A word that is everywhere (a brand's product name) can
 * match a tenth of a million-post forum; ranking all of it costs seconds. Ranking the newest matches keeps every
 * query bounded: a query matching fewer posts than this (almost all) is ranked exactly, a very common one by
 * relevance among its newest matches — which is also what a forum reader wants first.
 */
export const SEARCH_CANDIDATES = 2000;

/**
 * Full-text search over what this viewer may read: live posts (not deleted, not hidden) in live topics of
 * categories the viewer may read. One GIN index serves the match (a first post's vector includes its topic's
 * title, weighted above the body — see migrations/0009_search.ts). The query text is a parameter of the match
 * itself (not a CTE), so the planner sees how common its words are: it walks the newest posts by id for a common
 * word and uses the GIN index for a rare one. A topic appears once, with its best-matching post among those that
 * pass every filter; snippets are computed for the one page of results only.
 */
export async function search(db: Database, viewer: Viewer | null, input: SearchInput): Promise<{ hits: SearchHit[]; more: boolean }> {
  const access = readAccessFor(viewer);
  const offset = (input.page - 1) * RESULTS_PER_PAGE;
  const tsq = sql`websearch_to_tsquery('russian'::regconfig, ${input.q})`;
  const filters = [
    sql`p.search_vector @@ ${tsq}`,
    sql`p.deleted_at is null`,
    sql`p.hidden_at is null`,
    sql`t.deleted_at is null`,
    canSeeUnlisted(viewer) ? sql`true` : sql`t.unlisted_at is null`,
    sql`c.read_access in (${sql.join(access)})`,
    input.categoryId ? sql`(c.id = ${input.categoryId} or c.parent_id = ${input.categoryId})` : sql`true`,
    input.userId ? sql`p.user_id = ${input.userId}` : sql`true`,
    input.status === 'solved' ? sql`c.kind = 'questions' and t.solved_post_id is not null` : sql`true`,
    input.status === 'unsolved' ? sql`c.kind = 'questions' and t.solved_post_id is null` : sql`true`,
    // The first post's vector holds the title and the body; the title's own vector decides (rechecked on few rows).
    input.titlesOnly ? sql`p.post_number = 1 and to_tsvector('russian'::regconfig, t.title) @@ ${tsq}` : sql`true`,
    input.from ? sql`p.created_at >= ${input.from}` : sql`true`,
    input.to ? sql`p.created_at < ${new Date(input.to.getTime() + 86_400_000)}` : sql`true`,
  ];
  const order = input.sort === 'newest' ? sql`p.created_at desc, p.id desc` : sql`best.rank desc, p.created_at desc, p.id desc`;
  const { rows } = await sql<Row>`
    with candidates as (
      select p.id, p.topic_id, p.post_number, ts_rank_cd(p.search_vector, ${tsq}) as rank
        from posts p
        join topics t on t.id = p.topic_id
        join categories c on c.id = t.category_id
       where ${sql.join(filters, sql` and `)}
       order by p.id desc
       limit ${SEARCH_CANDIDATES}
    ),
    best as (
      select distinct on (topic_id) topic_id, id as post_id, rank from candidates order by topic_id, rank desc, post_number
    ),
    query as (select ${tsq} as q)
    select t.id as topic_id, t.title as topic_title, t.slug as topic_slug, t.solved_post_id,
           p.id as post_id, p.post_number, p.created_at, u.username, u.display_name,
           c.name as category_name, c.slug as category_slug, c.color as category_color,
           ts_headline('russian'::regconfig, t.title, query.q, ${`HighlightAll=true, StartSel=${MARK_START}, StopSel=${MARK_END}`}) as title_headline,
           ts_headline('russian'::regconfig, left(p.body_md, 20000), query.q, ${HEADLINE_OPTIONS}) as headline
      from best
      join posts p on p.id = best.post_id
      join topics t on t.id = best.topic_id
      join categories c on c.id = t.category_id
      join users u on u.id = p.user_id
      cross join query
     order by ${order}
     limit ${RESULTS_PER_PAGE + 1} offset ${offset}`.execute(db);
  const hits = rows.slice(0, RESULTS_PER_PAGE).map(({ title_headline, headline, ...rest }) => ({
    ...rest,
    title_html: snippetHtml(title_headline),
    snippet_html: snippetHtml(headline),
  }));
  return { hits, more: rows.length > RESULTS_PER_PAGE };
}
