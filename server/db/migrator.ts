import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** Loads the numbered files in migrations/ (works under tsx and vitest alike). */
class FolderProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await fs.readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}_[a-z0-9_]+\.ts$/.test(f)).sort();
    const out: Record<string, Migration> = {};
    for (const f of files) out[f.replace(/\.ts$/, '')] = await import(pathToFileURL(path.join(MIGRATIONS_DIR, f)).href);
    return out;
  }
}

export function createMigrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: new FolderProvider() });
}

/**
 * Applies every pending migration; throws with the failing migration's name. Runs on one connection without the
 * pool's statement timeout: a migration that rewrites a large forum's table (0028 builds the search table from
 * every post) takes as long as it takes, once, and must not be cancelled halfway by a limit meant for requests.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const { error, results } = await db.connection().execute(async (conn) => {
    await sql`set statement_timeout = 0`.execute(conn);
    try {
      return await createMigrator(conn).migrateToLatest();
    } finally {
      await sql`reset statement_timeout`.execute(conn);
    }
  });
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    if (failed) e.message = `migration ${failed.migrationName} failed: ${e.message}`;
    throw e;
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of the migrations this build ships: read once per process (the files do not change under a running build). */
let shipped: Promise<string[]> | null = null;
function shippedMigrations(): Promise<string[]> {
  shipped ??= new FolderProvider().getMigrations().then(
    (all) => Object.keys(all),
    (err: unknown) => {
      shipped = null;
      throw err;
    },
  );
  return shipped;
}

/**
 * True when every migration this build ships has been applied. Load balancers call this often (/readyz), so it
 * costs one small query: the file list is read once, and the applied list is asked for on every call, since a
 * database restored from a backup can fall behind a running instance.
 */
export async function migrationsCurrent(db: Kysely<any>): Promise<boolean> {
  const names = await shippedMigrations();
  const rows: { name: string }[] = await db
    .selectFrom('kysely_migration')
    .select('name')
    .execute()
    // A database never migrated has no such table yet: not current (any other error means unreachable).
    .catch((err: { code?: string }) => (err.code === '42P01' ? [] : Promise.reject(err)));
  const applied = new Set(rows.map((r) => r.name));
  return names.every((n) => applied.has(n));
}
