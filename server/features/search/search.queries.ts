import { type RawBuilder, sql } from 'kysely';
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
  /** The first id window's size (FIRST_WINDOW); tests shrink it to run several windows on a small forum. */
  firstWindow?: number;
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
/** The first window of post ids searched (the newest ones); see `candidates`. */
export const FIRST_WINDOW = 20_000;

/** A matching post: created_at as text, so it goes back to SQL exactly. */
interface Candidate { id: number; topic_id: number; post_number: number; rank: number; created_at: string }

/**
 * The newest SEARCH_CANDIDATES matching posts this viewer may read, with their rank. Fetching every match of a
 * common word costs a heap read per match (seconds at 1M posts), and walking the newest posts by id costs one
 * per post walked; so the match runs in windows of the newest ids instead — the GIN bitmap ANDed with an id
 * range, reading only the matches inside it. A window holding enough matches holds the newest ones (exactly
 * what one unbounded query would return); otherwise the next, older window is sized from the density seen
 * (aiming a little past the target), and the last one is unbounded (a rare word: a small GIN bitmap anyway).
 * The inner match is materialized without an order, so the planner does not trade the bitmap for an id walk.
 * It reads the narrow `post_search` rows (migrations/0028_post_search.ts) and the category rows; topics only for
 * the filters that need them (solved state, titles only).
 */
async function candidates(db: Database, filters: RawBuilder<unknown>[], withTopics: boolean, tsq: RawBuilder<unknown>, firstWindow: number): Promise<Candidate[]> {
  const { rows: top } = await sql<{ max: number | null }>`select max(post_id) as max from post_search`.execute(db);
  const maxId = top[0]?.max ?? 0;
  const found: Candidate[] = [];
  const topics = withTopics ? sql`join topics t on t.id = s.topic_id` : sql``;
  let hi: number | null = null; // the previous window's lower bound: this one lies below it
  for (let span = firstWindow; ; ) {
    const lo = span < maxId ? maxId - span : null;
    const { rows } = await sql<Candidate>`
      with m as materialized (
        select s.post_id, s.topic_id, s.post_number, s.created_at, s.vector
          from post_search s
          join categories c on c.id = s.category_id
          ${topics}
         where ${sql.join(filters, sql` and `)} and ${lo === null ? sql`true` : sql`s.post_id > ${lo}`} and ${hi === null ? sql`true` : sql`s.post_id <= ${hi}`}
      )
      select post_id as id, topic_id, post_number, created_at::text as created_at, ts_rank_cd(vector, ${tsq}) as rank
        from m order by post_id desc limit ${SEARCH_CANDIDATES - found.length}`.execute(db);
    found.push(...rows);
    if (found.length >= SEARCH_CANDIDATES || lo === null) return found;
    hi = lo;
    span = found.length ? Math.ceil((span * 1.1 * SEARCH_CANDIDATES) / found.length) : span * 50;
  }
}

/**
 * Full-text search over what this viewer may read: live posts (not deleted, not hidden) in live topics of
 * categories the viewer may read. The search table's GIN index serves the match (a first post's vector includes
 * its topic's title, weighted above the body — see migrations/0028_post_search.ts); `candidates` finds the newest
 * matches. A topic appears once, with its best-matching post among those that pass every filter; the page's rows
 * are checked again against the posts, topics and categories themselves, so the search table decides what is
 * found but never, on its own, what is shown. Snippets are computed for the one page of results only.
 */
export async function search(db: Database, viewer: Viewer | null, input: SearchInput): Promise<{ hits: SearchHit[]; more: boolean }> {
  const access = readAccessFor(viewer);
  const offset = (input.page - 1) * RESULTS_PER_PAGE;
  const tsq = sql`websearch_to_tsquery('russian'::regconfig, ${input.q})`;
  // Over post_search s and categories c; t (topics) only where `withTopics`.
  const filters = [
    sql`s.vector @@ ${tsq}`,
    sql`s.visible`,
    canSeeUnlisted(viewer) ? sql`true` : sql`not s.unlisted`,
    sql`c.read_access in (${sql.join(access)})`,
    input.categoryId ? sql`(c.id = ${input.categoryId} or c.parent_id = ${input.categoryId})` : sql`true`,
    input.userId ? sql`s.user_id = ${input.userId}` : sql`true`,
    input.status === 'solved' ? sql`c.kind = 'questions' and t.solved_post_id is not null` : sql`true`,
    input.status === 'unsolved' ? sql`c.kind = 'questions' and t.solved_post_id is null` : sql`true`,
    // The first post's vector holds the title and the body; the title's own vector decides (rechecked on few rows).
    input.titlesOnly ? sql`s.post_number = 1 and to_tsvector('russian'::regconfig, t.title) @@ ${tsq}` : sql`true`,
    input.from ? sql`s.created_at >= ${input.from}` : sql`true`,
    input.to ? sql`s.created_at < ${new Date(input.to.getTime() + 86_400_000)}` : sql`true`,
  ];
  // The page is picked from the candidates, then its posts are read (and every filter checked again).
  const order = (b: 'best' | 'page') => {
    const [rank, created, id] = [sql.ref(`${b}.rank`), sql.ref(`${b}.created_at`), sql.ref(`${b}.post_id`)];
    return input.sort === 'newest' ? sql`${created} desc, ${id} desc` : sql`${rank} desc, ${created} desc, ${id} desc`;
  };
  const withTopics = Boolean(input.status || input.titlesOnly);
  const found = await candidates(db, filters, withTopics, tsq, input.firstWindow ?? FIRST_WINDOW);
  if (!found.length) return { hits: [], more: false };
  const col = <K extends keyof Candidate>(k: K) => found.map((c) => c[k]);
  const { rows } = await sql<Row>`
    with candidates as (
      select * from unnest(${col('id')}::int[], ${col('topic_id')}::int[], ${col('post_number')}::int[], ${col('rank')}::real[],
                           ${col('created_at')}::timestamptz[]) as c(id, topic_id, post_number, rank, created_at)
    ),
    best as (
      select distinct on (topic_id) topic_id, id as post_id, rank, created_at from candidates order by topic_id, rank desc, post_number
    ),
    page as (select * from best order by ${order('best')} limit ${RESULTS_PER_PAGE + 1} offset ${offset}),
    query as (select ${tsq} as q)
    select t.id as topic_id, t.title as topic_title, t.slug as topic_slug, t.solved_post_id,
           p.id as post_id, p.post_number, p.created_at, u.username, u.display_name,
           c.name as category_name, c.slug as category_slug, c.color as category_color,
           ts_headline('russian'::regconfig, t.title, query.q, ${`HighlightAll=true, StartSel=${MARK_START}, StopSel=${MARK_END}`}) as title_headline,
           ts_headline('russian'::regconfig, left(p.body_md, 20000), query.q, ${HEADLINE_OPTIONS}) as headline
      from page
      join posts p on p.id = page.post_id
      join post_search s on s.post_id = p.id
      join topics t on t.id = p.topic_id
      join categories c on c.id = t.category_id
      join users u on u.id = p.user_id
      cross join query
     where ${sql.join(filters, sql` and `)}
       and p.deleted_at is null and p.hidden_at is null and t.deleted_at is null
       and ${canSeeUnlisted(viewer) ? sql`true` : sql`t.unlisted_at is null`}
     order by ${order('page')}`.execute(db);
  const hits = rows.slice(0, RESULTS_PER_PAGE).map(({ title_headline, headline, ...rest }) => ({
    ...rest,
    title_html: snippetHtml(title_headline),
    snippet_html: snippetHtml(headline),
  }));
  return { hits, more: rows.length > RESULTS_PER_PAGE };
}
