import { reindexPosts } from '../features/search/search.reindex.js';
import { Progress } from './progress.js';
import { openCliDatabase, run } from './shared.js';

// npm run reindex — rebuilds the full-text search vector of every post, with a progress bar.
// Not needed in normal operation (triggers keep the index exact); useful after restoring data loaded with
// triggers disabled, or after a change to the text-search configuration.
run(async () => {
  const { db, close } = await openCliDatabase();
  try {
    const { total } = await db.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const progress = new Progress('reindex', Number(total));
    const done = await reindexPosts(db, { onBatch: (n) => progress.tick(n) });
    progress.finish();
    process.stderr.write(`reindexed ${done} posts\n`);
  } finally {
    await close();
  }
});
