import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../server/web/i18n/en.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { browserTestsEnabled, contextOptions, launchChromium, screenshotVariants, watchPage } from '../helpers/browser.js';
import { DEFAULT_PASSWORD } from '../helpers/client.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import { databaseUrlOf, listen } from '../helpers/sse.js';

const enabled = browserTestsEnabled();
const t = (key: keyof typeof en) => en[key];

/** Signs in through the login form. */
async function logIn(page: Page, username: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel(t('login.login')).fill(username);
  await page.getByLabel(t('login.password'), { exact: true }).fill(DEFAULT_PASSWORD);
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: t('login.submit'), exact: true }).click()]);
}

describe.skipIf(!enabled)('watching a topic: live bell, live replies, and the way to the post', () => {
  let ctx: TestContext;
  let browser: Browser;
  let a: FastifyInstance;
  let b: FastifyInstance;
  let baseA: string;
  let baseB: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    ctx = await createTestApp();
    const url = await databaseUrlOf(ctx.db, ctx.config.databaseUrl);
    a = await ctx.another({ databaseUrl: url });
    b = await ctx.another({ databaseUrl: url });
    baseA = await listen(a);
    baseB = await listen(b);
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await ctx?.close();
  });

  it('A watches, B replies from another browser on another instance, A sees it without reload and opens the exact post', { timeout: 90_000 }, async () => {
    const cat = await createCategory(ctx.db, { name: 'Networking' });
    const starter = await createUser(ctx.db, { username: 'olga_starter' });
    const anna = await createUser(ctx.db, { username: 'anna_watcher' });
    const boris = await createUser(ctx.db, { username: 'boris_replier' });
    const { topic } = await createTopic(ctx.db, starter, cat, { title: 'The office Wi-Fi drops every afternoon', body: 'Every day around 3 pm the connection drops for a few minutes. Any ideas?' });

    // Anna: instance A; she sets the topic to "watching" on its page.
    const ctxA = await browser.newContext({ ...contextOptions({ locale: 'en' }), baseURL: baseA });
    contexts.push(ctxA);
    const pa = await ctxA.newPage();
    pa.setDefaultTimeout(10_000);
    const problemsA = await watchPage(pa);
    await logIn(pa, anna.username);
    await pa.goto(`/t/${topic.id}/${topic.slug}`);
    await pa.locator('#watch-level').selectOption('watching');
    await pa.locator('.watch-saved').waitFor();
    const watch = await ctx.db.selectFrom('topic_watches').select('level').where('user_id', '=', anna.id).where('topic_id', '=', topic.id).executeTakeFirst();
    expect(watch?.level).toBe('watching');
    // Her page's stream is open (on A) once the hub knows it.
    // (The stream of the page she came from may still be closing: wait for exactly one.)
    for (let i = 0; i < 100 && a.live.connections(anna.id) !== 1; i += 1) await pa.waitForTimeout(50);
    expect(a.live.connections(anna.id)).toBe(1);
    expect(await pa.locator('a.bell .bell-count').count()).toBe(0);
    const bar = pa.locator('#live-topic .live-topic-show');
    expect(await bar.isVisible()).toBe(false);

    // Boris: another browser, instance B; he replies in place.
    const ctxB = await browser.newContext({ ...contextOptions({ locale: 'en' }), baseURL: baseB });
    contexts.push(ctxB);
    const pb = await ctxB.newPage();
    pb.setDefaultTimeout(10_000);
    const problemsB = await watchPage(pb);
    await logIn(pb, boris.username);
    await pb.goto(`/t/${topic.id}/${topic.slug}`);
    // Boris has the topic open in a second tab as well.
    const pb2 = await ctxB.newPage();
    pb2.setDefaultTimeout(10_000);
    const problemsB2 = await watchPage(pb2);
    await pb2.goto(`/t/${topic.id}/${topic.slug}`);
    for (let i = 0; i < 100 && b.live.connections(boris.id) !== 2; i += 1) await pb.waitForTimeout(50);
    expect(b.live.connections(boris.id)).toBe(2);
    await pb.getByRole('textbox', { name: t('topic.replyTitle') }).fill('Check whether the microwave in the kitchen runs at 3 pm — it jams 2.4 GHz.');
    await pb.getByRole('button', { name: t('topic.submitReply') }).click();
    await pb.locator('.post').nth(1).waitFor();
    const reply = await ctx.db.selectFrom('posts').select(['id', 'post_number']).where('topic_id', '=', topic.id).where('post_number', '=', 2).executeTakeFirstOrThrow();
    // His other tab is told of his own reply like of anyone's; the tab he wrote it in shows it already, with no bar.
    await pb2.locator('#live-topic .live-topic-show').waitFor({ state: 'visible' });
    await pb.waitForTimeout(300);
    expect(await pb.locator('#live-topic .live-topic-show').isVisible()).toBe(false);
    expect(await pb.locator(`#post-${reply.id}`).count()).toBe(1);
    expect(problemsB2.take()).toEqual([]);
    await pb2.close();

    // Anna, without reloading: the bell counts it, and the bar offers the new reply.
    await pa.locator('a.bell .bell-count').waitFor();
    expect(await pa.locator('a.bell .bell-count').textContent()).toBe('1');
    expect(await pa.locator('a.bell').getAttribute('aria-label')).toBe('Notifications: 1 unread');
    await bar.waitFor({ state: 'visible' });
    expect((await bar.textContent())?.trim()).toBe('1 new reply — show');
    expect(await pa.locator(`#post-${reply.id}`).count()).toBe(0);
    expect(await screenshotVariants(pa, 'notify-live-bar', ['light', 'dark', 'phone'])).toEqual([]);

    // She shows it: the post appears in place, takes focus, and the bar goes away.
    await bar.click();
    await pa.locator(`#post-${reply.id}`).waitFor();
    expect(await pa.locator(`#post-${reply.id} .post-body`).textContent()).toContain('microwave');
    expect(await pa.evaluate(() => document.activeElement?.id)).toBe(`post-${reply.id}`);
    expect(await bar.isVisible()).toBe(false);
    expect(await pa.locator('#topic-reply-count').textContent()).toContain('1 reply');
    // The new post works like any other: Anna reacts to it in place.
    await pa.locator(`#reactions-${reply.id} button[title="${t('reactions.kind.heart')}"]`).first().click();
    await pa.locator(`#reactions-${reply.id} button[aria-pressed="true"]`).waitFor();
    await screenshotVariants(pa, 'notify-live-shown', ['light', 'dark']);

    // Through the bell to the notification, and from it to the exact post.
    await Promise.all([pa.waitForURL((u) => u.pathname === '/notifications'), pa.locator('a.bell').click()]);
    const item = pa.locator('.notification-text').filter({ hasText: `${boris.username} posted in “The office Wi-Fi drops every afternoon”` });
    expect(await item.count()).toBe(1);
    await screenshotVariants(pa, 'notify-list', ['light', 'dark']);
    await Promise.all([pa.waitForURL((u) => u.hash === `#post-${reply.id}`), item.click()]);
    expect(new URL(pa.url()).pathname).toBe(`/t/${topic.id}/${topic.slug}`);
    await pa.locator(`#post-${reply.id}`).waitFor();
    expect(await pa.locator('a.bell .bell-count').count()).toBe(0);

    // Boris's bell heard of Anna's reaction to his reply, grouped per post.
    await pb.locator('a.bell .bell-count').waitFor();
    await Promise.all([pb.waitForURL((u) => u.pathname === '/notifications'), pb.locator('a.bell').click()]);
    expect(await pb.locator('.notification-text').filter({ hasText: `${anna.username} reacted to your post in “The office Wi-Fi drops every afternoon”.` }).count()).toBe(1);

    // The stream drops (say, instance A restarts its streams) and a reply comes while Anna's page is away: the page
    // reconnects by itself, tells the server the last post it shows, and the bar offers what was missed.
    a.live.closeAll();
    // (Written directly: Boris's posting interval would refuse a second reply this soon.)
    await createReply(ctx.db, boris, topic.id, 'Also: the access point firmware has a known bug with roaming. Update it.');
    await bar.waitFor({ state: 'visible', timeout: 15_000 });
    expect((await bar.textContent())?.trim()).toBe('1 new reply — show');
    await bar.click();
    await pa.locator('.post').nth(2).waitFor();
    expect(await pa.locator('.post').nth(2).locator('.post-body').textContent()).toContain('firmware');

    expect(problemsA.take()).toEqual([]);
    expect(problemsB.take()).toEqual([]);
  });
});
