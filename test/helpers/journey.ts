import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { en } from '../../server/web/i18n/en.js';
import { createTestApp, type TestContext } from './app.js';
import { contextOptions, launchChromium, type PageProblems, watchPage } from './browser.js';
import { DEFAULT_PASSWORD } from './client.js';

/** What a browser journey works with: an app on its own database, listening on a free port, and Chromium. */
export interface Journey {
  readonly ctx: TestContext;
  readonly baseURL: string;
  /** A separate browser (its own cookies) signed in as the given user, with console and CSP problems watched. */
  as(username: string): Promise<{ page: Page; problems: PageProblems }>;
}

/**
 * Sets a journey up for the enclosing describe block (beforeAll/afterAll): Chromium, then the app; everything is
 * closed after the block. `beforeListen` runs on the fresh app before it takes requests. A failed Chromium launch
 * fails each test with the launch error rather than the whole file at collection.
 */
export function useJourney(opts: { beforeListen?: (ctx: TestContext) => Promise<void> } = {}): Journey {
  let ctx: TestContext | undefined;
  let browser: Browser | undefined;
  let baseURL = '';
  let launchError: unknown = null;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    try {
      browser = await launchChromium();
    } catch (err) {
      launchError = err;
      return;
    }
    ctx = await createTestApp();
    await opts.beforeListen?.(ctx);
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    baseURL = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await ctx?.close();
  });

  return {
    get ctx() {
      if (launchError) throw launchError;
      return ctx!;
    },
    get baseURL() {
      return baseURL;
    },
    async as(username) {
      if (launchError) throw launchError;
      const context = await browser!.newContext({ ...contextOptions({ locale: 'en' }), baseURL });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      const problems = await watchPage(page);
      await page.goto('/login');
      await page.getByLabel(en['login.login']).fill(username);
      await page.getByLabel(en['login.password'], { exact: true }).fill(DEFAULT_PASSWORD);
      await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.getByRole('button', { name: en['login.submit'], exact: true }).click()]);
      return { page, problems };
    },
  };
}
