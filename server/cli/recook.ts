import { COOK_VERSION } from '../content/cook.js';
import { cookForSave } from '../features/moderation/posting-rules.js';
import { getSettings } from '../features/settings/settings.js';
import { openCliDatabase, run } from './shared.js';

const BATCH = 500;

// npm run recook [-- --all] — re-renders posts cooked by an older COOK_VERSION (or every post with --all), in batches by id.
// Cooking applies the current censor list, so `--all` after changing it masks (or unmasks) old posts too.
run(async () => {
  const all = process.argv.includes('--all');
  const { db, close } = await openCliDatabase();
  let after = 0;
  let done = 0;
  try {
    const rules = (await getSettings(db)).moderation;
    for (;;) {
      let q = db.selectFrom('posts').select(['id', 'body_md']).where('id', '>', after).orderBy('id').limit(BATCH);
      if (!all) q = q.where('cook_version', '<', COOK_VERSION);
      const rows = await q.execute();
      if (!rows.length) break;
      await db.transaction().execute(async (trx) => {
        for (const r of rows) {
          await trx.updateTable('posts').set({ body_html: cookForSave(rules, r.body_md), cook_version: COOK_VERSION }).where('id', '=', r.id).execute();
        }
      });
      after = rows.at(-1)!.id;
      done += rows.length;
      process.stderr.write(`\rrecooked ${done} posts`);
    }
    process.stderr.write(`\rrecooked ${done} posts (cook version ${COOK_VERSION})\n`);
  } finally {
    await close();
  }
});
