import { loadConfig } from '../config.js';
import { checkEncoding, type DatabaseHandle, databaseOptions, openDatabase } from '../db/index.js';
import { migrateToLatest } from '../db/migrator.js';

/** Opens the configured database (PostgreSQL or the PGlite data folder) for a command-line task, migrated. */
export async function openCliDatabase(): Promise<DatabaseHandle> {
  const config = loadConfig();
  // Long-running maintenance: a small pool and a generous statement timeout.
  const handle = await openDatabase({ ...databaseOptions(config), poolMax: 4, statementTimeoutMs: 600_000 });
  await checkEncoding(handle.db);
  await migrateToLatest(handle.db);
  return handle;
}

/** Runs a CLI task, printing a readable error and exiting non-zero on failure. */
export function run(task: () => Promise<number | void>): void {
  task().then(
    (code) => process.exit(code ?? 0),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
