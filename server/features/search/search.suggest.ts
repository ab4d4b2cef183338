import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { canSeeUnlisted, readAccessFor, type Viewer } from '../../policy/index.js';

/** A topic offered while typing or as a "did you mean" for a query that found little. */
export interface TitleSuggestion {
  id: number;
  title: string;
  slug: string;
  category_name: string;
  category_slug: string;
  category_color: string;
}

export const SUGGEST_LIMIT = 5;

/**
 * The words of a query as a prefix query over titles: «настр роут» → `настр:* & роут:*`. Only letters and digits
 * reach to_tsquery, so no input can be read as its operators; null when nothing usable is left.
 */
export function prefixQuery(q: string): string | null {
  const words = (q.normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8).map((w) => w.slice(0, 40));
  return words.length ? words.map((w) => `${w}:*`).join(' & ') : null;
}

/** Columns and visibility shared by both suggestion queries: live topics in categories the viewer may read. */
function visibleTitles(db: Database, viewer: Viewer | null) {
  const q = db
    .selectFrom('topics as t')
    .innerJoin('categories as c', 'c.id', 't.category_id')
    .select(['t.id', 't.title', 't.slug', 'c.name as category_name', 'c.slug as category_slug', 'c.color as category_color'])
    .where('t.deleted_at', 'is', null)
    .where('c.read_access', 'in', readAccessFor(viewer));
  return canSeeUnlisted(viewer) ? q : q.where('t.unlisted_at', 'is', null);
}

/**
 * Search as you type: the top topics whose titles hold every typed word as a prefix (stemmed, so «вопросы» also
 * finds «вопрос»), or — when none does — whose titles are close in spelling (pg_trgm word similarity, for typos).
 * Both are served by indexes on titles (migrations/0023).
 */
export async function suggestTitles(db: Database, viewer: Viewer | null, q: string): Promise<TitleSuggestion[]> {
  const prefix = prefixQuery(q);
  if (!prefix) return [];
  const tsq = sql`to_tsquery('russian'::regconfig, ${prefix})`;
  const matched = await visibleTitles(db, viewer)
    .where(sql<boolean>`to_tsvector('russian'::regconfig, t.title) @@ ${tsq}`)
    .orderBy(sql`ts_rank(to_tsvector('russian'::regconfig, t.title), ${tsq})`, 'desc')
    .orderBy('t.last_posted_at', 'desc')
    .limit(SUGGEST_LIMIT)
    .execute();
  return matched.length ? matched : similarTitles(db, viewer, q, []);
}

/** Titles close in spelling to the query (typos, a wrong letter or two), best first; `exclude` lists topic ids already shown. */
export async function similarTitles(db: Database, viewer: Viewer | null, q: string, exclude: number[]): Promise<TitleSuggestion[]> {
  const text = q.normalize('NFKC').replace(/[^\p{L}\p{N}\s]+/gu, ' ').trim().slice(0, 200);
  if (text.length < 3) return [];
  let query = visibleTitles(db, viewer).where(sql<boolean>`${text} <% t.title`);
  if (exclude.length) query = query.where('t.id', 'not in', exclude);
  return query.orderBy(sql`word_similarity(${text}, t.title)`, 'desc').orderBy('t.last_posted_at', 'desc').limit(SUGGEST_LIMIT).execute();
}
