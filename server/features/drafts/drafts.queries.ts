import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import './drafts.types.js';

/** The member's draft for this place, or undefined. */
export function findDraft(db: Database, userId: number, key: string) {
  return db.selectFrom('drafts').select(['key', 'title', 'body', 'category_id', 'updated_at']).where('user_id', '=', userId).where('key', '=', key).executeTakeFirst();
}

export type Draft = NonNullable<Awaited<ReturnType<typeof findDraft>>>;

/** Creates or overwrites the draft; a category that does not exist (any more) is simply not kept. */
export async function upsertDraft(db: Database, userId: number, key: string, fields: { title: string; body: string; categoryId: number | null }): Promise<Date> {
  const category = fields.categoryId === null ? null : sql<number | null>`(select id from categories where id = ${fields.categoryId})`;
  const row = await db
    .insertInto('drafts')
    .values({ user_id: userId, key, title: fields.title, body: fields.body, category_id: category, updated_at: sql`now()` })
    .onConflict((oc) =>
      oc.columns(['user_id', 'key']).doUpdateSet({
        title: (eb) => eb.ref('excluded.title'),
        body: (eb) => eb.ref('excluded.body'),
        category_id: (eb) => eb.ref('excluded.category_id'),
        updated_at: sql`now()`,
      }),
    )
    .returning('updated_at')
    .executeTakeFirstOrThrow();
  return row.updated_at;
}

export async function deleteDraft(db: Database, userId: number, key: string): Promise<void> {
  await db.deleteFrom('drafts').where('user_id', '=', userId).where('key', '=', key).execute();
}
