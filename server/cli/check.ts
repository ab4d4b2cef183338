import { reactionCountDrift } from '../features/reactions/reactions.queries.js';
import { reputationDaysDrift, reputationDrift } from '../features/reputation/reputation.queries.js';
import { searchDrift } from '../features/search/search.reindex.js';
import { countDrift } from '../features/topics/topics.queries.js';
import { openCliDatabase, run } from './shared.js';

// npm run check — compares every kept counter (and the search table) with a fresh count; prints the drift and exits 1 if any.
run(async () => {
  const { db, close } = await openCliDatabase();
  try {
    const drift = await countDrift(db);
    const reputation = await reputationDrift(db);
    const days = await reputationDaysDrift(db);
    const reactions = await reactionCountDrift(db);
    const search = await searchDrift(db);
    const problems = [
      ...drift.topics.map((id) => `topic ${id}: reply_count or last_post_number differs from its posts`),
      ...drift.categories.map((id) => `category ${id}: topic_count or post_count differs from its topics and posts`),
      ...reputation.map((u) => `user ${u.id}: reputation ${u.reputation} differs from the ledger's sum ${u.ledger}`),
      ...days.map((d) => `reputation of user ${d.user_id} on ${d.day}: the daily sum ${d.kept} differs from the ledger's ${d.ledger}`),
      ...reactions.map((id) => `post ${id}: reaction_counts differs from a fresh count of its reactions`),
      ...search.map((id) => `post ${id}: its search row differs from the post and its topic (npm run reindex repairs it)`),
    ];
    for (const p of problems) console.log(p);
    console.log(problems.length ? `${problems.length} inconsistencies found` : 'all counters are consistent');
    return problems.length ? 1 : 0;
  } finally {
    await close();
  }
});
