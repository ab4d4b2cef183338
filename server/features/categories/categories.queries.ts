import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Category } from '../../db/types.js';
import { canPost, postAccessFor, readAccessFor, type Viewer } from '../../policy/index.js';

/** Parents followed by their children, each level by position. */
export function arrangeTree<T extends Pick<Category, 'id' | 'parent_id'>>(rows: T[]): (T & { depth: number })[] {
  const out: (T & { depth: number })[] = [];
  for (const parent of rows.filter((r) => r.parent_id === null)) {
    out.push({ ...parent, depth: 0 });
    for (const child of rows.filter((r) => r.parent_id === parent.id)) out.push({ ...child, depth: 1 });
  }
  return out;
}

/** Every category this viewer may read, as a tree, with the latest topic's title. */
export async function listVisibleCategories(db: Database, viewer: Viewer | null) {
  const rows = await db
    .selectFrom('categories')
    .leftJoin('topics', (j) => j.onRef('topics.id', '=', 'categories.last_topic_id').on('topics.deleted_at', 'is', null).on('topics.unlisted_at', 'is', null))
    .selectAll('categories')
    .select(['topics.title as last_topic_title', 'topics.slug as last_topic_slug'])
    .where('categories.read_access', 'in', readAccessFor(viewer))
    .orderBy('categories.position')
    .orderBy('categories.id')
    .execute();
  return arrangeTree(rows);
}

/** All categories (admin), as a tree. */
export async function listAllCategories(db: Database) {
  return arrangeTree(await db.selectFrom('categories').selectAll().orderBy('position').orderBy('id').execute());
}

/** A category by slug if this viewer may read it. */
export function findVisibleCategoryBySlug(db: Database, viewer: Viewer | null, slug: string): Promise<Category | undefined> {
  return db.selectFrom('categories').selectAll().where('slug', '=', slug).where('read_access', 'in', readAccessFor(viewer)).executeTakeFirst();
}

/** Readable subcategories of a category, in order. */
export function listVisibleChildren(db: Database, viewer: Viewer | null, parentId: number) {
  return db
    .selectFrom('categories')
    .select(['id', 'name', 'slug', 'color', 'topic_count'])
    .where('parent_id', '=', parentId)
    .where('read_access', 'in', readAccessFor(viewer))
    .orderBy('position')
    .orderBy('id')
    .execute();
}

export function findCategory(db: Database, id: number): Promise<Category | undefined> {
  return db.selectFrom('categories').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Categories this viewer may start a topic in, as a tree. */
export async function listPostableCategories(db: Database, viewer: Viewer | null) {
  const postAccess = postAccessFor(viewer);
  if (!canPost(viewer) || !postAccess.length) return [];
  const rows = await db
    .selectFrom('categories')
    .selectAll()
    .where('read_access', 'in', readAccessFor(viewer))
    .where('post_access', 'in', postAccess)
    .orderBy('position')
    .orderBy('id')
    .execute();
  return arrangeTree(rows);
}

export async function nextPosition(db: Database): Promise<number> {
  const row = await db.selectFrom('categories').select(sql<number>`coalesce(max(position), 0) + 1`.as('n')).executeTakeFirstOrThrow();
  return row.n;
}
