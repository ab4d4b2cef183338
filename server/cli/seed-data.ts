import { type RawBuilder, sql } from 'kysely';
import { COOK_VERSION } from '../content/cook.js';
import type { Database } from '../db/index.js';
import type { CategoryKind } from '../db/types.js';
import { hashPassword } from '../features/accounts/passwords.js';
import { DEFAULT_SETTINGS } from '../features/settings/settings.js';
import { emailKey, usernameKey } from '../lib/identity.js';
import { slugify } from '../lib/slug.js';
import { Progress } from './progress.js';
import { composeBody, type Lang, makeTitle, pick, prng, type TextPools, textPools } from './seed-text.js';

export interface SeedOptions {
  posts: number;
  topics: number;
  users: number;
  /** Draw a progress bar on stderr. */
  progress: boolean;
}

export interface SeedResult {
  users: number;
  topics: number;
  posts: number;
  categories: number;
}

/** Every seeded account can sign in with this password (development and benchmarks only). */
export const SEED_PASSWORD = 'veche-seed-password';

const DAY = 86_400_000;
const POSTS_PER_BATCH = 25_000;

const CATEGORIES: { name: string; slug: string; kind: CategoryKind; color: string; description: string }[] = [
  { name: 'Общее', slug: 'general', kind: 'discussion', color: '#2563eb', description: 'Обо всём, что не нашло места в других разделах.' },
  { name: 'Вопросы и ответы', slug: 'questions', kind: 'questions', color: '#16a34a', description: 'Спросите — сообщество поможет.' },
  { name: 'Идеи', slug: 'ideas', kind: 'ideas', color: '#ca8a04', description: 'Предложения по развитию продукта.' },
  { name: 'Development', slug: 'development', kind: 'discussion', color: '#7c3aed', description: 'API, integrations and self-hosting.' },
  { name: 'Off-topic', slug: 'off-topic', kind: 'discussion', color: '#db2777', description: 'Anything else.' },
];

// [login stem, display first name, last names that go with it]
const PEOPLE: [string, string, string[]][] = [
  ...['Алексей', 'Иван', 'Дмитрий', 'Сергей', 'Никита'].map((n): [string, string, string[]] => [n, n, ['Иванов', 'Кузнецов', 'Соколов', 'Попов']]),
  ...['Мария', 'Ольга', 'Анна', 'Екатерина', 'Татьяна'].map((n): [string, string, string[]] => [n, n, ['Иванова', 'Кузнецова', 'Соколова', 'Попова']]),
  ...['alex', 'john', 'kate', 'mike', 'sam', 'lena', 'peter', 'nina'].map((n): [string, string, string[]] => [
    n, n.charAt(0).toUpperCase() + n.slice(1), ['Smith', 'Brown', 'Taylor', 'Wilson', 'Clark'],
  ]),
];
/** A positive integer command-line flag, or the fallback when it is absent. */
export function positiveInt(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1 || n > 100_000_000) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}

/** True when the forum already has people or topics (a fresh migration has one empty category). */
export async function forumHasContent(db: Database): Promise<boolean> {
  const { rows } = await sql<{ n: boolean }>`select exists (select 1 from users) or exists (select 1 from topics) as n`.execute(db);
  return rows[0]?.n ?? false;
}

/** The seeded categories (created when missing, matched by slug), returning their ids. */
async function ensureCategories(db: Database): Promise<number[]> {
  const ids: number[] = [];
  for (const [position, c] of CATEGORIES.entries()) {
    await db.insertInto('categories').values({ ...c, position }).onConflict((oc) => oc.column('slug').doNothing()).execute();
    const row = await db.selectFrom('categories').select('id').where('slug', '=', c.slug).executeTakeFirstOrThrow();
    ids.push(row.id);
  }
  return ids;
}

/** Inserts the accounts (one shared password hash); an empty forum gets an admin and two moderators first. */
async function insertUsers(db: Database, count: number, rnd: () => number, firstIsAdmin: boolean): Promise<number[]> {
  const hash = await hashPassword(SEED_PASSWORD);
  const { rows } = await sql<{ n: number }>`select coalesce(max(id), 0)::int as n from users`.execute(db);
  const offset = rows[0]?.n ?? 0;
  const now = Date.now();
  const ids: number[] = [];
  for (let start = 0; start < count; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - start) }, (_, i) => {
      const n = offset + start + i + 1;
      const [stem, first, lastNames] = pick(rnd, PEOPLE);
      const username = `${stem}_${n}`;
      const email = `${slugify(stem, 'user')}.${n}@example.com`;
      const role = firstIsAdmin && start + i === 0 ? 'admin' : firstIsAdmin && start + i < 3 ? 'moderator' : 'member';
      return {
        username, username_key: usernameKey(username), email, email_key: emailKey(email), role,
        trust_level: Math.min(4, Math.floor(-Math.log(1 - rnd()) * 1.2)),
        display_name: rnd() < 0.5 ? `${first} ${pick(rnd, lastNames)}` : null,
        locale: rnd() < 0.5 ? 'ru' : rnd() < 0.6 ? 'en' : null,
        created_at: new Date(now - (1100 - rnd() * 360) * DAY).toISOString(),
        last_seen_at: new Date(now - rnd() * 30 * DAY).toISOString(),
      };
    });
    const col = <K extends keyof (typeof batch)[number]>(k: K) => batch.map((u) => u[k]);
    const inserted = await sql<{ id: number }>`
      insert into users (username, username_key, email, email_key, password_hash, role, trust_level, display_name, locale, created_at, last_seen_at)
      select u.username, u.ukey, u.email, u.ekey, ${hash}, u.role, u.tl, u.dn, u.locale, u.created_at, u.seen
      from unnest(${col('username')}::text[], ${col('username_key')}::text[], ${col('email')}::text[], ${col('email_key')}::text[],
                  ${col('role')}::text[], ${col('trust_level')}::int[], ${col('display_name')}::text[], ${col('locale')}::text[],
                  ${col('created_at')}::timestamptz[], ${col('last_seen_at')}::timestamptz[])
        as u(username, ukey, email, ekey, role, tl, dn, locale, created_at, seen)
      on conflict do nothing
      returning id`.execute(db);
    ids.push(...inserted.rows.map((r) => r.id));
  }
  return ids;
}

/** Authors drawn from this pool: a fifth of the accounts only read; among the rest a few busy people write most (Zipf-like). */
function writerPool(userIds: number[]): number[] {
  const writers = userIds.slice(0, Math.max(1, Math.ceil(userIds.length * 0.8)));
  return writers.flatMap((id, i) => Array<number>(1 + Math.floor(writers.length / (4 * (i + 1)))).fill(id));
}

/** Posts per topic: at least one each, skewed so a few topics are long, summing exactly to `posts`. */
function postCounts(topics: number, posts: number, rnd: () => number): number[] {
  const weights = Array.from({ length: topics }, () => (-Math.log(1 - rnd())) ** 1.6);
  const sum = weights.reduce((a, b) => a + b, 0);
  const extra = posts - topics;
  const counts = weights.map((w) => 1 + Math.floor((extra * w) / sum));
  let rest = posts - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0; i = (i + 1) % topics, rest--) counts[i]! += 1;
  return counts;
}

const KINDS = DEFAULT_SETTINGS.reactions.map((r) => r.key);

/**
 * The reactions a seeded post gets, as rows (uid, k): up to three draws from its key (topic id and post number,
 * known before the row is), never by its author, without repeats. The post's insert counts them into
 * reaction_counts and seedReputation inserts the same rows, so no post is updated afterwards.
 */
function reactionDraws(key: RawBuilder<unknown>, author: RawBuilder<unknown>, userPool: number[]) {
  return sql`(select distinct d.uid, d.k from generate_series(1, 3) as rg(k)
    cross join lateral (select (${userPool}::int[])[1 + (hashint8(${key} * 131 + rg.k) & 2147483647) % ${userPool.length}] as uid,
                               1 + (hashint8(${key} * 17 + rg.k) & 2147483647) % ${KINDS.length} as k) d
    where rg.k <= (hashint8(${key}) & 3) and d.uid <> ${author})`;
}

/** The body generator: its own random stream (so users and topics do not depend on it) and block pools. */
interface Text { rnd: () => number; pools: Record<Lang, TextPools> }

interface PlannedTopic {
  category_id: number; user_id: number; last_user_id: number; title: string; slug: string; posts: number; lang: Lang;
  created_at: string; last_posted_at: string; pinned_at: string | null; locked_at: string | null; views: number;
}

/** One topic's row, with the timestamps of its first and last posts inside the last two years. */
function planTopic(rnd: () => number, categoryIds: number[], userPool: number[], posts: number, pin: boolean): PlannedTopic {
  const now = Date.now();
  const created = now - (1 + rnd() * 729) * DAY;
  const last = posts === 1 ? created : created + (now - created) * Math.min(1, rnd() ** 2 + posts / 2000);
  const lang: Lang = rnd() < 0.6 ? 'ru' : 'en';
  const capital = makeTitle(rnd, lang);
  const user = pick(rnd, userPool);
  return {
    category_id: pick(rnd, categoryIds), user_id: user, last_user_id: posts === 1 ? user : pick(rnd, userPool),
    title: capital, slug: slugify(capital), posts, lang, created_at: new Date(created).toISOString(), last_posted_at: new Date(last).toISOString(),
    pinned_at: pin ? new Date(created).toISOString() : null, locked_at: rnd() < 0.01 ? new Date(last).toISOString() : null,
    views: posts * (3 + Math.floor(rnd() * 40)),
  };
}

/** Inserts a batch of topics, counters already final (the posts below match them); returns their ids. */
async function insertTopics(db: Database, batch: PlannedTopic[]): Promise<number[]> {
  const col = <K extends keyof PlannedTopic>(k: K) => batch.map((t) => t[k]);
  const { rows } = await sql<{ id: number }>`
    insert into topics (category_id, user_id, title, slug, pinned_at, locked_at, last_post_number, reply_count, view_count, last_posted_at, last_post_user_id, created_at)
    select t.cat, t.uid, t.title, t.slug, t.pinned, t.locked, t.n, t.n - 1, t.views, t.last_at, t.last_uid, t.created
    from unnest(${col('category_id')}::int[], ${col('user_id')}::int[], ${col('title')}::text[], ${col('slug')}::text[],
                ${col('pinned_at')}::timestamptz[], ${col('locked_at')}::timestamptz[], ${col('posts')}::int[], ${col('views')}::int[],
                ${col('last_posted_at')}::timestamptz[], ${col('last_user_id')}::int[], ${col('created_at')}::timestamptz[])
      as t(cat, uid, title, slug, pinned, locked, n, views, last_at, last_uid, created)
    returning id`.execute(db);
  return rows.map((r) => r.id);
}

/**
 * Posts 1..n of each topic, generated in SQL. Every fifth-ish post (never 1 or 2) replies to one of the two
 * posts before it; those go in a second pass, once their parents exist. The first and last posts belong to
 * the topic's author and last poster, and carry its created_at and last_posted_at. Reaction counts are final
 * (see reactionDraws).
 */
async function insertPosts(db: Database, topicIds: number[], planned: PlannedTopic[], userPool: number[], text: Text): Promise<void> {
  // Bodies in JS (one per post, from pre-cooked blocks); post n of the i-th topic takes element bases[i] + n
  // (joined by ordinality: subscripting a large array parameter per row would be quadratic).
  const md: string[] = [];
  const html: string[] = [];
  const bases = planned.map((t) => {
    const base = md.length;
    for (let n = 1; n <= t.posts; n++) {
      const lang = text.rnd() < 0.9 ? t.lang : t.lang === 'ru' ? 'en' : 'ru';
      const b = composeBody(text.rnd, text.pools[lang], n === 1);
      md.push(b.md);
      html.push(b.html);
    }
    return base;
  });
  const author = sql`case when g.n = 1 then t.user_id when g.n = t.last_post_number then t.last_post_user_id
    else (${userPool}::int[])[1 + (hashint8(t.id::bigint * 100003 + g.n) & 2147483647) % ${userPool.length}] end`;
  const at = sql`case when g.n = t.last_post_number then t.last_posted_at
    else t.created_at + (t.last_posted_at - t.created_at) * ((g.n - 1)::float8 / greatest(t.last_post_number - 1, 1)) end`;
  const isReply = sql`(g.n > 2 and (t.id + g.n) % 5 = 0)`;
  const draws = reactionDraws(sql`(t.id::bigint * 100003 + g.n)`, author, userPool);
  const counts = sql`coalesce((select jsonb_object_agg((${KINDS}::text[])[c.k], c.n) from (select k, count(*)::int as n from ${draws} r group by k) c), '{}'::jsonb)`;
  for (const pass of [false, true]) {
    const parent = pass
      ? sql`(select p.id from posts p where p.topic_id = t.id and p.post_number = g.n - 1 - (t.id + g.n / 5) % 2)`
      : sql`null::int`;
    await sql`
      insert into posts (topic_id, post_number, user_id, reply_to_post_id, body_md, body_html, cook_version, created_at, reaction_counts)
      select t.id, g.n, ${author}, ${parent}, x.md, x.html, ${COOK_VERSION}, ${at}, ${counts}
      from unnest(${topicIds}::int[], ${bases}::int[]) as b(id, base) join topics t on t.id = b.id
      cross join generate_series(1, t.last_post_number) as g(n)
      join unnest(${md}::text[], ${html}::text[]) with ordinality as x(md, html, i) on x.i = b.base + g.n
      where ${isReply} = ${pass}
      order by 8`.execute(db); // by created_at: a topic's posts spread over the table, as on a real forum
  }
}

/** Recomputes the counters of the seeded categories and users from the rows themselves. */
async function refreshCounters(db: Database, categoryIds: number[], userIds: number[]): Promise<void> {
  await sql`
    update categories c set topic_count = coalesce(t.n, 0), post_count = coalesce(p.n, 0), last_posted_at = l.last_posted_at, last_topic_id = l.id
    from (select id from categories where id = any(${categoryIds}::int[])) k
    left join (select category_id, count(*)::int as n from topics where deleted_at is null group by category_id) t on t.category_id = k.id
    left join (select t.category_id, count(*)::int as n from topics t join posts p on p.topic_id = t.id
               where t.deleted_at is null and p.deleted_at is null group by t.category_id) p on p.category_id = k.id
    left join lateral (select t.id, t.last_posted_at from topics t where t.category_id = k.id and t.deleted_at is null
                       order by t.last_posted_at desc, t.id desc limit 1) l on true
    where c.id = k.id`.execute(db);
  await sql`
    update users u set topic_count = coalesce(t.n, 0), post_count = coalesce(p.n, 0)
    from (select id from users where id = any(${userIds}::int[])) k
    left join (select user_id, count(*)::int as n from topics where deleted_at is null group by user_id) t on t.user_id = k.id
    left join (select user_id, count(*)::int as n from posts where deleted_at is null group by user_id) p on p.user_id = k.id
    where u.id = k.id`.execute(db);
}

/**
 * Reactions on the seeded posts (0–3 each, never by the post's author), spread from the post's time to a day ago,
 * and accepted answers on about 40 % of the seeded questions that have a reply by someone else — with the ledger
 * rows reconciliation would have written for them (`reaction:<id>`, `accept:<post>`, `accept_own:<post>`, same
 * deltas, reasons, actors and times), and users.reputation set to each user's ledger sum (posts.reaction_counts
 * were counted as the posts were inserted, from the same draws).
 */
async function seedReputation(db: Database, topicIds: number[], userPool: number[], userIds: number[]): Promise<void> {
  const weights = DEFAULT_SETTINGS.reactions.map((r) => r.weight);
  const { accepted_answer: credit, accept_own: ownCredit } = DEFAULT_SETTINGS.reputation;
  const frac = (salt: number) => sql`((hashint8(p.id::bigint * ${salt} + r.k) & 1048575)::float8 / 1048576)`;
  await sql`
    insert into reactions (post_id, user_id, kind, weight, created_at)
    select p.id, r.uid, (${KINDS}::text[])[r.k], (${weights}::int[])[r.k],
           greatest(p.created_at, least(now() - interval '1 day', p.created_at + (now() - p.created_at) * ${frac(97)} ^ 3))
    from posts p
    cross join lateral ${reactionDraws(sql`(p.topic_id::bigint * 100003 + p.post_number)`, sql`p.user_id`, userPool)} r
    where p.topic_id = any(${topicIds}::int[])`.execute(db);
  await sql`
    insert into reputation_events (user_id, delta, reason, source, post_id, actor_id, created_at)
    select p.user_id, r.weight, 'reaction', 'reaction:' || r.id, r.post_id, r.user_id, r.created_at
    from reactions r join posts p on p.id = r.post_id
    where p.topic_id = any(${topicIds}::int[]) and r.weight <> 0`.execute(db);
  // The asker accepts one reply by someone else: the first such reply at or after a pseudo-random post number.
  await sql`
    update topics t set solved_post_id = a.post_id, solved_by_id = t.user_id, solved_credit = ${credit}, solved_own_credit = ${ownCredit},
           solved_at = least(now(), a.created_at + interval '3 hours')
    from (select distinct on (t.id) t.id as topic_id, p.id as post_id, p.created_at
          from topics t join categories c on c.id = t.category_id
          join posts p on p.topic_id = t.id and p.post_number > 1 and p.user_id <> t.user_id
          where t.id = any(${topicIds}::int[]) and c.kind = 'questions' and (hashint4(t.id) & 1023) < 410
          order by t.id, p.post_number < 2 + (hashint4(t.id * 7) & 2147483647) % greatest(t.last_post_number - 1, 1), p.post_number) a
    where t.id = a.topic_id`.execute(db);
  await sql`
    insert into reputation_events (user_id, delta, reason, source, post_id, actor_id, created_at)
    select p.user_id, t.solved_credit, 'accepted_answer', 'accept:' || p.id, p.id, t.solved_by_id, t.solved_at
    from topics t join posts p on p.id = t.solved_post_id
    where t.id = any(${topicIds}::int[]) and t.solved_credit <> 0
    union all
    select t.user_id, t.solved_own_credit, 'accept_own', 'accept_own:' || p.id, p.id, t.solved_by_id, t.solved_at
    from topics t join posts p on p.id = t.solved_post_id
    where t.id = any(${topicIds}::int[]) and t.solved_own_credit <> 0`.execute(db);
  await sql`
    update users u set reputation = coalesce(l.total, 0)
    from (select id from users where id = any(${userIds}::int[])) k
    left join (select user_id, sum(delta)::int as total from reputation_events where user_id = any(${userIds}::int[]) group by user_id) l on l.user_id = k.id
    where u.id = k.id`.execute(db);
}

/** Bulk-seeds categories, users, topics and posts in one transaction, keeping every counter consistent. */
export async function seedForum(db: Database, opts: SeedOptions): Promise<SeedResult> {
  const rnd = prng(20_240_601);
  const topics = Math.max(1, Math.min(opts.topics, opts.posts));
  // Paragraph pools scale with the seed (a few thousand renders at most), each used by some 20 posts in many combinations.
  const text: Text = { rnd: prng(20_240_602), pools: textPools(20_240_603, Math.min(50_000, Math.max(1000, Math.round(opts.posts / 20)))) };
  const firstIsAdmin = !(await forumHasContent(db));
  const progress = new Progress('seeding posts', opts.posts, opts.progress);
  const result = await db.transaction().execute(async (trx) => {
    const categoryIds = await ensureCategories(trx);
    const userIds = await insertUsers(trx, opts.users, rnd, firstIsAdmin);
    if (!userIds.length) throw new Error('no users could be inserted');
    const userPool = writerPool(userIds);
    const counts = postCounts(topics, opts.posts, rnd);
    // The first few topics (as many as there are seeded categories) are pinned, so category pages show a pinned block.
    const pinned = new Set(categoryIds.map((_, i) => i));
    let batch: PlannedTopic[] = [];
    let inBatch = 0;
    const topicIds: number[] = [];
    for (let i = 0; i <= counts.length; i++) {
      if (i === counts.length || inBatch >= POSTS_PER_BATCH) {
        const ids = await insertTopics(trx, batch);
        topicIds.push(...ids);
        await insertPosts(trx, ids, batch, userPool, text);
        progress.tick(inBatch);
        batch = [];
        inBatch = 0;
        if (i === counts.length) break;
      }
      batch.push(planTopic(rnd, categoryIds, userPool, counts[i]!, pinned.delete(i)));
      inBatch += counts[i]!;
    }
    await refreshCounters(trx, categoryIds, userIds);
    await seedReputation(trx, topicIds, userPool, userIds);
    return { users: userIds.length, topics, posts: opts.posts, categories: categoryIds.length };
  });
  progress.finish();
  // The counter updates left a dead copy of every seeded user and topic row, GIN's pending list holds the last
  // inserts and no page is marked all-visible yet: vacuum now, as autovacuum soon would (mid-benchmark otherwise).
  await sql`vacuum analyze users, categories, topics, posts, post_search, reputation_days`.execute(db);
  await sql`analyze reactions, reputation_events`.execute(db);
  return result;
}
