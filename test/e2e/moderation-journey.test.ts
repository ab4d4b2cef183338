import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, updateSettings } from '../../server/features/settings/settings.js';
import { en } from '../../server/web/i18n/en.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { browserTestsEnabled, contextOptions, launchChromium, type PageProblems, screenshotVariants, type ShotVariant, watchPage } from '../helpers/browser.js';
import { DEFAULT_PASSWORD } from '../helpers/client.js';
import { submitReply } from '../../server/features/topics/topics.service.js';
import { asViewer, createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';

const enabled = browserTestsEnabled();
const t = (key: keyof typeof en, params: Record<string, string | number> = {}) =>
  en[key].replace(/\{(\w+)\}/g, (_m, name: string) => String(params[name] ?? `{${name}}`));

/** The part of a message before its first placeholder (for messages whose placeholder is a formatted date). */
const lead = (key: keyof typeof en) => en[key].split('{')[0]!;

/** Light and dark, desktop and phone (390 px). */
const ALL: readonly ShotVariant[] = ['light', 'dark', 'phone', 'phone-dark'];

describe.skipIf(!enabled)('moderation journey in headless Chromium', () => {
  let ctx: TestContext;
  let browser: Browser;
  let baseURL: string;
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
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    baseURL = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await ctx?.close();
  });

  /** A separate browser (its own cookies) signed in through the login form, or a guest's for null. */
  async function as(username: string | null): Promise<{ page: Page; problems: PageProblems }> {
    if (launchError) throw launchError;
    const context = await browser.newContext({ ...contextOptions({ locale: 'en' }), baseURL });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems = await watchPage(page);
    if (username === null) return { page, problems };
    await page.goto('/login');
    await page.getByLabel(t('login.login')).fill(username);
    await page.getByLabel(t('login.password'), { exact: true }).fill(DEFAULT_PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.getByRole('button', { name: t('login.submit'), exact: true }).click()]);
    return { page, problems };
  }

  it('three members flag a post → it hides itself → a moderator agrees and silences the author → the author is told → the log shows it all', { timeout: 120_000 }, async () => {
    if (launchError) throw launchError;
    // Three TL1 flags weigh 2 each: a threshold of 6 makes the third flag the one that hides the post.
    await updateSettings(ctx.db, { moderation: { ...DEFAULT_SETTINGS.moderation, auto_hide_score: 6 } });
    const category = await createCategory(ctx.db, { name: 'Product feedback' });
    const host = await createUser(ctx.db, { username: 'host_pavel' });
    const author = await createUser(ctx.db, { username: 'pushy_max' });
    const flaggers = ['flagger_anna', 'flagger_boris', 'flagger_vera'];
    for (const username of flaggers) await createUser(ctx.db, { username, trust_level: 1 });
    await createUser(ctx.db, { username: 'mod_irina', role: 'moderator', trust_level: 3 });
    const topic = await createTopic(ctx.db, host, category, { title: 'Which export formats should we support next?', body: 'CSV and JSON exist today. What else would help?' });
    const spamBody = 'Forget exports — buy 10 000 followers today, DM me for the price list!';
    const reply = await createReply(ctx.db, author, topic.topic.id, spamBody);
    const postId = reply.id;
    const topicPath = `/t/${topic.topic.id}`;
    const postSel = `#post-${postId}`;

    // 1. Each member flags the post through the Flag action under it; the third flag tips the score over 6.
    const flaggerPages: { page: Page; problems: PageProblems }[] = [];
    for (const [i, username] of flaggers.entries()) {
      const member = await as(username);
      flaggerPages.push(member);
      const { page } = member;
      await page.goto(topicPath);
      const post = page.locator(postSel);
      await expect(post.locator('.post-body').textContent()).resolves.toContain('10 000 followers');
      const flagLink = post.getByRole('link', { name: t('flags.action'), exact: true });
      const form = page.locator(`#flag-form-${postId}`);
      const spam = form.getByRole('radio', { name: new RegExp(`^${t('flags.reason.spam')}`) });
      const send = form.getByRole('button', { name: t('flags.submit') });
      if (i < 2) {
        await flagLink.click();
        await spam.check();
        if (i === 0) {
          await form.getByLabel(t('flags.note')).fill('Selling followers in a feature discussion.');
          expect(await screenshotVariants(page, 'mod-01-topic-flag-form', ALL)).toEqual([]);
        }
        await send.click();
      } else {
        // The third member does it all from the keyboard: Enter on the link, Space on the reason, Enter to send.
        await flagLink.focus();
        await page.keyboard.press('Enter');
        await spam.focus();
        await page.keyboard.press('Space');
        await expect(spam.isChecked()).resolves.toBe(true);
        await send.focus();
        await page.keyboard.press('Enter');
      }
      // The post comes back in place with "you flagged this"; the form is gone.
      await page.locator(`#flag-notice-${postId}`).waitFor();
      expect(await page.locator(`#flag-notice-${postId}`).textContent()).toContain(t('flags.youFlagged', { reason: t('flags.reason.spam') }));
      expect(await form.count()).toBe(0);
      // Below the threshold (2 and 4 of 6) the post stays visible to everyone.
      if (i < 2) expect(await post.locator('.post-body').textContent()).toContain('10 000 followers');
    }

    // 2. The third flag hid the post: members now see a placeholder instead of its text.
    const vera = flaggerPages[2]!.page;
    expect(await vera.locator(`${postSel} .placeholder`).textContent()).toContain(t('post.hidden'));
    expect(await vera.locator(postSel).textContent()).not.toContain('10 000 followers');
    expect(await screenshotVariants(vera, 'mod-02-topic-after-auto-hide', ['light', 'phone'])).toEqual([]);
    const anna = flaggerPages[0]!.page;
    await anna.goto(topicPath);
    expect(await anna.locator(`${postSel} .placeholder`).textContent()).toContain(t('post.hidden'));

    // 3. The moderator opens the queue: one item for the post, score 6, three spam flags, already hidden.
    const { page: mod, problems: modProblems } = await as('mod_irina');
    await mod.goto('/');
    await mod.locator('details.menu > summary').click();
    await Promise.all([mod.waitForURL('**/mod/queue'), mod.getByRole('link', { name: t('nav.moderation') }).click()]);
    const item = mod.locator('#queue > li.queue-item');
    expect(await item.count()).toBe(1);
    const itemId = await item.getAttribute('id');
    expect(itemId).toMatch(/^review-item-\d+$/);
    expect(await item.locator('.queue-score').getAttribute('data-score')).toBe('6');
    expect(await item.locator('.queue-flag').count()).toBe(3);
    expect(await item.locator('.queue-tags').textContent()).toContain(t('queue.hidden'));
    expect(await item.locator('.queue-body').textContent()).toContain('10 000 followers');
    expect(await item.locator('.queue-author-name').textContent()).toContain('pushy_max');
    expect(await screenshotVariants(mod, 'mod-03-queue', ALL)).toEqual([]);

    // 4. Agree and silence the author, in place: reason typed, sanction chosen, then Enter on the focused Agree button.
    await item.getByLabel(t('queue.reason')).fill('Advertising followers for sale');
    await item.getByLabel(t('queue.sanction'), { exact: true }).selectOption('silence');
    expect(await item.getByLabel(t('queue.duration')).inputValue()).toBe('24');
    await item.getByRole('button', { name: t('queue.agree'), exact: true }).focus();
    await mod.keyboard.press('Enter');
    const result = mod.locator(`#${itemId}.queue-result[data-decision="agree"]`);
    await result.waitFor();
    const resultText = (await result.textContent()) ?? '';
    expect(resultText).toContain(t('queue.result.agree', { number: reply.post_number }));
    expect(resultText).toContain(lead('queue.result.silence'));
    expect(new URL(mod.url()).pathname).toBe('/mod/queue'); // handled in place, no navigation
    // Focus lands on the result line, so a keyboard user carries on from there.
    await mod.waitForFunction((id) => document.activeElement?.id === id, itemId);
    expect(await screenshotVariants(mod, 'mod-04-queue-after-agree', ALL)).toEqual([]);
    await mod.reload();
    await mod.locator('#queue-empty').waitFor();

    // 5. The author signs in: a silence banner on every page, the bell shows unread notices, the post says why it is hidden.
    const { page: max, problems: maxProblems } = await as('pushy_max');
    const banner = max.locator('.sanction-notice');
    await banner.waitFor();
    expect(await banner.textContent()).toContain(lead('sanction.silencedUntil'));
    expect(await banner.textContent()).toContain('Advertising followers for sale');
    const bell = max.getByRole('banner').locator('a.bell');
    expect(Number(await bell.locator('.bell-count').textContent())).toBeGreaterThanOrEqual(2);
    await max.goto(topicPath);
    const notice = max.locator(`#post-notice-${postId}`);
    await notice.waitFor();
    expect(await notice.textContent()).toContain(t('flags.hidden.authorTitle'));
    expect(await notice.textContent()).toContain(t('flags.hidden.byModerator', { reason: 'Advertising followers for sale' }));
    expect(await max.locator(`${postSel} .post-body`).textContent()).toContain('10 000 followers'); // the author still sees their text
    expect(await max.locator('#reply-form textarea').count()).toBe(0); // silenced: no reply box
    expect(await screenshotVariants(max, 'mod-05-author-topic', ALL)).toEqual([]);
    await Promise.all([max.waitForURL('**/notifications'), bell.click()]);
    const notes = max.locator('.notification-list > li.notification');
    const texts = await notes.allTextContents();
    expect(texts.some((s) => s.includes(t('notifications.kind.post_hidden', { topic: topic.topic.title })))).toBe(true);
    expect(texts.some((s) => s.includes(lead('notifications.kind.silenced')))).toBe(true);
    expect(await screenshotVariants(max, 'mod-06-author-notifications', ALL)).toEqual([]);

    // The flaggers hear that their flag was upheld.
    await anna.goto('/notifications');
    expect((await anna.locator('.notification-list').textContent()) ?? '').toContain(t('notifications.kind.flag_agreed', { topic: topic.topic.title }));

    // 6. The moderator's log shows every step, newest first: the automatic hide, the agreement and the silence.
    await mod.getByRole('navigation', { name: t('modnav.label') }).getByRole('link', { name: t('modnav.log') }).click();
    await mod.waitForURL('**/mod/log');
    const actions = await mod.locator('#log-entries > li.log-entry').evaluateAll((els) => els.map((el) => el.getAttribute('data-action')));
    expect(actions).toEqual(expect.arrayContaining(['post_auto_hide', 'flag_agree', 'user_silence']));
    expect(actions.indexOf('post_auto_hide')).toBeGreaterThan(actions.indexOf('flag_agree'));
    const agreeEntry = mod.locator('#log-entries > li[data-action="flag_agree"]');
    expect(await agreeEntry.textContent()).toContain('mod_irina');
    expect(await agreeEntry.textContent()).toContain('pushy_max');
    expect(await agreeEntry.locator('.log-reason').textContent()).toContain('Advertising followers for sale');
    expect(await mod.locator('#log-entries > li[data-action="post_auto_hide"]').textContent()).toContain(t('log.system'));
    expect(await screenshotVariants(mod, 'mod-07-log', ALL)).toEqual([]);
    // Filtered by the author, the log keeps exactly this story.
    await mod.getByLabel(t('log.user')).fill('pushy_max');
    await Promise.all([mod.waitForURL(/user=pushy_max/), mod.getByRole('button', { name: t('log.apply') }).click()]);
    const filtered = await mod.locator('#log-entries > li.log-entry').evaluateAll((els) => els.map((el) => el.getAttribute('data-action')));
    expect([...filtered].sort()).toEqual(['flag_agree', 'post_auto_hide', 'user_silence']);

    expect([...flaggerPages.flatMap((p) => p.problems.take()), ...modProblems.take(), ...maxProblems.take()]).toEqual([]);
  });

  it('the other moderation, account and search pages hold up in light and dark, on a desktop and a phone', { timeout: 120_000 }, async () => {
    if (launchError) throw launchError;
    // Pre-moderation on for a newcomer's first post, so the approval queue has something in it.
    await updateSettings(ctx.db, { moderation: { ...DEFAULT_SETTINGS.moderation, approve_first_posts: 1 } });
    const category = await createCategory(ctx.db, { name: 'Billing and invoices', description: 'Invoices, payments and refunds.' });
    await createUser(ctx.db, { username: 'admin_olga', role: 'admin', trust_level: 4 });
    const lena = await createUser(ctx.db, { username: 'member_lena', trust_level: 2 });
    const newbie = await createUser(ctx.db, { username: 'newbie_kolya', trust_level: 0 });
    const topic = await createTopic(ctx.db, lena, category, {
      title: 'Can invoices be exported to CSV every month automatically?',
      body: 'Our accountant needs every **invoice** as CSV on the first of the month. Is there a scheduled export, or an API we can call?',
    });
    await createReply(ctx.db, lena, topic.topic.id, 'Update: a one-off invoice export works from the billing page, but I would love it scheduled.');
    const held = await submitReply(ctx.db, asViewer(newbie), topic.topic.id, { body: 'Same here — our invoices go to two accountants, a monthly CSV export would save us hours.' });
    expect('queued' in held).toBe(true);
    const topicPath = `/t/${topic.topic.id}`;
    const shots: Record<string, string[]> = {};

    const { page: guest, problems: guestProblems } = await as(null);
    await guest.goto('/password/forgot');
    shots.forgot = await screenshotVariants(guest, 'tour-01-password-forgot', ALL);

    const { page: member, problems: memberProblems } = await as('member_lena');
    await member.goto('/search?q=invoice+export');
    expect(await member.locator('.search-hit').count()).toBeGreaterThan(0);
    shots.search = await screenshotVariants(member, 'tour-02-search', ALL);
    await member.goto('/settings');
    await member.locator('#email-form').waitFor();
    shots.settings = await screenshotVariants(member, 'tour-03-settings', ALL);
    await member.goto('/notifications');
    shots.notifications = await screenshotVariants(member, 'tour-04-notifications-empty', ['light', 'phone-dark']);

    const { page: admin, problems: adminProblems } = await as('admin_olga');
    await admin.goto('/mod/approvals');
    expect(await admin.locator('#approvals .approval-item').count()).toBe(1);
    shots.approvals = await screenshotVariants(admin, 'tour-05-approvals', ALL);

    // The member view, after a silence applied through its form.
    await admin.goto(`/mod/users/${newbie.id}`);
    await admin.getByRole('radio', { name: new RegExp(`^${t('sanctions.kind.silence')}`) }).check();
    await admin.getByLabel(t('sanctions.reason')).fill('Cross-posting the same request in five topics.');
    await Promise.all([admin.waitForURL(/\/mod\/users\/\d+\?/), admin.getByRole('button', { name: t('sanctions.submit') }).click()]);
    await admin.locator('#sanction-history li').first().waitFor();
    shots.member = await screenshotVariants(admin, 'tour-06-mod-member', ALL);

    await admin.goto('/admin/moderation');
    await admin.locator('#admin-moderation-form').waitFor();
    shots.adminModeration = await screenshotVariants(admin, 'tour-07-admin-moderation', ALL);

    await admin.goto(topicPath);
    await admin.locator('#topic-tools > summary').click();
    await admin.locator('#topic-tools .topic-tools-panel').waitFor();
    shots.topicTools = await screenshotVariants(admin, 'tour-08-topic-tools', ALL);

    // Nothing sticks out sideways at 390 px, and no page logged an error or a CSP refusal.
    expect(Object.fromEntries(Object.entries(shots).filter(([, v]) => v.length))).toEqual({});
    expect([...guestProblems.take(), ...memberProblems.take(), ...adminProblems.take()]).toEqual([]);
  });
});
