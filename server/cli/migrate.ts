import { loadConfig } from '../config.js';
import { checkEncoding, databaseOptions, openDatabase } from '../db/index.js';
import { migrateToLatest } from '../db/migrator.js';
import { run } from './shared.js';

// npm run migrate — applies pending migrations to DATABASE_URL (or the PGlite data folder).
run(async () => {
  const config = loadConfig();
  const handle = await openDatabase(databaseOptions(config));
  try {
    await checkEncoding(handle.db);
    const applied = await migrateToLatest(handle.db);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await handle.close();
  }
});
