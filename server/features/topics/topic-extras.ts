import type { Database } from '../../db/index.js';
import type { Viewer } from '../../policy/index.js';
import type { TopicView } from './topics.queries.js';

/**
 * What other features add to a topic page (a poll, an idea's votes and status, the viewer's watch level and
 * bookmarks). Each feature registers one loader from its own module; the topic page runs them all in parallel
 * with its posts query and hands the results to the templates as `it.extras.<name>`. A loader must make at most
 * one query (the topic page's query count is part of the performance budget) and return undefined when it has
 * nothing to add.
 */
export interface TopicExtraContext {
  db: Database;
  viewer: Viewer | null;
  topic: TopicView;
  /** The post numbers shown on this page (from..to), for loaders about posts (e.g. bookmarks). */
  from: number;
  to: number;
}

type Loader = (ctx: TopicExtraContext) => Promise<unknown>;

const loaders = new Map<string, Loader>();

export function registerTopicExtra(name: string, loader: Loader): void {
  loaders.set(name, loader);
}

export async function loadTopicExtras(ctx: TopicExtraContext): Promise<Record<string, unknown>> {
  const entries = await Promise.all([...loaders].map(async ([name, load]) => [name, await load(ctx)] as const));
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
}
