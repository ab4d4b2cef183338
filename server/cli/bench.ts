import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { checkEncoding, openDatabase } from '../db/index.js';
import { migrateToLatest } from '../db/migrator.js';
import { hashToken, randomToken } from '../lib/crypto.js';
import { positiveInt, seedForum } from './seed-data.js';
import { measureSearch, reportSearch } from './bench-search.js';

// npm run bench -- [--posts N] [--duration S] [--connections C] [--database-url URL]
// A benchmark, not a test: it prints figures and PASS/MISS for its targets (topic page, signed-in page, leaderboard, reaction toggle, search), and exits 0 either way.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/veche_bench';
const BASELINE_SQL = `select p.id, p.post_number, p.body_html, p.created_at, u.username, u.display_name
  from posts p join users u on u.id = p.user_id
  where p.topic_id = $1 and p.post_number between 1 and 20 order by p.post_number`;
const children: ChildProcess[] = [];
/** Periodic jobs with long intervals, treated as just run in the seeded forum (see prepare). */
const MAINTENANCE_JOBS = ['badges.sweep', 'trust-levels', 'digest-mail'];
/** Posts the toggle scenario cycles through: each is toggled on, then off on the next pass (bounded by the daily limit). */
const REACT_POSTS = 100;
let stopping = false;

interface Target { topics: { id: number; slug: string }[]; categorySlug: string; cookie: string; reactPosts: number[] }
interface Scenario {
  name: string; port: () => number; pid: () => number; paths: string[]; headers?: Record<string, string>; check?: string;
  /** A POST scenario sends this urlencoded body to every path (GET when absent). */
  body?: string;
}
interface Row { name: string; rps: number; p50: number; p99: number; rssMb: number; cpuMs: number; non2xx: number; errors: number; codes: string }

const args = parseArgs({
  options: {
    posts: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    'database-url': { type: 'string' },
    'serve-baseline': { type: 'boolean', default: false },
    port: { type: 'string' },
  },
}).values;
const dbUrl = args['database-url'] ?? DEFAULT_URL;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The baseline: bare Fastify, one pg Pool, one indexed query, a template literal. Runs in its own process. */
async function serveBaseline(port: number): Promise<void> {
  const pool = new pg.Pool({ connectionString: dbUrl, max: 10 });
  const app = Fastify({ logger: false });
  app.get('/readyz', async () => ({ ok: true }));
  app.get<{ Params: { id: string } }>('/b/:id', async (request, reply) => {
    const { rows } = await pool.query(BASELINE_SQL, [Number(request.params.id)]);
    const posts = rows.map((p) => `<article class="post" id="post-${p.id}"><header><a href="/u/${encodeURIComponent(p.username)}">${escapeHtml(p.display_name || p.username)}</a>
      <time datetime="${p.created_at.toISOString()}">#${p.post_number}</time></header><div class="post-body">${p.body_html}</div></article>`);
    reply.type('text/html; charset=utf-8');
    return `<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Topic ${request.params.id}</title></head><body><main>${posts.join('\n')}</main></body></html>`;
  });
  await app.listen({ host: '127.0.0.1', port });
}

/** Drops and recreates the benchmark database with a UTF-8 collation and character type. */
async function recreateDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unexpected database name "${name}"`);
  target.pathname = '/postgres';
  const client = new pg.Client({ connectionString: target.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists ${name} with (force)`);
    await client.query(`create database ${name} template template0 encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`);
  } finally {
    await client.end();
  }
}

/** Creates, migrates and seeds the database; returns the topics, category and signed-in cookie to load. */
async function prepare(posts: number): Promise<Target> {
  await recreateDatabase(dbUrl);
  const { db, close } = await openDatabase({ url: dbUrl, dataDir: null, poolMax: 2, statementTimeoutMs: 600_000 });
  try {
    await checkEncoding(db);
    await migrateToLatest(db);
    const started = Date.now();
    const topics = Math.max(1, Math.round(posts / 20));
    const users = Math.max(2, Math.round(posts / 100));
    await seedForum(db, { posts, topics, users, progress: posts >= 50_000 });
    console.log(`seeded ${posts} posts, ${topics} topics, ${users} users in ${((Date.now() - started) / 1000).toFixed(1)}s (ANALYZE done)`);
    // Measure a forum in its steady state: its long-interval maintenance has just run. Otherwise the one-off first
    // pass over a freshly imported forum (every badge, trust level and digest at once: minutes of database work at
    // 1M posts) would land in the middle of whichever scenarios happen to run then.
    await sql`insert into job_runs (name, started_at, finished_at) select unnest(${MAINTENANCE_JOBS}::text[]), now(), now()
              on conflict (name) do update set started_at = now(), finished_at = now()`.execute(db);
    const sample = await sql<{ id: number; slug: string }>`select id, slug from topics where deleted_at is null order by hashint4(id) limit 1000`.execute(db);
    const category = await db.selectFrom('categories').select('slug').orderBy('topic_count', 'desc').executeTakeFirstOrThrow();
    const user = await db.selectFrom('users').select('id').where('role', '=', 'member').orderBy('id').executeTakeFirstOrThrow();
    // TL4's daily reaction limit (150) stays above the REACT_POSTS reactions the toggle scenario can hold at once.
    await db.updateTable('users').set({ trust_level: 4 }).where('id', '=', user.id).execute();
    const token = randomToken();
    await db.insertInto('sessions').values({ token_hash: hashToken(token), user_id: user.id, expires_at: new Date(Date.now() + 30 * 86400_000) }).execute();
    // Live posts by other people in open topics, spread over the forum: the toggle scenario reacts to these.
    const react = await sql<{ id: number }>`
      select p.id from posts p join topics t on t.id = p.topic_id join categories c on c.id = t.category_id
      where p.user_id <> ${user.id} and p.deleted_at is null and p.hidden_at is null and t.deleted_at is null and t.locked_at is null
        and c.read_access = 'everyone'
      order by hashint4(p.id) limit ${REACT_POSTS}`.execute(db);
    return { topics: sample.rows, categorySlug: category.slug, cookie: `veche_session=${token}`, reactPosts: react.rows.map((r) => r.id) };
  } finally {
    await close();
  }
}

/** A free TCP port on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Starts a child node process (tsx loader) with exactly the given environment; it is killed when we exit. */
function startChild(script: string, argv: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...argv], { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(child);
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`${script} exited unexpectedly (code ${code}, signal ${signal})`);
  });
  return child;
}

/** Polls http://127.0.0.1:port/readyz until it answers 200 (or the child dies, or 60 s pass). */
async function waitReady(child: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before it was ready`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server on port ${port} not ready after 60 s`);
}

/** What a signed-in browser holds after its first page: the session plus the CSRF secret that page set, and the page's token. */
async function browserCookies(port: number, session: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie: session } });
  const html = await res.text();
  const secret = res.headers.getSetCookie().map((c) => c.split(';')[0]!).filter((c) => c.startsWith('veche_csrf='));
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? /"X-CSRF-Token":"([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF token on the signed-in home page');
  return { cookie: [session, ...secret].join('; '), csrf: token };
}

/** VmRSS of a process in MB, from /proc. */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU time (user + system) a process has used so far, in ms; /proc counts in clock ticks of 10 ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Requests a scenario's first path once: it must answer 200 and, when given, contain the expected text.
 * A POST (a toggle) is sent twice, so the state the measurement starts from is unchanged.
 */
async function sanityCheck(s: Scenario): Promise<void> {
  const method = s.body === undefined ? 'GET' : 'POST';
  for (let i = 0; i < (method === 'POST' ? 2 : 1); i++) {
    const res = await fetch(`http://127.0.0.1:${s.port()}${s.paths[0]}`, { method, headers: s.headers, body: s.body });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${s.name}: ${method} ${s.paths[0]} answered ${res.status}`);
    if (s.check && !body.includes(s.check)) throw new Error(`${s.name}: response does not contain "${s.check}" (not signed in?)`);
  }
}

/** One autocannon run against a scenario, rotating through its paths. */
function fire(s: Scenario, seconds: number, connections: number): Promise<autocannon.Result> {
  let i = 0;
  const next = () => s.paths[i++ % s.paths.length]!;
  return autocannon({
    url: `http://127.0.0.1:${s.port()}`,
    connections,
    duration: seconds,
    headers: s.headers,
    requests: [{ method: s.body === undefined ? 'GET' : 'POST', body: s.body, setupRequest: (req) => ({ ...req, path: next() }) }],
  });
}

/** Warms a scenario up briefly, then measures it and reads the server's RSS. */
async function measure(s: Scenario, seconds: number, connections: number): Promise<Row> {
  await sanityCheck(s);
  await fire(s, Math.min(3, seconds), connections);
  const cpuBefore = cpuMs(s.pid());
  const r = await fire(s, seconds, connections);
  const cpu = (cpuMs(s.pid()) - cpuBefore) / Math.max(1, r.requests.total);
  const codes = Object.entries(r.statusCodeStats ?? {}).filter(([c]) => !c.startsWith('2')).map(([c, v]) => `${c}×${v.count ?? 0}`).join(' ');
  return { name: s.name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, rssMb: rssMb(s.pid()), cpuMs: cpu, non2xx: r.non2xx, errors: r.errors, codes };
}

/** The results table, the targets and any non-2xx responses. */
function report(rows: Row[], failures: string[]): void {
  const find = (name: string) => rows.find((r) => r.name === name);
  const base = find('baseline');
  const pct = (a: number, b = 0) => (b ? (100 * a) / b : NaN);
  const cols = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'RSS MB', 'vs baseline', 'CPU ms/req', 'non-2xx', 'errors'];
  const lines = rows.map((r) => [
    r.name, r.rps.toFixed(0), r.p50.toFixed(1), r.p99.toFixed(1), r.rssMb.toFixed(0), `${pct(r.rps, base?.rps).toFixed(0)} %`,
    r.cpuMs.toFixed(2), String(r.non2xx), String(r.errors),
  ]);
  const widths = cols.map((c, i) => Math.max(c.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${fmt(cols)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const l of lines) console.log(fmt(l));
  const check = (label: string, value: number, goal: number) =>
    console.log(`${Number.isNaN(value) ? 'N/A ' : value >= goal ? 'PASS' : 'MISS'}  ${label}: ${value.toFixed(0)} % (target ≥ ${goal} %)`);
  const anon = find('topic (anonymous)');
  const rendered = find('topic (anonymous, rendered)');
  const signedIn = find('topic (signed in)');
  console.log('');
  // Guests get the guest cache; a signed-in page is rendered for its viewer, so it is held against a guest's page
  // rendered the same way (what personalisation costs), and its share of a cached guest page is shown beside it.
  check('topic page vs baseline (guests, from the guest cache)', pct(anon?.rps ?? NaN, base?.rps), 50);
  check('signed-in topic page vs anonymous (both rendered)', pct(signedIn?.rps ?? NaN, rendered?.rps), 60);
  console.log(`INFO  anonymous topic page rendered (no guest cache) vs baseline: ${pct(rendered?.rps ?? NaN, base?.rps).toFixed(0)} %; signed-in vs cached guest page: ${pct(signedIn?.rps ?? NaN, anon?.rps).toFixed(0)} %`);
  // Guests' leaderboards come from the guest cache like every guest list page; a member's is rendered for them, so,
  // like the signed-in topic page it is measured beside, it is held against a page rendered for its viewer: half
  // the signed-in topic page (its sums over the ledger's summary are heavier than a page of posts). A toggle is a
  // write transaction (row lock, reaction insert/delete, counts, ledger reconciliation): a quarter of it.
  check('leaderboard page vs topic page (both signed in)', pct(find('leaderboard (signed in)')?.rps ?? NaN, find('topic (signed in)')?.rps), 50);
  check('reaction toggles vs signed-in topic page', pct(find('reaction toggle (signed in)')?.rps ?? NaN, find('topic (signed in)')?.rps), 25);
  for (const r of rows.filter((x) => x.non2xx || x.errors)) console.log(`BUG  ${r.name}: ${r.non2xx} non-2xx (${r.codes || '-'}), ${r.errors} connection errors`);
  for (const f of failures) console.log(`BUG  ${f} (scenario skipped)`);
}

/** Stops every child we started: SIGTERM, then SIGKILL after 5 s. */
async function stopChildren(): Promise<void> {
  stopping = true;
  await Promise.all(
    children.filter((c) => c.exitCode === null && c.signalCode === null).map(
      (c) => new Promise<void>((resolve) => {
        const kill = setTimeout(() => c.kill('SIGKILL'), 5000);
        c.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        c.kill('SIGTERM');
      }),
    ),
  );
}

async function main(): Promise<void> {
  const posts = positiveInt(args.posts, 'posts', 20_000);
  const seconds = positiveInt(args.duration, 'duration', 10);
  const connections = positiveInt(args.connections, 'connections', 10);
  console.log(`veche bench: ${posts} posts, ${seconds}s × ${connections} connections per scenario, ${os.cpus().length} CPUs, node ${process.version}`);
  const load0 = os.loadavg()[0]!;
  const target = await prepare(posts);
  const [appPort, renderPort, basePort] = [await freePort(), await freePort(), await freePort()];
  const appEnv = { NODE_ENV: 'production', DATABASE_URL: dbUrl, HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  const app = startChild('server/main.ts', [], { ...appEnv, PORT: String(appPort) });
  // A second instance without the guest cache: what a guest's page costs when it is rendered for them.
  const rendering = startChild('server/main.ts', [], { ...appEnv, PORT: String(renderPort), GUEST_CACHE_SECONDS: '0', MIGRATE_ON_START: 'false' });
  const baseline = startChild('server/cli/bench.ts', ['--serve-baseline', '--port', String(basePort), '--database-url', dbUrl], {});
  await Promise.all([waitReady(app, appPort), waitReady(rendering, renderPort), waitReady(baseline, basePort)]);
  const topicPaths = target.topics.map((t) => `/t/${t.id}/${t.slug}`);
  const browser = await browserCookies(appPort, target.cookie);
  const signedIn = browser.cookie;
  // htmx toggles (200 with the updated bar; a plain form post would answer 303) with the token in the header.
  const toggleHeaders = { cookie: signedIn, 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true', 'x-csrf-token': browser.csrf };
  const onApp = { port: () => appPort, pid: () => app.pid! };
  const scenarios: Scenario[] = [
    { name: 'topic (anonymous)', ...onApp, paths: topicPaths },
    { name: 'topic (anonymous, rendered)', port: () => renderPort, pid: () => rendering.pid!, paths: topicPaths },
    { name: 'topic (signed in)', ...onApp, paths: topicPaths, headers: { cookie: signedIn }, check: 'action="/logout"' },
    { name: 'category', ...onApp, paths: [`/c/${target.categorySlug}`] },
    { name: 'home', ...onApp, paths: ['/'] },
    // Signed in: guests' boards come from the guest cache; a member's are computed from the ledger each time.
    {
      name: 'leaderboard (signed in)', ...onApp, paths: ['/leaderboard?period=week', '/leaderboard?period=month', '/leaderboard?period=all'],
      headers: { cookie: signedIn }, check: 'leaders-reputation-list',
    },
    {
      name: 'reaction toggle (signed in)', ...onApp, paths: target.reactPosts.map((id) => `/posts/${id}/reactions`),
      headers: toggleHeaders, body: 'reaction=thumbs_up', check: 'thumbs_up',
    },
    { name: 'baseline', port: () => basePort, pid: () => baseline.pid!, paths: target.topics.map((t) => `/b/${t.id}`) },
  ];
  const rows: Row[] = [];
  const failures: string[] = [];
  for (const s of scenarios) {
    process.stderr.write(`measuring ${s.name}…\n`);
    await measure(s, seconds, connections).then((row) => rows.push(row), (err: Error) => failures.push(err.message));
  }
  report(rows, failures);
  process.stderr.write('measuring search…\n');
  reportSearch(await measureSearch(appPort, seconds));
  console.log(`load average (1 min) at start ${load0.toFixed(1)}, at end ${os.loadavg()[0]!.toFixed(1)}; CPU ms/req is the server process's own CPU time per request`);
}

process.once('SIGINT', () => void stopChildren().then(() => process.exit(130)));
process.once('SIGTERM', () => void stopChildren().then(() => process.exit(143)));
process.once('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

if (args['serve-baseline']) {
  serveBaseline(positiveInt(args.port, 'port', 3100)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().then(
    () => stopChildren().then(() => process.exit(0)),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      void stopChildren().then(() => process.exit(1));
    },
  );
}
