import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../server/db/index.js';
import { migrateToLatest } from '../../server/db/migrator.js';

/** A fresh, migrated database for one test file: a clone of the template on PostgreSQL, or an in-memory PGlite. */
export async function createTestDatabase(): Promise<DatabaseHandle & { url: string | null }> {
  const url = process.env.TEST_DATABASE_URL;
  const template = inject('testTemplate');
  if (!url || !template) {
    const handle = await openDatabase({ url: null, dataDir: null });
    await migrateToLatest(handle.db);
    return { ...handle, url: null };
  }
  const name = `veche_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  const handle = await openDatabase({ url: target.toString(), dataDir: null, poolMax: 20 });
  return {
    ...handle,
    url: target.toString(),
    close: async () => {
      await handle.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
