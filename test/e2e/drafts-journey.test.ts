import { beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../server/db/types.js';
import { en } from '../../server/web/i18n/en.js';
import { browserTestsEnabled, screenshot } from '../helpers/browser.js';
import { useJourney } from '../helpers/journey.js';
import { createCategory, createTopic, createUser } from '../helpers/factories.js';

const enabled = browserTestsEnabled();

describe.skipIf(!enabled)('drafts in headless Chromium', () => {
  const journey = useJourney();
  let member: User;

  beforeAll(async () => {
    member = await createUser(journey.ctx.db, { trust_level: 2, created_at: new Date(Date.now() - 60 * 86400_000) });
  });

  const open = () => journey.as(member.username);

  const draftOf = (key: string) => journey.ctx.db.selectFrom('drafts').selectAll().where('user_id', '=', member.id).where('key', '=', key).executeTakeFirst();

  it('saves a reply while typing, restores it after a reload, and forgets it once the reply is posted', { timeout: 60_000 }, async () => {
    const author = await createUser(journey.ctx.db);
    const { topic } = await createTopic(journey.ctx.db, author, await createCategory(journey.ctx.db));
    const { page, problems } = await open();
    await page.goto(`/t/${topic.id}`);
    const box = page.locator('#reply-form').getByRole('textbox', { name: en['topic.replyTitle'] });
    await box.fill('A thought I will finish later');
    await page.locator('#draft-status', { hasText: en['drafts.saved'] }).waitFor();
    expect((await draftOf(`topic:${topic.id}`))?.body).toBe('A thought I will finish later');
    await screenshot(page, 'drafts-01-saved');

    await page.reload();
    expect(await box.inputValue()).toBe('A thought I will finish later');
    expect(await page.locator('#draft-status').textContent()).toContain(en['drafts.restored']);

    // The "Save draft" button saves in place and posts nothing.
    await box.fill('A thought, finished now.');
    await page.locator('#reply-form').getByRole('button', { name: en['drafts.save'] }).click();
    await page.waitForFunction(() => document.querySelector('#draft-status')?.textContent?.includes('Draft saved'));
    expect(await page.locator('#posts > article.post').count()).toBe(1);

    await page.locator('#reply-form').getByRole('button', { name: en['topic.submitReply'] }).click();
    await page.locator('#posts > article.post').nth(1).waitFor();
    // Longer than the typing delay: no late save brings the posted text back as a draft.
    await page.waitForTimeout(2000);
    expect(await draftOf(`topic:${topic.id}`)).toBeUndefined();
    expect(problems.take()).toEqual([]);
  });

  it('saves a new topic’s title and body and puts them back on /new', { timeout: 60_000 }, async () => {
    const { page, problems } = await open();
    await page.goto('/new');
    await page.getByLabel(en['newTopic.topicTitle']).fill('Half a title');
    await page.locator('#draft-status', { hasText: en['drafts.saved'] }).waitFor();
    await page.getByLabel(en['newTopic.body'], { exact: true }).fill('and half a body');
    await page.waitForTimeout(2500);
    expect((await draftOf('new_topic'))?.body).toBe('and half a body');
    await page.goto('/new');
    expect(await page.getByLabel(en['newTopic.topicTitle']).inputValue()).toBe('Half a title');
    expect(await page.getByLabel(en['newTopic.body'], { exact: true }).inputValue()).toBe('and half a body');
    page.once('dialog', (d) => void d.accept());
    // htmx answers HX-Redirect: the browser loads the form afresh, empty.
    await Promise.all([page.waitForEvent('framenavigated'), page.getByRole('button', { name: en['drafts.discard'] }).click()]);
    await page.waitForLoadState();
    expect(await page.getByLabel(en['newTopic.topicTitle']).inputValue()).toBe('');
    expect(await draftOf('new_topic')).toBeUndefined();
    expect(problems.take()).toEqual([]);
  });
});
