import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../server/web/i18n/en.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { browserTestsEnabled, contextOptions, launchChromium, type PageProblems, screenshot, watchPage } from '../helpers/browser.js';
import { DEFAULT_PASSWORD } from '../helpers/client.js';
import { createTopic, createUser } from '../helpers/factories.js';

const enabled = browserTestsEnabled();
const t = (key: keyof typeof en, params: Record<string, string | number> = {}) =>
  en[key].replace(/\{(\w+)\}/g, (_m, name: string) => String(params[name] ?? `{${name}}`));

/** The id of the last post on the page (posts are <article id="post-N">). */
async function lastPostId(page: Page): Promise<string> {
  const id = await page.locator('#posts > article.post').last().getAttribute('id');
  expect(id).toMatch(/^post-\d+$/);
  return id!;
}

async function logIn(page: Page, login: string, password: string) {
  await page.goto('/login');
  await page.getByLabel(t('login.login')).fill(login);
  await page.getByLabel(t('login.password'), { exact: true }).fill(password);
  await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.getByRole('button', { name: t('login.submit'), exact: true }).click()]);
}

describe.skipIf(!enabled)('end to end in headless Chromium', () => {
  let ctx: TestContext;
  let browser: Browser;
  let baseURL: string;
  const contexts: BrowserContext[] = [];

  // A launch failure (on CI, Chromium missing) is rethrown by every test, so each one counts as failed, not skipped.
  let launchError: unknown = null;

  beforeAll(async () => {
    try {
      browser = await launchChromium();
    } catch (err) {
      launchError = err;
      return;
    }
    ctx = await createTestApp();
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    baseURL = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await ctx?.close();
  });

  async function open(opts: { javaScriptEnabled?: boolean } = {}): Promise<{ page: Page; problems: PageProblems }> {
    if (launchError) throw launchError;
    const context = await browser.newContext({ ...contextOptions({ locale: 'en', javaScriptEnabled: opts.javaScriptEnabled }), baseURL });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems = await watchPage(page, opts);
    return { page, problems };
  }

  it('signs up, starts a topic with a live preview, replies and edits in place, and sees the count in the category', { timeout: 120_000 }, async () => {
    const { page, problems } = await open();
    const title = 'How do I reset the app password?';

    // 1. Sign up through the form; the first account on a new forum is its administrator.
    await page.goto('/signup');
    await page.getByLabel(t('signup.username')).fill('journey_anna');
    await page.getByLabel(t('signup.email')).fill('anna@example.com');
    await page.getByLabel(t('signup.password')).fill('a long enough password');
    await screenshot(page, '01-signup');
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.getByRole('button', { name: t('signup.submit'), exact: true }).click()]);
    const newTopicLink = page.getByRole('banner').getByRole('link', { name: t('nav.newTopic') });
    expect(await newTopicLink.isVisible()).toBe(true);
    await screenshot(page, '02-home-signed-in');
    expect(problems.take()).toEqual([]);

    // 2. New topic: the preview is rendered by the server and swapped in by htmx while typing.
    await Promise.all([page.waitForURL((url) => url.pathname === '/new'), newTopicLink.click()]);
    await page.getByLabel(t('newTopic.category')).selectOption({ label: 'Общее' });
    await page.getByLabel(t('newTopic.topicTitle')).fill(title);
    await page.getByLabel(t('newTopic.body'), { exact: true }).fill('After the update the app asks for a **new password**. Where do I set it?');
    const previewBold = page.locator('#preview strong');
    await previewBold.waitFor();
    expect(await previewBold.textContent()).toBe('new password');
    await screenshot(page, '03-new-topic-preview');
    await Promise.all([page.waitForURL(/\/t\/\d+\//), page.getByRole('button', { name: t('newTopic.submit'), exact: true }).click()]);
    const topicPath = new URL(page.url()).pathname;
    const topicId = topicPath.split('/')[2]!;
    expect(problems.take()).toEqual([]);

    // 3. Open it from the home page.
    await page.goto('/');
    const row = page.locator(`#topic-${topicId}`);
    await Promise.all([page.waitForURL((url) => url.pathname === topicPath), row.getByRole('link', { name: title }).click()]);
    expect(await page.locator('#topic-title').textContent()).toBe(title);
    expect(await page.locator('#posts > article.post').count()).toBe(1);
    await screenshot(page, '04-topic');

    // 4. Reply with htmx: the post is appended in place, the page is not reloaded (the marker survives).
    await page.evaluate(() => {
      (window as unknown as { __journeyMarker: string }).__journeyMarker = 'same page';
    });
    const replyBox = page.locator('#reply-form');
    await replyBox.getByRole('textbox', { name: t('topic.replyTitle') }).fill('Settings → Account → Password. Found it myself!');
    // The reply box has its own (folded) live preview; let it render before posting.
    await page.waitForFunction(() => document.querySelector('#reply-form #preview')?.textContent?.includes('Found it myself!'));
    await replyBox.getByRole('button', { name: t('topic.submitReply') }).click();
    await page.locator('#posts > article.post').nth(1).waitFor();
    const replyId = await lastPostId(page);
    const reply = page.locator(`#${replyId}`);
    expect(await reply.locator('.post-body').textContent()).toContain('Found it myself!');
    expect(await page.evaluate(() => (window as unknown as { __journeyMarker?: string }).__journeyMarker)).toBe('same page');
    expect(new URL(page.url()).pathname).toBe(topicPath);
    // The reply form came back empty (out-of-band swap), ready for the next message.
    expect(await replyBox.getByRole('textbox', { name: t('topic.replyTitle') }).inputValue()).toBe('');
    await screenshot(page, '05-replied');
    expect(problems.take()).toEqual([]);

    // 5. Edit the reply inline, save, and see the "edited" marker and the history link.
    expect(await reply.locator('.edited').count()).toBe(0);
    await reply.getByRole('link', { name: t('common.edit'), exact: true }).click();
    const editor = reply.locator('form.edit-form textarea');
    await editor.waitFor();
    await screenshot(page, '06-editing');
    await editor.fill('Settings → Account → Password. Found it myself, thanks anyway!');
    await reply.getByRole('button', { name: t('common.save'), exact: true }).click();
    await page.locator(`#${replyId} .edited`).waitFor();
    const edited = page.locator(`#${replyId}`);
    expect((await edited.locator('.edited').textContent())?.trim()).toBe(t('post.edited'));
    expect(await edited.locator('.post-body').textContent()).toContain('thanks anyway!');
    expect(await edited.locator('form.edit-form').count()).toBe(0);
    const history = edited.getByRole('link', { name: t('post.history'), exact: true });
    expect(await history.getAttribute('href')).toBe(`/posts/${replyId.slice('post-'.length)}/revisions`);
    expect(await page.evaluate(() => (window as unknown as { __journeyMarker?: string }).__journeyMarker)).toBe('same page');
    await screenshot(page, '07-edited');
    expect(problems.take()).toEqual([]);

    await Promise.all([page.waitForURL(/\/revisions$/), history.click()]);
    expect(await page.locator('#revision-1').count()).toBe(1);
    expect(await page.getByRole('heading', { name: t('revisions.title') }).count()).toBe(1);
    await screenshot(page, '08-history');

    // 6. The category page lists the topic with its new reply count.
    await page.goto(topicPath);
    await Promise.all([page.waitForURL((url) => url.pathname === '/c/general'), page.locator('.topic-header').getByRole('link', { name: 'Общее' }).click()]);
    const listed = page.locator(`#topic-list > #topic-${topicId}`);
    expect(await listed.getByRole('link', { name: title }).count()).toBe(1);
    expect((await listed.locator('.replies').textContent())?.trim()).toBe(t('count.replies_one', { count: 1 }));
    await screenshot(page, '09-category');
    expect(problems.take()).toEqual([]);
  });

  it('without JavaScript, posting a reply redirects to the new post’s anchor', { timeout: 60_000 }, async () => {
    if (launchError) throw launchError;
    const author = await createUser(ctx.db, { username: 'nojs_member' });
    const general = await ctx.db.selectFrom('categories').selectAll().where('slug', '=', 'general').executeTakeFirstOrThrow();
    const { topic } = await createTopic(ctx.db, author, general, { title: 'A topic for readers without scripts' });

    const { page, problems } = await open({ javaScriptEnabled: false });
    await logIn(page, 'nojs_member', DEFAULT_PASSWORD);
    await page.goto(`/t/${topic.id}/${topic.slug}`);
    await page.getByRole('textbox', { name: t('topic.replyTitle') }).fill('Plain HTML forms still work.');
    await Promise.all([page.waitForURL(/#post-\d+$/), page.getByRole('button', { name: t('topic.submitReply') }).click()]);

    const url = new URL(page.url());
    expect(url.pathname).toBe(`/t/${topic.id}/${topic.slug}`);
    const newId = await lastPostId(page);
    expect(url.hash).toBe(`#${newId}`);
    expect(await page.locator(`#${newId} .post-body`).textContent()).toContain('Plain HTML forms still work.');
    await screenshot(page, '10-no-js-reply');
    expect(problems.take()).toEqual([]);
  });
});
