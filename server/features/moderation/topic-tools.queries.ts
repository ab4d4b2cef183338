import type { Database } from '../../db/index.js';
import { readAccessFor, type Viewer } from '../../policy/index.js';

/**
 * Where a merged topic's old address should lead: the topic its posts went to (following a chain of merges, a few
 * hops at most), or null when the topic was not merged or the viewer could not read the category it was in — so the
 * redirect tells nobody about a staff-only topic. The target's own visibility is checked when it is shown.
 */
export async function findMergeTarget(db: Database, viewer: Viewer | null, topicId: number): Promise<{ id: number; slug: string } | null> {
  const access = readAccessFor(viewer);
  let id = topicId;
  let target: { id: number; slug: string } | null = null;
  for (let hop = 0; hop < 5; hop++) {
    const row = await db
      .selectFrom('topics')
      .innerJoin('categories', 'categories.id', 'topics.category_id')
      .leftJoin('topics as into', 'into.id', 'topics.merged_into_id')
      .select(['topics.merged_into_id', 'into.slug as into_slug'])
      .where('topics.id', '=', id)
      .where('categories.read_access', 'in', access)
      .executeTakeFirst();
    if (!row?.merged_into_id) break;
    target = { id: row.merged_into_id, slug: row.into_slug ?? '' };
    id = row.merged_into_id;
  }
  return target;
}
