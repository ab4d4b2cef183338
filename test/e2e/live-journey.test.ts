import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../server/web/i18n/en.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { browserTestsEnabled, contextOptions, launchChromium, screenshot, watchPage } from '../helpers/browser.js';
import { DEFAULT_PASSWORD } from '../helpers/client.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import * as people from '../helpers/people.js';

const enabled = browserTestsEnabled();
const t = (key: keyof typeof en) => en[key];

describe.skipIf(!enabled)('the live bell in headless Chromium', () => {
  let ctx: TestContext;
  let browser: Browser;
  let a: FastifyInstance;
  let b: FastifyInstance;
  let baseURL: string;

  beforeAll(async () => {
    browser = await launchChromium();
    ctx = await createTestApp();
    // On PostgreSQL the listening client needs this test database's URL (the helper's first app is built without it).
    let url: string | null = null;
    if (process.env.TEST_DATABASE_URL) {
      const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(ctx.db);
      const target = new URL(process.env.TEST_DATABASE_URL);
      target.pathname = `/${rows[0]!.name}`;
      url = target.toString();
    }
    a = await ctx.another({ databaseUrl: url });
    b = await ctx.another({ databaseUrl: url });
    await a.listen({ port: 0, host: '127.0.0.1' });
    baseURL = `http://127.0.0.1:${(a.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
  });

  it('a member’s bell counts a notification made on another instance without reload, then leads to it', { timeout: 60_000 }, async () => {
    const qa = await createCategory(ctx.db, { kind: 'questions' });
    const asker = await createUser(ctx.db, { username: 'asker_live' });
    const member = await createUser(ctx.db, { username: 'member_live' });
    const { topic } = await createTopic(ctx.db, asker, qa, { title: 'Why is the printer offline?' });
    const reply = await createReply(ctx.db, member, topic.id, 'Check the cable first.');

    const context = await browser.newContext({ ...contextOptions({ locale: 'en' }), baseURL });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems = await watchPage(page);
    await page.goto('/login');
    await page.getByLabel(t('login.login')).fill(member.username);
    await page.getByLabel(t('login.password'), { exact: true }).fill(DEFAULT_PASSWORD);
    await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: t('login.submit'), exact: true }).click()]);
    const bell = page.locator('a.bell');
    expect(await bell.locator('.bell-count').count()).toBe(0);
    // The stream is open once the hub knows the connection.
    for (let i = 0; i < 100 && a.live.connections(member.id) !== 1; i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(a.live.connections(member.id)).toBe(1);

    // The asker accepts the answer on instance B.
    const onB = await people.signedIn(b, asker);
    expect((await onB.post(`/posts/${reply.id}/accept`)).statusCode).toBe(303);

    await bell.locator('.bell-count').waitFor();
    expect(Number(await bell.locator('.bell-count').textContent())).toBeGreaterThanOrEqual(1);
    expect(await bell.getAttribute('aria-label')).toMatch(/^Notifications: \d+ unread$/);
    await screenshot(page, 'live-bell');
    await Promise.all([page.waitForURL((u) => u.pathname === '/notifications'), bell.click()]);
    await expect(page.locator('.notification-text').filter({ hasText: 'accepted your answer' }).count()).resolves.toBe(1);
    expect(problems.take()).toEqual([]);
    await context.close();
  });
});
