import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { checkEncoding, databaseOptions, openDatabase } from '../db/index.js';
import { migrateToLatest } from '../db/migrator.js';
import { forumHasContent, positiveInt, SEED_PASSWORD, seedForum, type SeedOptions } from './seed-data.js';

const USAGE = `usage: npm run seed -- [--posts N] [--topics N] [--users N] [--force]
  --posts   posts to create (default 20000)
  --topics  topics to spread them over (default: one per 20 posts)
  --users   accounts that write them (default: one per 100 posts, at least 2)
  --force   add to a forum that already has users or topics`;

/** Seed sizes from the command line; topics and users scale with posts unless given. */
function parseSeedArgs(args: string[]): SeedOptions & { force: boolean; help: boolean } {
  const { values } = parseArgs({
    args,
    options: {
      posts: { type: 'string' },
      topics: { type: 'string' },
      users: { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const posts = positiveInt(values.posts, 'posts', 20_000);
  return {
    posts,
    topics: positiveInt(values.topics, 'topics', Math.max(1, Math.round(posts / 20))),
    users: positiveInt(values.users, 'users', Math.max(2, Math.round(posts / 100))),
    progress: posts >= 50_000,
    force: values.force ?? false,
    help: values.help ?? false,
  };
}

async function main(): Promise<number> {
  const opts = parseSeedArgs(process.argv.slice(2));
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  const handle = await openDatabase({ ...databaseOptions(config), poolMax: 2, statementTimeoutMs: 600_000 });
  try {
    await checkEncoding(handle.db);
    await migrateToLatest(handle.db);
    if (!opts.force && (await forumHasContent(handle.db))) {
      console.error('Refusing to seed: this forum already has users or topics.');
      console.error('Run with --force to add the generated content to it anyway (existing rows are kept; counters stay consistent).');
      return 2;
    }
    const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${config.dataDir}`;
    console.log(`seeding ${where}: ${opts.posts} posts in ${opts.topics} topics by ${opts.users} users…`);
    const started = Date.now();
    const r = await seedForum(handle.db, opts);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`done in ${secs}s: ${r.users} users, ${r.topics} topics, ${r.posts} posts in ${r.categories} categories`);
    console.log(`every seeded account signs in with the password "${SEED_PASSWORD}"`);
    return 0;
  } finally {
    await handle.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
