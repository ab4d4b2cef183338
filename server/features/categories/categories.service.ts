import type { Database } from '../../db/index.js';
import type { Category, CategoryKind, PostAccess, ReadAccess } from '../../db/types.js';
import { FormError } from '../../web/forms.js';
import * as q from './categories.queries.js';

export interface CategoryInput {
  name: string;
  slug: string;
  kind: CategoryKind;
  description?: string;
  color?: string;
  parent_id?: string;
  read_access: ReadAccess;
  post_access: PostAccess;
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$/;
const COLOR = /^#[0-9a-f]{6}$/;

/** Checks the rules a schema cannot: slug and colour format, a parent that keeps the tree one level deep. */
async function validate(db: Database, input: CategoryInput, selfId: number | null) {
  const errors: FormError['fields'] = {};
  const name = input.name.trim();
  const slug = input.slug.trim().toLowerCase();
  const color = (input.color || '#2563eb').trim().toLowerCase();
  if (!name) errors.name = { key: 'errors.required' };
  if (!SLUG.test(slug)) errors.slug = { key: 'errors.slugFormat' };
  if (!COLOR.test(color)) errors.color = { key: 'errors.colorFormat' };
  let parentId: number | null = null;
  if (input.parent_id) {
    parentId = /^\d{1,9}$/.test(input.parent_id) ? Number(input.parent_id) : -1;
    const parent = parentId > 0 ? await q.findCategory(db, parentId) : undefined;
    const hasChildren = selfId !== null && (await db.selectFrom('categories').select('id').where('parent_id', '=', selfId).executeTakeFirst());
    if (!parent || parent.parent_id !== null || parent.id === selfId || hasChildren) errors.parent_id = { key: 'errors.parentInvalid' };
  }
  if (Object.keys(errors).length) throw new FormError(errors);
  return {
    name,
    slug,
    color,
    kind: input.kind,
    description: (input.description ?? '').trim(),
    parent_id: parentId,
    read_access: input.read_access,
    post_access: input.post_access,
  };
}

function slugTaken(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}

export async function createCategory(db: Database, input: CategoryInput): Promise<Category> {
  const values = await validate(db, input, null);
  try {
    return await db.insertInto('categories').values({ ...values, position: await q.nextPosition(db) }).returningAll().executeTakeFirstOrThrow();
  } catch (err) {
    if (slugTaken(err)) throw new FormError({ slug: { key: 'errors.slugTaken' } });
    throw err;
  }
}

export async function updateCategory(db: Database, id: number, input: CategoryInput): Promise<void> {
  const values = await validate(db, input, id);
  try {
    await db.updateTable('categories').set(values).where('id', '=', id).execute();
  } catch (err) {
    if (slugTaken(err)) throw new FormError({ slug: { key: 'errors.slugTaken' } });
    throw err;
  }
}

export type DeleteResult = 'deleted' | 'not_empty' | 'has_children';

/** Deletes an empty category; one with topics (even deleted ones) or children is kept. */
export async function deleteCategory(db: Database, id: number): Promise<DeleteResult> {
  return db.transaction().execute(async (trx) => {
    await trx.selectFrom('categories').select('id').where('id', '=', id).forUpdate().execute();
    if (await trx.selectFrom('categories').select('id').where('parent_id', '=', id).executeTakeFirst()) return 'has_children';
    if (await trx.selectFrom('topics').select('id').where('category_id', '=', id).executeTakeFirst()) return 'not_empty';
    await trx.deleteFrom('categories').where('id', '=', id).execute();
    return 'deleted';
  });
}

/** Swaps a category with its neighbour among its siblings. */
export async function moveCategory(db: Database, id: number, direction: 'up' | 'down'): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const siblings = await trx.selectFrom('categories').select(['id', 'parent_id', 'position']).orderBy('position').orderBy('id').forUpdate().execute();
    const me = siblings.find((s) => s.id === id);
    if (!me) return;
    const peers = siblings.filter((s) => s.parent_id === me.parent_id);
    const i = peers.indexOf(me);
    const j = direction === 'up' ? i - 1 : i + 1;
    if (j < 0 || j >= peers.length) return;
    [peers[i], peers[j]] = [peers[j]!, peers[i]!];
    // Renumber the sibling list so equal positions (from older rows) cannot make the swap a no-op.
    for (const [n, p] of peers.entries()) await trx.updateTable('categories').set({ position: n + 1 }).where('id', '=', p.id).execute();
  });
}
