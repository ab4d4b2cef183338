import type { Database } from '../../db/index.js';
import type { Category, CategoryKind, PostAccess, ReadAccess } from '../../db/types.js';
import { FormError } from '../../web/forms.js';
import { recordAction } from '../moderation/audit.js';
import * as q from './categories.queries.js';

/** Who changed a category, for the audit log (null: a script). */
export type Actor = { id: number } | null;

export interface CategoryInput {
  name: string;
  slug: string;
  kind: CategoryKind;
  description?: string;
  color?: string;
  parent_id?: string;
  read_access: ReadAccess;
  post_access: PostAccess;
  /** Members below this trust level wait for approval (0 or absent: nobody). */
  approval_below_tl?: string;
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
  const approval = input.approval_below_tl?.trim() || '0';
  if (!/^[0-5]$/.test(approval)) errors.approval_below_tl = { key: 'errors.integerRange', params: { min: 0, max: 5 } };
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
    approval_below_tl: Number(approval),
  };
}

/** The fields that changed, as { before, after } for the audit entry. */
function changes(before: Record<string, unknown>, after: Record<string, unknown>) {
  const out = { before: {} as Record<string, unknown>, after: {} as Record<string, unknown> };
  for (const [k, v] of Object.entries(after)) {
    if (before[k] === v) continue;
    out.before[k] = before[k];
    out.after[k] = v;
  }
  return out;
}

function slugTaken(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}

export async function createCategory(db: Database, input: CategoryInput, actor: Actor = null): Promise<Category> {
  const values = await validate(db, input, null);
  try {
    return await db.transaction().execute(async (trx) => {
      const category = await trx.insertInto('categories').values({ ...values, position: await q.nextPosition(trx) }).returningAll().executeTakeFirstOrThrow();
      await recordAction(trx, { actorId: actor?.id ?? null, action: 'category_create', details: { category_id: category.id, after: values } });
      return category;
    });
  } catch (err) {
    if (slugTaken(err)) throw new FormError({ slug: { key: 'errors.slugTaken' } });
    throw err;
  }
}

/** Saves the form; the audit entry holds only the fields that changed (none changed: no entry). */
export async function updateCategory(db: Database, id: number, input: CategoryInput, actor: Actor = null): Promise<void> {
  const values = await validate(db, input, id);
  try {
    await db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('categories').selectAll().where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
      const diff = changes(before as unknown as Record<string, unknown>, values);
      if (!Object.keys(diff.after).length) return;
      await trx.updateTable('categories').set(values).where('id', '=', id).execute();
      await recordAction(trx, { actorId: actor?.id ?? null, action: 'category_update', details: { category_id: id, ...diff } });
    });
  } catch (err) {
    if (slugTaken(err)) throw new FormError({ slug: { key: 'errors.slugTaken' } });
    throw err;
  }
}

export type DeleteResult = 'deleted' | 'not_empty' | 'has_children';

/** Deletes an empty category; one with topics (even deleted ones) or children is kept. */
export async function deleteCategory(db: Database, id: number, actor: Actor = null): Promise<DeleteResult> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('categories').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (await trx.selectFrom('categories').select('id').where('parent_id', '=', id).executeTakeFirst()) return 'has_children';
    if (await trx.selectFrom('topics').select('id').where('category_id', '=', id).executeTakeFirst()) return 'not_empty';
    // Held new topics (waiting or rejected, kept for their authors) still name the category.
    if (await trx.selectFrom('queued_posts').select('id').where('category_id', '=', id).executeTakeFirst()) return 'not_empty';
    await trx.deleteFrom('categories').where('id', '=', id).execute();
    if (row) await recordAction(trx, { actorId: actor?.id ?? null, action: 'category_delete', reason: row.name, details: { category_id: id, before: { name: row.name, slug: row.slug } } });
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
