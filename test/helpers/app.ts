import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.js';
import { type Config, loadConfig } from '../../server/config.js';
import type { Database } from '../../server/db/index.js';
import { createTestDatabase } from './db.js';

export interface TestContext {
  app: FastifyInstance;
  db: Database;
  config: Config;
  /** Opens a second app instance on the same database (multi-instance behaviour). */
  another(overrides?: Partial<Config>): Promise<FastifyInstance>;
  close(): Promise<void>;
}

/** An app on its own fresh database. Call once per test file (beforeAll) and close it in afterAll. */
export async function createTestApp(overrides: Partial<Config> = {}): Promise<TestContext> {
  const handle = await createTestDatabase();
  // The app's config names the database it really uses (the live-updates listener connects to it on PostgreSQL).
  const config = loadConfig({ NODE_ENV: 'test', SITE_NAME: 'Veche Test', DEFAULT_LOCALE: 'en' }, { databaseUrl: handle.url, ...overrides });
  const app = await buildApp({ config, db: handle.db });
  await app.ready();
  const extra: FastifyInstance[] = [];
  return {
    app,
    db: handle.db,
    config,
    async another(more = {}) {
      const other = await buildApp({ config: { ...config, ...more }, db: handle.db });
      await other.ready();
      extra.push(other);
      return other;
    },
    async close() {
      for (const a of extra) await a.close();
      await app.close();
      await handle.close();
    },
  };
}
