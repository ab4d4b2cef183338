import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';

/** Flags that keep headless Chromium quiet and self-contained (no sandbox in containers, no network chatter). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const CHROMIUM_MISSING = "Chromium not found: browser tests skipped; install Debian's chromium package";

/** CI is "set" unless it is empty, "0" or "false". */
function inCi(): boolean {
  const ci = (process.env.CI ?? '').trim().toLowerCase();
  return ci !== '' && ci !== '0' && ci !== 'false';
}

/** The first Chromium executable found: $CHROMIUM_PATH, then Debian's and Ubuntu's usual paths. */
export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not there (or not executable): try the next one
    }
  }
  return null;
}

/**
 * Whether browser suites should run. Without Chromium they are skipped with a notice, so `npm test`
 * passes on a bare machine; on CI they run anyway and fail in launchChromium, since CI installs it.
 */
export function browserTestsEnabled(): boolean {
  if (findChromium()) return true;
  if (inCi()) return true;
  console.warn(CHROMIUM_MISSING);
  return false;
}

/** Launches headless Chromium; throws a readable error when it is missing (on CI). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) {
    throw new Error("Chromium not found (CI is set, so browser tests must run): install Debian's chromium package or set CHROMIUM_PATH");
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

/** Context defaults for a phone-sized or desktop page in the given language. */
export function contextOptions(opts: { locale?: string; phone?: boolean; javaScriptEnabled?: boolean } = {}): BrowserContextOptions {
  const locale = opts.locale ?? 'en';
  return {
    locale,
    extraHTTPHeaders: { 'Accept-Language': locale },
    viewport: opts.phone ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    javaScriptEnabled: opts.javaScriptEnabled ?? true,
  };
}

export interface PageProblems {
  /** Console errors, uncaught page errors and CSP violations seen so far. */
  list: string[];
  /** Returns what was collected and starts afresh. */
  take(): string[];
}

/**
 * Records everything that means "the page is broken": console errors (which include CSP refusals),
 * uncaught exceptions, and securitypolicyviolation events (recorded by a script injected outside CSP).
 */
export async function watchPage(page: Page, opts: { javaScriptEnabled?: boolean } = {}): Promise<PageProblems> {
  const list: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') list.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => list.push(`pageerror: ${err.message}`));
  if (opts.javaScriptEnabled !== false) {
    await page.exposeBinding('__vecheCspViolation', (_source, text: string) => {
      list.push(`csp: ${text}`);
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        const report = (window as unknown as { __vecheCspViolation?: (t: string) => void }).__vecheCspViolation;
        report?.(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
      });
    });
  }
  return {
    list,
    take() {
      return list.splice(0, list.length);
    },
  };
}

const SHOTS = path.resolve('screenshots/e2e');

/** SCREENSHOTS=0 (or false/off) skips writing PNGs: the journeys still run every check, a little faster. */
const SHOTS_OFF = ['0', 'false', 'off'].includes((process.env.SCREENSHOTS ?? '').trim().toLowerCase());

/** Saves a full-page screenshot under ./screenshots/e2e/ (git-ignored) for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (SHOTS_OFF) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  // caret: 'initial' — hiding the caret would leave style="" on inputs, which htmx then copies (and CSP refuses).
  // From the top, so the sticky header is drawn where it belongs rather than where the page happened to be scrolled;
  // transitions finished, so a colour-scheme switch just before is not caught half-way.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true, caret: 'initial', animations: 'disabled' });
}

/** One way to look at a page: colour scheme and width. */
export type ShotVariant = 'light' | 'dark' | 'phone' | 'phone-dark';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

/**
 * Saves `<name>-<variant>.png` for each variant: emulates prefers-color-scheme and resizes the viewport in place
 * (open forms and menus stay open), then puts the page back to a light desktop view. Returns the elements that stick
 * out sideways at phone width (see horizontalOverflow), so a caller can assert there are none.
 */
export async function screenshotVariants(page: Page, name: string, variants: readonly ShotVariant[] = ['light', 'dark']): Promise<string[]> {
  const before = page.viewportSize() ?? DESKTOP;
  const overflow = new Set<string>();
  for (const variant of variants) {
    const phone = variant.startsWith('phone');
    await page.emulateMedia({ colorScheme: variant.endsWith('dark') ? 'dark' : 'light' });
    await page.setViewportSize(phone ? PHONE : before.width < 600 ? DESKTOP : before);
    // Two frames after a resize, so the capture does not catch regions that are not painted yet.
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    if (phone) for (const el of await horizontalOverflow(page)) overflow.add(el);
    await screenshot(page, `${name}-${variant}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(before);
  return [...overflow];
}

/** Page widths wider than the viewport (horizontal overflow): the elements that stick out, for a readable failure. */
export async function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 && r.width > 0) {
        const id = el.id ? `#${el.id}` : '';
        const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
        const text = (el.textContent ?? '').trim().slice(0, 30);
        out.push(`${el.tagName.toLowerCase()}${id}${cls} "${text}" right=${Math.round(r.right)}`);
      }
      if (out.length >= 10) break;
    }
    return out;
  });
}
