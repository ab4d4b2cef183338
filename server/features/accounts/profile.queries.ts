import type { Database } from '../../db/index.js';

/** What the settings page edits, for the signed-in user (never their password hash). */
export function findSettingsFor(db: Database, userId: number) {
  return db.selectFrom('users').select(['id', 'username', 'display_name', 'bio_md', 'locale', 'email']).where('id', '=', userId).executeTakeFirst();
}

export async function findPasswordHash(db: Database, userId: number): Promise<string | undefined> {
  const row = await db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst();
  return row?.password_hash;
}

export async function updateProfile(db: Database, userId: number, patch: { display_name: string | null; bio_md: string; bio_html: string; bio_cook_version: number; locale: 'ru' | 'en' }) {
  await db.updateTable('users').set(patch).where('id', '=', userId).execute();
}

export async function updatePasswordHash(db: Database, userId: number, hash: string) {
  await db.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).execute();
}
