import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { DB, Post, Topic } from '../../db/types.js';
import { COOK_VERSION, cook } from '../../content/cook.js';
import { slugify } from '../../lib/slug.js';
import { canPost, canReadTopic, canReply, canStartTopic, isStaff, isUnverified, type Viewer } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { FormError } from '../../web/forms.js';
import { hit } from '../../web/ratelimit.js';
import { insertQueuedPost, type QueuedPost } from '../moderation/approvals.queries.js';
import { checkPostingLimits, PostingLimitError } from '../moderation/posting-limits.js';
import { approvalNeeded, censorTitle, cookForSave, evaluateContent } from '../moderation/posting-rules.js';
import { getSettings } from '../settings/settings.js';
import { notifyForNewPost } from '../watching/watching.service.js';
import { announceNewPost } from '../../live/events.js';

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

/** The title rule (after white space is collapsed), for forms that report every error at once. */
export function checkTitle(raw: unknown): FormError['fields'] {
  if (typeof raw !== 'string') return {};
  const title = normalizeTitle(raw);
  if (title.length < TITLE_MIN) return { title: { key: 'errors.tooShort', params: { limit: TITLE_MIN } } };
  if (title.length > TITLE_MAX) return { title: { key: 'errors.tooLong', params: { limit: TITLE_MAX } } };
  return {};
}

/** Options a route passes from config; scripts and factories may leave the limits off. */
export interface PostingOptions {
  /** Posts per user per minute (flood control shared by all instances); undefined = no limit. */
  postsPerMinute?: number;
}

/** Flood control shared by all instances; staff are exempt. */
async function checkPostingRate(db: Database, viewer: Viewer, opts: PostingOptions): Promise<void> {
  if (isStaff(viewer) || !opts.postsPerMinute) return;
  const r = await hit(db, `post:user:${viewer.id}`, opts.postsPerMinute, 60);
  if (!r.allowed) throw new PostingLimitError('flood', opts.postsPerMinute, r.retryAfter);
}

export interface NewTopicInput {
  category_id: number;
  title: string;
  body: string;
}

/** Checks a new topic's title, body and category; every error at once (FormError). */
export async function prepareTopic(db: Database, viewer: Viewer, input: NewTopicInput) {
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
  return { title, body, category: category! };
}

export interface TopicDraft {
  categoryId: number;
  title: string;
  body: string;
  /** Set when a held post is approved: the time it was written. */
  createdAt?: Date;
}

/**
 * Writes a topic and its first post and moves every counter, inside the caller's transaction. The one code path
 * for new topics, published at once or approved from the queue (with its original time).
 */
export async function insertTopic(trx: Kysely<DB>, authorId: number, draft: TopicDraft): Promise<{ topic: Topic; post: Post }> {
  const s = (await getSettings(trx)).moderation;
  const title = censorTitle(s, draft.title);
  const at = draft.createdAt ? sql<Date>`${draft.createdAt}::timestamptz` : sql<Date>`clock_timestamp()`;
  const topic = await trx
    .insertInto('topics')
    .values({ category_id: draft.categoryId, user_id: authorId, title, slug: slugify(title), last_post_user_id: authorId, last_posted_at: at, created_at: at })
    .returningAll()
    .executeTakeFirstOrThrow();
  const post = await trx
    .insertInto('posts')
    .values({ topic_id: topic.id, post_number: 1, user_id: authorId, body_md: draft.body, body_html: cookForSave(s, draft.body), cook_version: COOK_VERSION, created_at: topic.last_posted_at })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .updateTable('categories')
    .set({
      topic_count: sql`topic_count + 1`,
      post_count: sql`post_count + 1`,
      // An approved topic keeps its original time; it only becomes the category's latest if it is the newest.
      last_topic_id: sql`case when last_posted_at is null or last_posted_at <= ${topic.last_posted_at} then ${topic.id} else last_topic_id end`,
      last_posted_at: sql`greatest(last_posted_at, ${topic.last_posted_at}::timestamptz)`,
    })
    .where('id', '=', draft.categoryId)
    .execute();
  await trx.updateTable('users').set({ topic_count: sql`topic_count + 1`, post_count: sql`post_count + 1` }).where('id', '=', authorId).execute();
  await notifyForNewPost(trx, { post, topic });
  await announceNewPost(trx, post);
  return { topic, post };
}

/** Creates a topic and its first post at once (no posting rules: scripts, factories and approvals). */
export async function createTopic(db: Database, viewer: Viewer, input: NewTopicInput, opts: PostingOptions = {}): Promise<{ topic: Topic; post: Post }> {
  const { title, body, category } = await prepareTopic(db, viewer, input);
  await checkPostingRate(db, viewer, opts);
  return db.transaction().execute((trx) => insertTopic(trx, viewer.id, { categoryId: category.id, title, body }));
}

/** A post that went to the approval queue instead of appearing. */
export interface Held {
  queued: QueuedPost;
}

/** Current author row for the pre-moderation count (the session's viewer does not carry it). */
async function authorPostCount(db: Database, userId: number): Promise<{ post_count: number }> {
  return db.selectFrom('users').select('post_count').where('id', '=', userId).executeTakeFirstOrThrow();
}

/**
 * A member starts a topic through the web: the content rules (refuse with 422, or hold), the posting limits
 * (PostingLimitError, 429), then either the topic is created or the draft waits in the approval queue.
 */
export async function submitTopic(db: Database, viewer: Viewer, input: NewTopicInput, opts: PostingOptions = {}): Promise<{ topic: Topic; post: Post } | Held> {
  const { title, body, category } = await prepareTopic(db, viewer, input);
  const s = (await getSettings(db)).moderation;
  const verdict = evaluateContent(s, viewer, { title, body, html: cook(body) });
  if ('refuse' in verdict) throw new FormError({ [verdict.refuse.field]: { key: verdict.refuse.key, params: verdict.refuse.params } });
  await checkPostingRate(db, viewer, opts);
  await checkPostingLimits(db, viewer, s, { kind: 'topic' });
  const hold = verdict.hold ?? approvalNeeded(s, viewer, await authorPostCount(db, viewer.id), category);
  if (hold) return { queued: await insertQueuedPost(db, { user_id: viewer.id, category_id: category.id, title, body_md: body, held_reason: hold }) };
  return db.transaction().execute((trx) => insertTopic(trx, viewer.id, { categoryId: category.id, title, body }));
}

export interface ReplyInput {
  body: string;
  reply_to?: number | null;
}

export interface ReplyDraft {
  body: string;
  replyTo: number | null;
  createdAt?: Date;
}

/**
 * Writes a reply inside the caller's transaction, after the caller locked the topic row (FOR UPDATE), so
 * concurrent replies get consecutive post numbers with no gaps or duplicates, and every counter moves with it.
 * An approved reply keeps its original time but takes the next number: numbering stays gapless.
 */
export async function insertReply(trx: Kysely<DB>, authorId: number, topic: { id: number; category_id: number }, draft: ReplyDraft): Promise<Post> {
  const s = (await getSettings(trx)).moderation;
  let replyTo: number | null = null;
  if (draft.replyTo) {
    const parent = await trx.selectFrom('posts').select('id').where('id', '=', draft.replyTo).where('topic_id', '=', topic.id).executeTakeFirst();
    replyTo = parent?.id ?? null;
  }
  const at = draft.createdAt ? sql<Date>`${draft.createdAt}::timestamptz` : sql<Date>`clock_timestamp()`;
  const bumped = await trx
    .updateTable('topics')
    .set({
      last_post_number: sql`last_post_number + 1`,
      reply_count: sql`reply_count + 1`,
      last_post_user_id: sql`case when last_posted_at <= ${at} then ${authorId}::integer else last_post_user_id end`,
      last_posted_at: sql`greatest(last_posted_at, ${at})`,
    })
    .where('id', '=', topic.id)
    .returning(['last_post_number', 'last_posted_at'])
    .executeTakeFirstOrThrow();
  const post = await trx
    .insertInto('posts')
    .values({
      topic_id: topic.id,
      post_number: bumped.last_post_number,
      user_id: authorId,
      reply_to_post_id: replyTo,
      body_md: draft.body,
      body_html: cookForSave(s, draft.body),
      cook_version: COOK_VERSION,
      created_at: draft.createdAt ?? bumped.last_posted_at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .updateTable('categories')
    .set({
      last_topic_id: sql`case when last_posted_at is null or last_posted_at <= ${post.created_at} then ${topic.id} else last_topic_id end`,
      post_count: sql`post_count + 1`,
      last_posted_at: sql`greatest(last_posted_at, ${post.created_at}::timestamptz)`,
    })
    .where('id', '=', topic.category_id)
    .execute();
  await trx.updateTable('users').set({ post_count: sql`post_count + 1` }).where('id', '=', authorId).execute();
  await notifyForNewPost(trx, { post, topic });
  // Open pages of this topic and the bells of those told learn of it once it commits (ids only; see live/hub.ts).
  await announceNewPost(trx, post);
  return post;
}

/** The topic as a reply needs it (with its category's access and approval rule); not locked. */
function topicForReply(db: Kysely<DB>, topicId: number) {
  return db
    .selectFrom('topics')
    .innerJoin('categories', 'categories.id', 'topics.category_id')
    .select([
      'topics.id', 'topics.category_id', 'topics.locked_at', 'topics.closed_at', 'topics.deleted_at', 'topics.reply_count', 'topics.slow_mode_seconds',
      'categories.read_access', 'categories.post_access', 'categories.approval_below_tl',
      sql<Date | null>`(select c.entry_deadline from contests c where c.topic_id = topics.id)`.as('contest_deadline'),
    ])
    .where('topics.id', '=', topicId);
}

/** Who may reply to this topic (404 unseen or deleted, 403 silenced or locked). */
function authorizeReply(viewer: Viewer, topic: Awaited<ReturnType<ReturnType<typeof topicForReply>['executeTakeFirst']>>) {
  const state = topic && { ...topic, category: { read_access: topic.read_access, post_access: topic.post_access } };
  if (!state || state.deleted_at || !canReadTopic(viewer, state)) throw new NotFoundError();
  const silencedUntil = viewer.silenced_until;
  if (isUnverified(viewer)) throw new ForbiddenError('verify.required');
  if (!canPost(viewer)) throw new ForbiddenError('errors.silenced', { until: silencedUntil?.toISOString() ?? '' });
  if (!canReply(viewer, state)) throw new ForbiddenError(state.closed_at ? 'errors.closed' : state.contest_deadline && !state.locked_at ? 'contests.entriesClosed' : 'errors.locked');
  return state;
}

/** Adds a post to a topic at once (no posting rules: scripts, factories). */
export async function replyToTopic(db: Database, viewer: Viewer, topicId: number, input: ReplyInput, opts: PostingOptions = {}): Promise<Post> {
  const body = checkBody(input.body);
  await checkPostingRate(db, viewer, opts);
  return db.transaction().execute(async (trx) => {
    const topic = authorizeReply(viewer, await topicForReply(trx, topicId).forUpdate('topics').executeTakeFirst());
    return insertReply(trx, viewer.id, topic, { body, replyTo: input.reply_to ?? null });
  });
}

/** A member replies through the web: content rules, limits (with the topic's slow mode), then posted or held. */
export async function submitReply(db: Database, viewer: Viewer, topicId: number, input: ReplyInput, opts: PostingOptions = {}): Promise<Post | Held> {
  const body = checkBody(input.body);
  const topic = authorizeReply(viewer, await topicForReply(db, topicId).executeTakeFirst());
  const s = (await getSettings(db)).moderation;
  const verdict = evaluateContent(s, viewer, { body, html: cook(body) });
  if ('refuse' in verdict) throw new FormError({ [verdict.refuse.field]: { key: verdict.refuse.key, params: verdict.refuse.params } });
  await checkPostingRate(db, viewer, opts);
  await checkPostingLimits(db, viewer, s, { kind: 'reply', topicId, slowModeSeconds: topic.slow_mode_seconds });
  const hold = verdict.hold ?? approvalNeeded(s, viewer, await authorPostCount(db, viewer.id), topic);
  if (hold) {
    const replyTo = input.reply_to ? ((await db.selectFrom('posts').select('id').where('id', '=', input.reply_to).where('topic_id', '=', topicId).executeTakeFirst())?.id ?? null) : null;
    return { queued: await insertQueuedPost(db, { user_id: viewer.id, topic_id: topicId, body_md: body, reply_to_post_id: replyTo, held_reason: hold }) };
  }
  return replyToTopic(db, viewer, topicId, input);
}
