import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import * as contests from '../../server/features/contests/contests.service.js';
import { publishDue } from '../../server/features/scheduled/scheduled.service.js';
import { en } from '../../server/web/i18n/en.js';
import { browserTestsEnabled, screenshotVariants } from '../helpers/browser.js';
import { useJourney } from '../helpers/journey.js';
import { asViewer, createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';

const enabled = browserTestsEnabled();
const t = (key: keyof typeof en) => en[key];

describe.skipIf(!enabled)('staff tools in headless Chromium', () => {
  const journey = useJourney();
  const as = (username: string) => journey.as(username);

  async function shots(page: Page, name: string) {
    expect(await screenshotVariants(page, name, ['light', 'dark', 'phone'])).toEqual([]);
  }

  it('a scheduled announcement publishes pinned; a member sees it on top and hides it; an idea vote from the board is answered with "planned"', { timeout: 180_000 }, async () => {
    const news = await createCategory(journey.ctx.db, { name: 'News' });
    const ideas = await createCategory(journey.ctx.db, { name: 'Ideas', kind: 'ideas' });
    await createUser(journey.ctx.db, { username: 'staff_anna', role: 'staff' });
    const member = await createUser(journey.ctx.db, { username: 'member_petr' });
    const { topic: idea } = await createTopic(journey.ctx.db, await createUser(journey.ctx.db), ideas, { title: 'Dark theme for the desktop app' });

    // 1. Staff schedule a pinned announcement.
    const staff = await as('staff_anna');
    await staff.page.goto('/mod/scheduled');
    await staff.page.locator('#f-category_id').selectOption(String(news.id));
    await staff.page.getByLabel(t('newTopic.topicTitle')).fill('Version 5 is out today');
    await staff.page.getByLabel(t('newTopic.body')).fill('Everything new in **version 5**.');
    await staff.page.getByLabel(t('scheduled.when')).fill(new Date(Date.now() + 3600_000).toISOString().slice(0, 16));
    await staff.page.getByLabel(t('scheduled.pin')).check();
    await Promise.all([staff.page.waitForURL((u) => u.pathname === '/mod/scheduled'), staff.page.getByRole('button', { name: t('scheduled.schedule') }).click()]);
    // 2. Its time comes: the job publishes it.
    await journey.ctx.db.updateTable('scheduled_topics').set({ publish_at: new Date(Date.now() - 1000) }).execute();
    const [topicId] = await publishDue(journey.ctx.db);
    expect(topicId).toBeGreaterThan(0);
    // Staff raise the pin to everyone.
    await staff.page.goto(`/t/${topicId}/pin`);
    await staff.page.getByLabel(t('pins.scope.global')).check();
    await Promise.all([staff.page.waitForURL((u) => !u.pathname.endsWith('/pin')), staff.page.getByRole('button', { name: t('pins.submit') }).click()]);

    // 3. The member sees it on top of the home page and hides it for themselves.
    const petr = await as('member_petr');
    const pinned = petr.page.locator(`#topic-${topicId}.is-pinned`);
    await expect(pinned.count()).resolves.toBe(1);
    await shots(petr.page, 'staff-pinned-home');
    await pinned.getByRole('button', { name: 'Hide the pinned topic “Version 5 is out today” for me' }).click();
    await petr.page.locator(`#topic-${topicId}.is-pinned`).waitFor({ state: 'detached' });
    await petr.page.reload();
    expect(await petr.page.locator(`#topic-${topicId}.is-pinned`).count()).toBe(0);

    // 4. The member votes for an idea from the board, in place.
    await petr.page.goto(`/c/${ideas.slug}`);
    await petr.page.locator(`#idea-row-vote-${idea.id} button`).click();
    await petr.page.locator(`#idea-row-vote-${idea.id} button[aria-pressed="true"]`).waitFor();
    expect(await petr.page.locator(`#idea-row-vote-${idea.id} button`).textContent()).toContain('1 vote');
    await shots(petr.page, 'staff-idea-board');
    // 5. Staff set "Planned".
    await staff.page.goto(`/t/${idea.id}/status`);
    await staff.page.getByLabel(t('ideas.setStatus.field')).selectOption('planned');
    await Promise.all([staff.page.waitForResponse((r) => r.url().endsWith(`/t/${idea.id}/status`) && r.request().method() === 'POST'), staff.page.getByRole('button', { name: t('ideas.setStatus.submit') }).click()]);
    // 6. The member is told.
    await petr.page.goto('/notifications');
    await expect(petr.page.locator('.notification-text').filter({ hasText: 'is now: Planned' }).count()).resolves.toBe(1);
    expect(member.id).toBeGreaterThan(0);
    expect(staff.problems.take()).toEqual([]);
    expect(petr.problems.take()).toEqual([]);
  });

  it('a contest: staff start it, members enter, entries close, staff mark winners; the panel and the list show it', { timeout: 180_000 }, async () => {
    const talk = await createCategory(journey.ctx.db, { name: 'Community' });
    const staffUser = await createUser(journey.ctx.db, { username: 'staff_boris', role: 'staff' });
    const entrants = await Promise.all(['ola', 'ivan', 'masha'].map((n) => createUser(journey.ctx.db, { username: `photo_${n}` })));
    const { topic } = await createTopic(journey.ctx.db, staffUser, talk, { title: 'Photo contest: the app in the wild', body: '**Rules:** one photo per member. Deadline is in the panel.' });

    const staff = await as('staff_boris');
    await staff.page.goto(`/t/${topic.id}`);
    await Promise.all([staff.page.waitForURL((u) => u.pathname.endsWith('/contest/new')), staff.page.getByRole('link', { name: t('contests.add') }).click()]);
    await staff.page.getByLabel(t('contests.field.deadline')).fill(new Date(Date.now() + 3 * 86400_000).toISOString().slice(0, 16));
    await staff.page.getByLabel(t('contests.mode.reactions'), { exact: false }).check();
    await shots(staff.page, 'contest-new');
    await Promise.all([staff.page.waitForURL((u) => u.pathname === `/t/${topic.id}/${topic.slug}`), staff.page.getByRole('button', { name: t('contests.new.submit') }).click()]);
    await staff.page.locator('#contest.is-open').waitFor();
    for (const u of entrants) await createReply(journey.ctx.db, u, topic.id, `My photo, by ${u.username}: the app on a mountain top at sunrise.`);
    await staff.page.reload();
    await shots(staff.page, 'contest-open');

    // Entries close (time moves on); staff mark winners from the ranking.
    await journey.ctx.db.updateTable('posts').set({ created_at: new Date(Date.now() - 3600_000) }).where('topic_id', '=', topic.id).execute();
    await journey.ctx.db.updateTable('contests').set({ entry_deadline: new Date(Date.now() - 60_000) }).where('topic_id', '=', topic.id).execute();
    await staff.page.goto(`/t/${topic.id}/contest/winners`);
    await shots(staff.page, 'contest-winners-form');
    await Promise.all([staff.page.waitForURL((u) => u.pathname === `/t/${topic.id}/${topic.slug}`), staff.page.getByRole('button', { name: t('contests.winners.submit') }).click()]);
    await staff.page.locator('#contest.is-finished #contest-winners').waitFor();
    expect(await staff.page.locator('#contest-winners li').count()).toBe(3);
    await shots(staff.page, 'contest-finished');
    await staff.page.goto('/');
    expect(await staff.page.locator(`#topic-${topic.id} .contest-label`).textContent()).toContain(t('contests.label.finished'));
    await expect(contests.finishContest(journey.ctx.db, asViewer(staffUser), { id: topic.id, category: { read_access: 'everyone', post_access: 'members' }, deleted_at: null, locked_at: null, reply_count: 3 }, [{ postId: 1, place: 1 }])).rejects.toMatchObject({ messageKey: 'contests.alreadyFinished' });
    expect(staff.problems.take()).toEqual([]);
  });
});
