import { describe, expect, it } from 'vitest';
import { en } from '../../server/web/i18n/en.js';
import { browserTestsEnabled, screenshot } from '../helpers/browser.js';
import { useJourney } from '../helpers/journey.js';
import { createCategory, createUser } from '../helpers/factories.js';

const enabled = browserTestsEnabled();
const t = (key: keyof typeof en) => en[key];

describe.skipIf(!enabled)('questions and answers in headless Chromium', () => {
  const journey = useJourney();
  const as = (username: string) => journey.as(username);

  it('a member asks, another answers, the asker accepts: reputation and a badge appear on the answerer’s profile', { timeout: 120_000 }, async () => {
    const category = await createCategory(journey.ctx.db, { name: 'Support questions', kind: 'questions' });
    await createUser(journey.ctx.db, { username: 'asker_olga' });
    await createUser(journey.ctx.db, { username: 'helper_ivan' });

    // 1. Olga asks a question.
    const olga = await as('asker_olga');
    await olga.page.goto(`/new?category=${category.id}`);
    await olga.page.getByLabel(t('newTopic.topicTitle')).fill('How do I export my order history?');
    await olga.page.getByLabel(t('newTopic.body'), { exact: true }).fill('I need a CSV of last year’s orders for accounting.');
    await Promise.all([olga.page.waitForURL(/\/t\/\d+\//), olga.page.getByRole('button', { name: t('newTopic.submit'), exact: true }).click()]);
    const topicPath = new URL(olga.page.url()).pathname;

    // 2. Ivan answers in another browser.
    const ivan = await as('helper_ivan');
    await ivan.page.goto(topicPath);
    await ivan.page.locator('#reply-form').getByRole('textbox', { name: t('topic.replyTitle') }).fill('Profile → Orders → Export → CSV.');
    await ivan.page.locator('#reply-form').getByRole('button', { name: t('topic.submitReply') }).click();
    await ivan.page.locator('#posts > article.post').nth(1).waitFor();
    const answerId = await ivan.page.locator('#posts > article.post').nth(1).getAttribute('id');
    expect(answerId).toMatch(/^post-\d+$/);

    // 3. Olga accepts it; the page shows it as the accepted answer and the topic as solved.
    await olga.page.goto(topicPath);
    await screenshot(olga.page, 'qa-01-question-with-answer');
    await Promise.all([
      olga.page.waitForLoadState('load'),
      olga.page.locator(`#${answerId}`).getByRole('button', { name: t('answers.accept') }).click(),
    ]);
    await olga.page.locator(`#${answerId} .answer-unaccept`).waitFor();
    await screenshot(olga.page, 'qa-02-accepted');
    expect(await olga.page.locator('body').textContent()).toContain(t('answers.accepted'));

    // 4. Ivan's profile shows the reputation from the accepted answer and a badge.
    await ivan.page.goto('/u/helper_ivan');
    const reputation = Number((await ivan.page.locator('#stat-reputation dd').textContent())?.trim());
    expect(reputation).toBeGreaterThanOrEqual(15);
    expect(Number((await ivan.page.locator('#stat-accepted dd').textContent())?.trim())).toBe(1);
    await ivan.page.locator('#profile-badges li').first().waitFor();
    expect(await ivan.page.locator('#profile-badges li').count()).toBeGreaterThan(0);
    await screenshot(ivan.page, 'qa-03-answerer-profile');
    expect([...olga.problems.take(), ...ivan.problems.take()]).toEqual([]);
  });
});
