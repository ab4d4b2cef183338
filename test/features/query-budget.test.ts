import type { FastifyInstance } from 'fastify';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import type { Category, User } from '../../server/db/types.js';
import * as polls from '../../server/features/polls/polls.service.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import type { Client } from '../helpers/client.js';
import { asViewer, createCategory, createReply, createTopic, createUser } from '../helpers/factories.js';
import * as people from '../helpers/people.js';

// A page's data comes in a fixed number of round trips, whatever the number of posts on it (no N+1), and a feature
// with nothing to show costs none. Counted on an instance whose database handle counts every statement it runs.
class Counter implements KyselyPlugin {
  statements = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.statements += 1;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

let ctx: TestContext;
let app: FastifyInstance;
const counter = new Counter();
let author: User;
let member: User;
let cat: Category;
let memberClient: Client;

beforeAll(async () => {
  ctx = await createTestApp();
  app = await buildApp({ config: ctx.config, db: ctx.db.withPlugin(counter) });
  await app.ready();
  author = await createUser(ctx.db);
  member = await createUser(ctx.db);
  cat = await createCategory(ctx.db, { name: 'Budget', slug: 'budget' });
  memberClient = await people.signedIn(app, member);
});
afterAll(async () => {
  await app.close();
  await ctx.close();
});

/** Statements run while loading `url` (after one load to warm per-instance caches such as the settings). */
async function statementsFor(client: Client, url: string): Promise<number> {
  expect((await client.get(url)).statusCode).toBe(200);
  // The reading-activity buffer writes in the background: flush it first so its statements are not counted.
  await app.activity.flush();
  counter.statements = 0;
  const res = await client.get(url);
  expect(res.statusCode).toBe(200);
  return counter.statements;
}

describe('query budget of the topic page', () => {
  it('guest: the topic and its posts (2); signed in: plus the session (3: the watch state comes with the topic), for 2 posts or 20', async () => {
    const short = (await createTopic(ctx.db, author, cat, { title: 'A short topic here', body: 'One' })).topic;
    await createReply(ctx.db, member, short.id);
    const long = (await createTopic(ctx.db, author, cat, { title: 'A long topic here', body: 'Many' })).topic;
    for (let i = 0; i < 25; i++) await createReply(ctx.db, i % 2 ? member : author, long.id, `Reply ${i}`);
    for (const topic of [short, long]) {
      expect(await statementsFor(people.browser(app), `/t/${topic.id}`)).toBe(2);
      expect(await statementsFor(memberClient, `/t/${topic.id}`)).toBe(3);
    }
    expect(await statementsFor(people.browser(app), `/t/${long.id}?page=2`)).toBe(2);
  });

  it('a topic with a poll adds the poll on its first page only', async () => {
    const { topic } = await createTopic(ctx.db, author, cat, { title: 'A topic with a poll', body: 'Vote' });
    for (let i = 0; i < 21; i++) await createReply(ctx.db, member, topic.id, `Reply ${i}`);
    await polls.createPoll(ctx.db, asViewer(author), topic.id, polls.parsePollInput({ question: 'Which one?', options: ['A', 'B'] }));
    const page1 = await people.browser(app).get(`/t/${topic.id}`);
    expect(page1.body).toContain('Which one?');
    expect(await statementsFor(people.browser(app), `/t/${topic.id}`)).toBe(3);
    expect(await statementsFor(people.browser(app), `/t/${topic.id}?page=2`)).toBe(2);
  });
});
