import { forgetCachedSettings } from '../../server/features/settings/settings.js';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/index.js';
import { migrateToLatest } from '../../server/db/migrator.js';
import type { Category, User } from '../../server/db/types.js';
import { reactionCountDrift } from '../../server/features/reactions/reactions.queries.js';
import { addReputationEvent, CREDIT_PROVIDERS, type CreditProvider, reconcilePostReputation } from '../../server/features/reputation/ledger.js';
import { reputationDrift } from '../../server/features/reputation/reputation.queries.js';
import { DEFAULT_SETTINGS, getSettings, InvalidSettingError, resetSettings, updateSettings } from '../../server/features/settings/settings.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { Client } from '../helpers/client.js';
import { createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import * as people from '../helpers/people.js';

let ctx: TestContext;
let cat: Category;
let moderator: User;

beforeAll(async () => {
  ctx = await createTestApp();
  cat = await createCategory(ctx.db);
  moderator = await createUser(ctx.db, { role: 'moderator' });
});
afterAll(async () => ctx.close());
afterEach(async () => resetSettings(ctx.db));

const signedIn = (user: User) => people.signedIn(ctx.app, user);

async function reputationOf(user: User): Promise<number> {
  return (await ctx.db.selectFrom('users').select('reputation').where('id', '=', user.id).executeTakeFirstOrThrow()).reputation;
}

function eventsFor(user: User) {
  return ctx.db.selectFrom('reputation_events').select(['delta', 'reason', 'source', 'post_id', 'actor_id']).where('user_id', '=', user.id).orderBy('id').execute();
}

async function expectConsistent() {
  expect(await reputationDrift(ctx.db)).toEqual([]);
  expect(await reactionCountDrift(ctx.db)).toEqual([]);
}

async function authoredPost() {
  const author = await createUser(ctx.db);
  const { topic } = await createTopic(ctx.db, author, cat);
  const post = await createReply(ctx.db, author, topic.id, 'An answer people like.');
  return { author, topic, post };
}

/** The same signed-in browser, talking to another app instance (shares the cookie jar). */
function on(c: Client, app: Client['app']): Client {
  return Object.assign(Object.create(Client.prototype) as Client, c, { app });
}

const react = (c: Client, postId: number, reaction: string) => c.post(`/posts/${postId}/reactions`, { reaction });

describe('the ledger', () => {
  it('credits the author per reaction (source, actor, post) and takes it back when the reaction is withdrawn; 😡 counts 0', async () => {
    const { author, post } = await authoredPost();
    const fan = await createUser(ctx.db);
    const c = await signedIn(fan);
    await react(c, post.id, 'thumbs_up');
    await react(c, post.id, 'angry');
    expect(await reputationOf(author)).toBe(1);
    const reaction = await ctx.db.selectFrom('reactions').select('id').where('post_id', '=', post.id).where('kind', '=', 'thumbs_up').executeTakeFirstOrThrow();
    expect(await eventsFor(author)).toEqual([{ delta: 1, reason: 'reaction', source: `reaction:${reaction.id}`, post_id: post.id, actor_id: fan.id }]);

    await react(c, post.id, 'thumbs_up');
    expect(await reputationOf(author)).toBe(0);
    expect((await eventsFor(author)).at(-1)).toEqual({ delta: -1, reason: 'reaction_removed', source: `reaction:${reaction.id}`, post_id: post.id, actor_id: fan.id });
    // The reacting user gains nothing.
    expect(await reputationOf(fan)).toBe(0);
    await expectConsistent();
  });

  it('uses the weights in settings; a reaction keeps the weight it was given with', async () => {
    const { author, post } = await authoredPost();
    const early = await signedIn(await createUser(ctx.db));
    await react(early, post.id, 'heart');
    const reactions = DEFAULT_SETTINGS.reactions.map((r) => (r.key === 'heart' ? { ...r, weight: 3 } : r));
    await updateSettings(ctx.db, { reactions });
    await react(await signedIn(await createUser(ctx.db)), post.id, 'heart');
    expect(await reputationOf(author)).toBe(4);
    await react(early, post.id, 'heart');
    expect(await reputationOf(author)).toBe(3);
    await expectConsistent();
  });

  it('deleting a post takes its reputation away and restoring gives it back', async () => {
    const { author, post } = await authoredPost();
    for (const kind of ['thumbs_up', 'heart', 'wow']) await react(await signedIn(await createUser(ctx.db)), post.id, kind);
    expect(await reputationOf(author)).toBe(3);

    const m = await signedIn(moderator);
    expect((await m.post(`/posts/${post.id}/delete`)).statusCode).toBe(303);
    expect(await reputationOf(author)).toBe(0);
    const removed = (await eventsFor(author)).slice(-3);
    expect(removed.map((e) => [e.delta, e.reason])).toEqual([[-1, 'post_removed'], [-1, 'post_removed'], [-1, 'post_removed']]);
    // The reactions themselves are kept (nothing is lost) and still counted on the post.
    expect(await ctx.db.selectFrom('reactions').select('id').where('post_id', '=', post.id).execute()).toHaveLength(3);

    expect((await m.post(`/posts/${post.id}/restore`)).statusCode).toBe(303);
    expect(await reputationOf(author)).toBe(3);
    expect((await eventsFor(author)).slice(-3).map((e) => e.reason)).toEqual(['post_restored', 'post_restored', 'post_restored']);

    // The author deleting their own reply loses it too.
    expect((await (await signedIn(author)).post(`/posts/${post.id}/delete`)).statusCode).toBe(303);
    expect(await reputationOf(author)).toBe(0);
    await expectConsistent();
  });

  it('a post hidden by moderation carries no reputation; reconciliation is idempotent', async () => {
    const { author, post } = await authoredPost();
    await react(await signedIn(await createUser(ctx.db)), post.id, 'laugh');
    await ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('posts').set({ hidden_at: new Date(), hidden_reason: 'flags' }).where('id', '=', post.id).execute();
      expect((await reconcilePostReputation(trx, post.id)).map((e) => e.reason)).toEqual(['post_removed']);
    });
    expect(await reputationOf(author)).toBe(0);
    await ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('posts').set({ hidden_at: null, hidden_reason: null }).where('id', '=', post.id).execute();
      expect((await reconcilePostReputation(trx, post.id)).map((e) => e.reason)).toEqual(['post_restored']);
      expect(await reconcilePostReputation(trx, post.id)).toEqual([]);
    });
    expect(await reputationOf(author)).toBe(1);
    await expectConsistent();
  });

  it('takes credits from further providers (e.g. a bounty) and leaves sources nobody claims alone', async () => {
    const { author, post } = await authoredPost();
    const asker = await createUser(ctx.db);
    let offered = true;
    // A made-up cause shaped like accepted answers: a credit to the author and one to the asker.
    const bounty: CreditProvider = {
      prefixes: ['bounty:', 'bounty_fee:'],
      removedReason: 'bounty_removed',
      async credits(_trx, p) {
        if (!offered) return [];
        return [
          { source: `bounty:${p.id}`, user_id: p.user_id, delta: 15, reason: 'bounty', actor_id: asker.id },
          { source: `bounty_fee:${p.id}`, user_id: asker.id, delta: 2, reason: 'bounty_fee', actor_id: asker.id },
        ];
      },
    };
    await ctx.db.transaction().execute((trx) => reconcilePostReputation(trx, post.id, [...CREDIT_PROVIDERS, bounty]));
    expect([await reputationOf(author), await reputationOf(asker)]).toEqual([15, 2]);
    // A reaction toggle reconciles with the registered providers only: the unclaimed bounty credits stay.
    await react(await signedIn(await createUser(ctx.db)), post.id, 'heart');
    expect([await reputationOf(author), await reputationOf(asker)]).toEqual([16, 2]);

    // Registered as a provider, every reconciliation (here: a delete, then a restore) includes it.
    CREDIT_PROVIDERS.push(bounty);
    try {
      await (await signedIn(moderator)).post(`/posts/${post.id}/delete`);
      expect([await reputationOf(author), await reputationOf(asker)]).toEqual([0, 0]);
      await (await signedIn(moderator)).post(`/posts/${post.id}/restore`);
      expect([await reputationOf(author), await reputationOf(asker)]).toEqual([16, 2]);
      offered = false;
      const events = await ctx.db.transaction().execute((trx) => reconcilePostReputation(trx, post.id));
      expect(events.map((e) => [e.source, e.delta, e.reason]).sort()).toEqual([
        [`bounty:${post.id}`, -15, 'bounty_removed'],
        [`bounty_fee:${post.id}`, -2, 'bounty_removed'],
      ]);
    } finally {
      CREDIT_PROVIDERS.splice(CREDIT_PROVIDERS.indexOf(bounty), 1);
    }
    expect([await reputationOf(author), await reputationOf(asker)]).toEqual([1, 0]);
    await expectConsistent();
  });

  it('records events outside any post, but refuses a source reconciliation manages', async () => {
    const user = await createUser(ctx.db);
    await ctx.db.transaction().execute((trx) => addReputationEvent(trx, { user_id: user.id, delta: 5, reason: 'staff_bonus', source: 'staff:1', actor_id: moderator.id }));
    expect(await reputationOf(user)).toBe(5);
    await expect(ctx.db.transaction().execute((trx) => addReputationEvent(trx, { user_id: user.id, delta: 5, reason: 'x', source: 'reaction:1' }))).rejects.toThrow(/managed/);
    expect(await reputationOf(user)).toBe(5);
    await expectConsistent();
  });

  it('stays equal to the ledger after concurrent reactions, deletes and restores', async () => {
    const posts = await Promise.all(Array.from({ length: 4 }, () => authoredPost()));
    const fans = await Promise.all(Array.from({ length: 8 }, () => createUser(ctx.db).then(signedIn)));
    const m = await signedIn(moderator);
    const second = await ctx.another();
    const work: Promise<unknown>[] = [];
    posts.forEach(({ post }, i) => {
      fans.forEach((c, j) => work.push(react(on(c, j % 2 ? second : ctx.app), post.id, j % 3 ? 'heart' : 'thumbs_up')));
      work.push(m.post(`/posts/${post.id}/delete`));
      if (i % 2) work.push(m.post(`/posts/${post.id}/restore`));
    });
    await Promise.all(work);
    await expectConsistent();
  });
});

describe('drift detection (npm run check)', () => {
  it('reports users whose reputation differs from the ledger and posts whose counts differ from a fresh count', async () => {
    const { author, post } = await authoredPost();
    await react(await signedIn(await createUser(ctx.db)), post.id, 'heart');
    await ctx.db.updateTable('users').set({ reputation: 99 }).where('id', '=', author.id).execute();
    await ctx.db.updateTable('posts').set({ reaction_counts: '{"heart": 5}' }).where('id', '=', post.id).execute();
    expect(await reputationDrift(ctx.db)).toEqual([{ id: author.id, reputation: 99, ledger: 1 }]);
    expect(await reactionCountDrift(ctx.db)).toEqual([post.id]);
    await ctx.db.updateTable('users').set({ reputation: 1 }).where('id', '=', author.id).execute();
    await ctx.db.updateTable('posts').set({ reaction_counts: '{"heart": 1}' }).where('id', '=', post.id).execute();
    await expectConsistent();
  });

  it('the check command prints the drift and exits non-zero', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'veche-check-'));
    try {
      const handle = await openDatabase({ url: null, dataDir: path.join(dir, 'pglite') });
      await migrateToLatest(handle.db);
      const user = await createUser(handle.db);
      await handle.db.updateTable('users').set({ reputation: 7 }).where('id', '=', user.id).execute();
      await handle.close();
      // A clean environment: the test runner's own variables (BASE_URL …) are not the CLI's configuration.
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'development', DATA_DIR: dir };
      const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'server/cli/check.ts'], { env }).catch((err: { code: number; stdout: string; stderr: string }) => err);
      expect({ code: 'code' in result ? result.code : 0, stderr: result.stderr }).toEqual({ code: 1, stderr: '' });
      expect(result.stdout).toContain(`user ${user.id}: reputation 7 differs from the ledger's sum 0`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // Two PGlite start-ups on disk (ours and the command's) take a few seconds each.
  }, 90_000);
});

describe('settings', () => {
  it('merges stored values over typed defaults, validates updates and ignores stored garbage', async () => {
    expect(await getSettings(ctx.db)).toEqual(DEFAULT_SETTINGS);
    const next = await updateSettings(ctx.db, { reputation: { accepted_answer: 20, accept_own: 3 } });
    expect(next.reputation).toEqual({ accepted_answer: 20, accept_own: 3 });
    expect(next.reactions).toEqual(DEFAULT_SETTINGS.reactions);
    await expect(updateSettings(ctx.db, { reaction_daily_limits: [1, 2, 3] })).rejects.toBeInstanceOf(InvalidSettingError);
    await expect(updateSettings(ctx.db, { reactions: [{ key: 'Bad Key', emoji: '👍', weight: 1 }] })).rejects.toBeInstanceOf(InvalidSettingError);
    await expect(updateSettings(ctx.db, { reactions: [] })).rejects.toBeInstanceOf(InvalidSettingError);
    await ctx.db.insertInto('settings').values({ key: 'reaction_daily_limits', value: '"lots"' }).execute();
    forgetCachedSettings(ctx.db);
    const merged = await getSettings(ctx.db);
    expect(merged.reaction_daily_limits).toEqual(DEFAULT_SETTINGS.reaction_daily_limits);
    expect(merged.reputation.accepted_answer).toBe(20);
  });
});
