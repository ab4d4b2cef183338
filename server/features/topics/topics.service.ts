import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Post, Topic } from '../../db/types.js';
import { COOK_VERSION, cook } from '../../content/cook.js';
import { slugify } from '../../lib/slug.js';
import { canPost, canReadTopic, canReply, canStartTopic, isStaff, type Viewer } from '../../policy/index.js';
import { ForbiddenError, NotFoundError, RateLimitedError } from '../../web/errors.js';
import { FormError } from '../../web/forms.js';
import { hit } from '../../web/ratelimit.js';

export const TITLE_MIN = 8;
export const TITLE_MAX = 200;
export const BODY_MAX = 50_000;

/** Collapses runs of white space in a title and trims it. */
export function normalizeTitle(title: string): string {
  return title.replace(/\s+/g, ' ').trim();
}

/** Body rules shared by new topics, replies and edits. */
export function checkBody(body: string, field = 'body'): string {
  const trimmed = body.replace(/\s+$/, '');
  if (!trimmed.trim()) throw new FormError({ [field]: { key: 'errors.required' } });
  if (trimmed.length > BODY_MAX) throw new FormError({ [field]: { key: 'errors.tooLong', params: { limit: BODY_MAX } } });
  return trimmed;
}

/** Options a route passes from config; scripts and factories may leave the limit off. */
export interface PostingOptions {
  /** Posts per user per minute (flood control shared by all instances); undefined = no limit. */
  postsPerMinute?: number;
}

/** Flood control shared by all instances; staff are exempt. Finer per-trust-level limits come with moderation. */
async function checkPostingRate(db: Database, viewer: Viewer, opts: PostingOptions): Promise<void> {
  if (isStaff(viewer) || !opts.postsPerMinute) return;
  const r = await hit(db, `post:user:${viewer.id}`, opts.postsPerMinute, 60);
  if (!r.allowed) throw new RateLimitedError(r.retryAfter);
}

export interface NewTopicInput {
  category_id: number;
  title: string;
  body: string;
}

/** Creates a topic and its first post, and bumps the category's and author's counters, in one transaction. */
/** The title rule (after white space is collapsed), for forms that report every error at once. */
export function checkTitle(raw: unknown): FormError['fields'] {
  if (typeof raw !== 'string') return {};
  const title = normalizeTitle(raw);
  if (title.length < TITLE_MIN) return { title: { key: 'errors.tooShort', params: { limit: TITLE_MIN } } };
  if (title.length > TITLE_MAX) return { title: { key: 'errors.tooLong', params: { limit: TITLE_MAX } } };
  return {};
}

export async function createTopic(db: Database, viewer: Viewer, input: NewTopicInput, opts: PostingOptions = {}): Promise<{ topic: Topic; post: Post }> {
  const errors: FormError['fields'] = checkTitle(input.title);
  const title = normalizeTitle(input.title);
  let body = '';
  try {
    body = checkBody(input.body);
  } catch (err) {
    if (err instanceof FormError) Object.assign(errors, err.fields);
    else throw err;
  }
  const category = await db.selectFrom('categories').selectAll().where('id', '=', input.category_id).executeTakeFirst();
  if (!category || !canStartTopic(viewer, category)) errors.category_id = { key: 'errors.categoryNotAllowed' };
  if (Object.keys(errors).length) throw new FormError(errors);
  await checkPostingRate(db, viewer, opts);

  const html = cook(body);
  return db.transaction().execute(async (trx) => {
    const topic = await trx
      .insertInto('topics')
      .values({ category_id: category!.id, user_id: viewer.id, title, slug: slugify(title), last_post_user_id: viewer.id, last_posted_at: sql`clock_timestamp()` })
      .returningAll()
      .executeTakeFirstOrThrow();
    const post = await trx
      .insertInto('posts')
      .values({ topic_id: topic.id, post_number: 1, user_id: viewer.id, body_md: body, body_html: html, cook_version: COOK_VERSION, created_at: topic.last_posted_at })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('categories')
      .set({ topic_count: sql`topic_count + 1`, post_count: sql`post_count + 1`, last_posted_at: topic.last_posted_at, last_topic_id: topic.id })
      .where('id', '=', category!.id)
      .execute();
    await trx.updateTable('users').set({ topic_count: sql`topic_count + 1`, post_count: sql`post_count + 1` }).where('id', '=', viewer.id).execute();
    return { topic, post };
  });
}

export interface ReplyInput {
  body: string;
  reply_to?: number | null;
}

/**
 * Adds a post to a topic. The topic row is locked first, so concurrent replies get consecutive
 * post numbers with no gaps or duplicates, and every counter moves in the same transaction.
 */
export async function replyToTopic(db: Database, viewer: Viewer, topicId: number, input: ReplyInput, opts: PostingOptions = {}): Promise<Post> {
  const body = checkBody(input.body);
  await checkPostingRate(db, viewer, opts);
  const html = cook(body);
  return db.transaction().execute(async (trx) => {
    const topic = await trx
      .selectFrom('topics')
      .innerJoin('categories', 'categories.id', 'topics.category_id')
      .select(['topics.id', 'topics.category_id', 'topics.locked_at', 'topics.closed_at', 'topics.deleted_at', 'topics.reply_count', 'categories.read_access', 'categories.post_access'])
      .where('topics.id', '=', topicId)
      .forUpdate('topics')
      .executeTakeFirst();
    const state = topic && { ...topic, category: { read_access: topic.read_access, post_access: topic.post_access } };
    if (!state || state.deleted_at || !canReadTopic(viewer, state)) throw new NotFoundError();
    const silencedUntil = viewer.silenced_until;
    if (!canPost(viewer)) throw new ForbiddenError('errors.silenced', { until: silencedUntil?.toISOString() ?? '' });
    if (!canReply(viewer, state)) throw new ForbiddenError('errors.locked');

    let replyTo: number | null = null;
    if (input.reply_to) {
      const parent = await trx.selectFrom('posts').select('id').where('id', '=', input.reply_to).where('topic_id', '=', topicId).executeTakeFirst();
      replyTo = parent?.id ?? null;
    }
    const bumped = await trx
      .updateTable('topics')
      .set({ last_post_number: sql`last_post_number + 1`, reply_count: sql`reply_count + 1`, last_posted_at: sql`clock_timestamp()`, last_post_user_id: viewer.id })
      .where('id', '=', topicId)
      .returning(['last_post_number', 'last_posted_at'])
      .executeTakeFirstOrThrow();
    const post = await trx
      .insertInto('posts')
      .values({
        topic_id: topicId,
        post_number: bumped.last_post_number,
        user_id: viewer.id,
        reply_to_post_id: replyTo,
        body_md: body,
        body_html: html,
        cook_version: COOK_VERSION,
        created_at: bumped.last_posted_at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('categories')
      .set({ post_count: sql`post_count + 1`, last_posted_at: bumped.last_posted_at, last_topic_id: topicId })
      .where('id', '=', state.category_id)
      .execute();
    await trx.updateTable('users').set({ post_count: sql`post_count + 1` }).where('id', '=', viewer.id).execute();
    return post;
  });
}
