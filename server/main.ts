import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { checkEncoding, databaseOptions, openDatabase } from './db/index.js';
import { migrateToLatest } from './db/migrator.js';
import { registerJob, startJobs } from './jobs/runner.js';
import { trustLevelJob } from './features/trust/trust.service.js';
import { publishScheduledJob } from './features/scheduled/scheduled.service.js';
import { notificationMailJobs } from './features/notifications/notifications.mail.js';
import { badgesSweepJob } from './features/badges/badges.service.js';
import { prune } from './web/ratelimit.js';

/** Process entry: config → database (migrated) → app → listen, with graceful shutdown. */
async function main(): Promise<void> {
  const config = loadConfig();
  const handle = await openDatabase(databaseOptions(config));
  await checkEncoding(handle.db);
  if (config.migrateOnStart) await migrateToLatest(handle.db);
  const state = { shuttingDown: false };
  const app = await buildApp({ config, db: handle.db, state });
  app.log.info({ engine: handle.engine, dataDir: handle.engine === 'pglite' ? config.dataDir : undefined }, 'database ready');

  const housekeeping = setInterval(() => {
    Promise.all([prune(handle.db), handle.db.deleteFrom('sessions').where('expires_at', '<', new Date()).execute()]).catch((err) =>
      app.log.warn({ err }, 'housekeeping failed'),
    );
  }, 10 * 60 * 1000);
  housekeeping.unref();

  registerJob(trustLevelJob);
  registerJob(badgesSweepJob);
  registerJob(publishScheduledJob);
  for (const job of notificationMailJobs(config)) registerJob(job);
  const jobs = startJobs({ db: handle.db, engine: handle.engine, log: app.log });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    state.shuttingDown = true; // /readyz now answers 503, so a proxy stops sending new requests
    clearInterval(housekeeping);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await jobs.stop(); // lets a running job finish
    await app.close(); // finishes in-flight requests, then flushes the activity buffer
    await handle.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ host: config.host, port: config.port });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
