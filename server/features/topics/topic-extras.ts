import type { AliasedRawBuilder, RawBuilder } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Viewer } from '../../policy/index.js';
import { FIELD_PREFIX, type TopicView } from './topics.queries.js';

/**
 * What other features add to a topic page (a poll, an idea's votes and status, the viewer's watch level and
 * bookmarks). Each feature registers one loader from its own module; the topic page runs them all in parallel
 * with its posts query and hands the results to the templates as `it.extras.<name>`. A loader must make at most
 * one query (the topic page's query count is part of the performance budget) and return undefined when it has
 * nothing to add.
 *
 * A loader whose data is a few values about the topic for this viewer can instead register a field: a scalar
 * subquery (correlated with `topics`) that the topic page selects with the topic itself, costing no round trip of
 * its own. The loader then finds the value in `topic.fields[name]` — absent when the topic was loaded without
 * fields (e.g. a page re-rendered after a failed reply), in which case it makes its query as usual.
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

/** What a field's subquery may depend on: who is looking, and which posts the page shows. */
export interface TopicFieldContext {
  viewer: Viewer | null;
  from: number;
  to: number;
}

type Field = (ctx: TopicFieldContext) => RawBuilder<unknown> | null;

const fields = new Map<string, Field>();

/** A column for the topic page's topic query (null: nothing to select for this viewer). */
export function registerTopicField(name: string, field: Field): void {
  fields.set(name, field);
}

/** The registered fields for this page view, to pass to findTopicForViewer. */
export function topicFields(ctx: TopicFieldContext): AliasedRawBuilder<unknown, string>[] {
  const out: AliasedRawBuilder<unknown, string>[] = [];
  for (const [name, field] of fields) {
    const expr = field(ctx);
    if (expr) out.push(expr.as(`${FIELD_PREFIX}${name}`));
  }
  return out;
}

export async function loadTopicExtras(ctx: TopicExtraContext): Promise<Record<string, unknown>> {
  const entries = await Promise.all([...loaders].map(async ([name, load]) => [name, await load(ctx)] as const));
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
}
