/**
 * The benchmark's search scenario: full-text queries one at a time (latency, not throughput, is what a searcher
 * feels), in both languages, over the seeded corpus (server/cli/seed-text.ts). Shares of the 1M-post seed matched,
 * roughly: common words (18 %, 12 %, 2 %), pairs of common words (4–5 %), phrases (4 %), pairs of middling words
 * (0.5–1.6 %), rare ones (0.01–0.04 %), a made-up name, an error code, and a typo that matches nothing (so it
 * also runs the trigram suggestions). Seventeen queries, so each meets every sort over the rounds (every third
 * request sorts by date). Prints p50/p95 against the target p95 ≤ 100 ms.
 */
const QUERIES = [
  'приложение', 'update', 'обновления не работает', '"перестаёт отвечать"', '"access denied"', 'журнал изменений', 'сбросить пароль',
  'webhooks', 'мобильном приложении', 'термостат зависает', 'кэш браузера', 'линкатар', 'ошибка E7552', 'firmwre', 'Sonoff',
  'proxy timeout', 'двухфакторный вход',
];

export interface SearchFigures {
  requests: number;
  p50: number;
  p95: number;
  failures: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

/** Sends search requests one after another for `seconds` (at least one round of every query). */
export async function measureSearch(port: number, seconds: number): Promise<SearchFigures> {
  const times: number[] = [];
  let failures = 0;
  const until = Date.now() + seconds * 1000;
  for (let i = 0; Date.now() < until || i < QUERIES.length; i++) {
    const q = QUERIES[i % QUERIES.length]!;
    const sort = i % 3 === 2 ? '&sort=newest' : '';
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/search?q=${encodeURIComponent(q)}${sort}`);
    await res.text();
    times.push(performance.now() - started);
    if (res.status !== 200) failures += 1;
  }
  times.sort((a, b) => a - b);
  return { requests: times.length, p50: percentile(times, 50), p95: percentile(times, 95), failures };
}

/** The search line of the report. */
export function reportSearch(f: SearchFigures): void {
  console.log(`${f.p95 <= 100 ? 'PASS' : 'MISS'}  search latency (${f.requests} queries one at a time): p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms (target p95 ≤ 100 ms)`);
  if (f.failures) console.log(`BUG  search: ${f.failures} responses were not 200`);
}
