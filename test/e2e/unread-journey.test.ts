import { describe, expect, it } from 'vitest';
import { en } from '../../server/web/i18n/en.js';
import { browserTestsEnabled, screenshotVariants } from '../helpers/browser.js';
import { useJourney } from '../helpers/journey.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';

const enabled = browserTestsEnabled();
const t = (key: keyof typeof en) => en[key];
const DAY = 86_400_000;

describe.skipIf(!enabled)('unread tracking in headless Chromium', () => {
  // Marks are flushed by hand, so the test sees exactly when they are written.
  const journey = useJourney({ beforeListen: (c) => c.app.activity.stop() });
  const as = (username: string) => journey.as(username);

  const markOf = async (userId: number, topicId: number) =>
    (await journey.ctx.db.selectFrom('topic_reads').select('last_read_post_number').where('user_id', '=', userId).where('topic_id', '=', topicId).executeTakeFirst())?.last_read_post_number ?? null;

  it('a reply shows as "1 new", the badge leads to it, and a post added in place is marked read as it comes into view', { timeout: 120_000 }, async () => {
    const lounge = await createCategory(journey.ctx.db, { name: 'Lounge' });
    const anna = await createUser(journey.ctx.db, { username: 'anna_reads', created_at: new Date(Date.now() - 30 * DAY) });
    const boris = await createUser(journey.ctx.db, { username: 'boris_posts' });
    const { topic } = await createTopic(journey.ctx.db, boris, lounge, { title: 'Where shall we meet in spring?' });
    const fresh = await createTopic(journey.ctx.db, boris, lounge, { title: 'Photos from the winter meetup' });

    const { page, problems } = await as('anna_reads');
    // Both topics are new to Anna.
    await page.goto('/new-topics');
    await page.locator(`#topic-${topic.id} .new-topic-mark`).waitFor();
    expect(await screenshotVariants(page, 'unread-01-new-topics', ['light', 'dark', 'phone'])).toEqual([]);

    // She opens one; the page view marks it read (buffered, then flushed).
    await page.goto(`/t/${topic.id}/${topic.slug}`);
    await journey.ctx.app.activity.flush();
    expect(await markOf(anna.id, topic.id)).toBe(1);

    // Boris replies; Anna's latest list shows "1 new", linking to the reply.
    const reply = await createReply(journey.ctx.db, boris, topic.id, 'By the river, as always.');
    await page.goto('/');
    const badge = page.locator(`#topic-${topic.id} a.unread-count`);
    await expect(badge.textContent()).resolves.toBe('1 new');
    expect(await page.locator(`#topic-${fresh.topic.id} .new-topic-mark`).count()).toBe(1);
    await page.goto('/unread');
    expect(await screenshotVariants(page, 'unread-02-unread-list', ['light', 'dark', 'phone'])).toEqual([]);
    await Promise.all([page.waitForURL((url) => url.hash === `#post-${reply.id}`), page.locator(`#topic-${topic.id} a.unread-count`).click()]);
    await journey.ctx.app.activity.flush();
    expect(await markOf(anna.id, topic.id)).toBe(2);

    // Anna replies in place (htmx): her post arrives after the page view, and the reading script reports it.
    const beacon = page.waitForRequest((req) => req.url().endsWith(`/t/${topic.id}/read`) && req.method() === 'POST');
    await page.locator('#reply-form').getByRole('textbox', { name: t('topic.replyTitle') }).fill('See you there!');
    await page.locator('#reply-form').getByRole('button', { name: t('topic.submitReply') }).click();
    await page.locator('#posts > article.post').nth(2).waitFor();
    const sent = await beacon;
    expect((await sent.response())?.status()).toBe(204);
    await journey.ctx.app.activity.flush();
    expect(await markOf(anna.id, topic.id)).toBe(3);

    // "Mark all read" empties the unread list.
    await createReply(journey.ctx.db, boris, topic.id, 'Great.');
    await page.goto('/unread');
    await page.locator(`#topic-${topic.id}`).waitFor();
    await page.getByRole('button', { name: t('unread.unread.dismiss') }).click();
    await page.locator(`#topic-${topic.id}`).waitFor({ state: 'detached' });
    expect(new URL(page.url()).pathname).toBe('/unread');
    expect(problems.take()).toEqual([]);
  });
});
