import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { cook, quoteMarkdown } from '../../content/cook.js';
import { parseId } from '../../lib/ids.js';
import {
  canDeletePost, canEditPost, canFlag, canHidePost, canPost, canReact, canReply, canRestorePost, canSeePostBody, canUnhidePost, canViewRevisions, type Viewer,
} from '../../policy/index.js';
import { NotFoundError, RateLimitedError } from '../../web/errors.js';
import { type FieldErrors, fieldErrors, FormError, formValues } from '../../web/forms.js';
import { isHtmx, redirect, render } from '../../web/render.js';
import { listPostableCategories } from '../categories/categories.queries.js';
import { findPostForViewer } from '../posts/posts.queries.js';
import { getSettings } from '../settings/settings.js';
import * as q from './topics.queries.js';
import { NewTopicBody, NewTopicQuery, PreviewBody, ReplyBody, ReplyFormQuery, TopicParams, TopicQuery } from './topics.schemas.js';
import * as service from './topics.service.js';
import * as drafts from '../drafts/drafts.service.js';
import { awardAfterCommit } from '../badges/badges.service.js';
import { limitMessage } from '../moderation/posting-limits.js';
import { loadTopicExtras, topicFields } from './topic-extras.js';
import { findMergeTarget } from '../moderation/topic-tools.queries.js';

export function topicUrl(topic: { id: number; slug: string }, page = 1, postId?: number): string {
  return `/t/${topic.id}/${topic.slug}${page > 1 ? `?page=${page}` : ''}${postId ? `#post-${postId}` : ''}`;
}

export function pageOf(postNumber: number): number {
  return Math.ceil(postNumber / q.POSTS_PER_PAGE);
}

/** What the viewer may do to each post, decided by policy once per post (pure, no queries). */
export function postPermissions(viewer: Viewer | null, topic: q.TopicView, post: q.PostRow, editWindowHours: number) {
  return {
    seeBody: canSeePostBody(viewer, post),
    edit: canEditPost(viewer, topic, post, editWindowHours),
    delete: canDeletePost(viewer, topic, post),
    restore: canRestorePost(viewer, topic, post),
    history: post.revision_count > 0 && canViewRevisions(viewer, topic, post),
    reply: canReply(viewer, topic),
    react: canReact(viewer, topic, post),
    flag: canFlag(viewer, topic, post),
    hide: canHidePost(viewer, topic, post),
    unhide: canUnhidePost(viewer, topic, post),
  };
}

export default async function topicsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db, config } = app;

  async function newTopicPage(request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: FieldErrors = {}, status = 200) {
    const categories = await listPostableCategories(db, request.viewer);
    return render(request, reply, { page: 'topics/new', title: request.i18n.t('newTopic.title'), status, data: { categories, values, errors } });
  }

  app.get('/new', { schema: { querystring: NewTopicQuery } }, async (request, reply) => {
    if (!request.viewer) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    return newTopicPage(request, reply, await drafts.newTopicValues(db, request.viewer.id, { category_id: request.query.category ?? '' }));
  });

  app.post('/t', { schema: { body: NewTopicBody }, attachValidation: true }, async (request, reply) => {
    const viewer = request.viewer;
    if (!viewer) return reply.redirect('/login?next=/new', 303);
    const values = formValues(request);
    if (request.validationError) {
      const rules = fieldErrors(request.i18n, new FormError(service.checkTitle((request.body as { title?: unknown } | undefined)?.title)));
      return newTopicPage(request, reply, values, { ...rules, ...fieldErrors(request.i18n, request.validationError) }, 422);
    }
    try {
      const categoryId = parseId(request.body.category_id) ?? 0;
      const result = await service.submitTopic(db, viewer, { ...request.body, category_id: categoryId }, { postsPerMinute: config.postsPerMinute });
      await drafts.discardDraft(db, viewer.id, drafts.NEW_TOPIC);
      if ('queued' in result) return redirect(request, reply, `/my/pending?held=${result.queued.id}`);
      return redirect(request, reply, topicUrl(result.topic, 1, result.post.id));
    } catch (err) {
      if (err instanceof FormError) return newTopicPage(request, reply, values, fieldErrors(request.i18n, err), 422);
      if (err instanceof RateLimitedError) {
        reply.header('Retry-After', String(err.retryAfter));
        return newTopicPage(request, reply, values, { form: limitMessage(request.i18n, err) }, 429);
      }
      throw err;
    }
  });

  app.post('/preview', { schema: { body: PreviewBody } }, async (request, reply) => {
    const html = cook(request.body.body ?? '');
    return render(request, reply, { page: 'topics/_preview', data: { preview_html: html } });
  });

  async function loadTopic(request: FastifyRequest, rawId: string) {
    const id = parseId(rawId);
    const topic = id && (await q.findTopicForViewer(db, request.viewer, id));
    if (!topic) throw new NotFoundError();
    return topic;
  }

  async function topicPage(request: FastifyRequest, reply: FastifyReply, topic: q.TopicView, page: number, form: Record<string, unknown> = {}, status = 200) {
    const pages = Math.max(1, pageOf(topic.last_post_number));
    if (page > pages) throw new NotFoundError();
    const from = (page - 1) * q.POSTS_PER_PAGE + 1;
    const viewer = request.viewer;
    const to = from + q.POSTS_PER_PAGE - 1;
    const [posts, settings, extras] = await Promise.all([
      q.listPostRange(db, topic.id, from, to, viewer?.id ?? null),
      getSettings(db),
      loadTopicExtras({ db, viewer, topic, from, to }),
    ]);
    if (viewer) app.activity.recordTopicView(viewer.id, topic.id, posts.at(-1)?.post_number ?? 0);
    const items = posts.map((post) => ({ post, can: postPermissions(viewer, topic, post, config.newUserEditWindowHours), mine: post.my_reactions }));
    return render(request, reply, {
      page: 'topics/show',
      title: topic.title,
      status,
      data: {
        topic,
        items,
        page,
        pages,
        canReply: canReply(viewer, topic),
        silenced: !!viewer && !canPost(viewer),
        reactionSet: settings.reactions,
        extras,
        form: { values: {}, errors: {}, ...form },
        topicUrl,
      },
    });
  }

  const showTopic = async (request: FastifyRequest<{ Params: { id: string }; Querystring: { page?: string } }>, reply: FastifyReply) => {
    const id = parseId(request.params.id);
    const page = Number(request.query.page ?? 1);
    const from = (page - 1) * q.POSTS_PER_PAGE + 1;
    // Features' fields about this viewer come with the topic, in its round trip (topic-extras.ts).
    const fields = topicFields({ viewer: request.viewer, from, to: from + q.POSTS_PER_PAGE - 1 });
    const topic = id ? await q.findTopicForViewer(db, request.viewer, id, fields) : undefined;
    // A merged topic's old address leads to where its posts went (looked up only when the topic is gone or merged,
    // so a normal page view costs nothing extra; the lookup answers nothing for a category the viewer cannot read).
    if (id && (!topic || topic.merged_into_id)) {
      const merged = await findMergeTarget(db, request.viewer, id);
      if (merged) return reply.redirect(topicUrl(merged), 301);
    }
    if (!topic) throw new NotFoundError();
    return topicPage(request, reply, topic, page);
  };
  app.get('/t/:id', { schema: { params: TopicParams, querystring: TopicQuery }, config: { guestCache: 'topic' } }, showTopic);
  app.get('/t/:id/:slug', { schema: { params: TopicParams, querystring: TopicQuery }, config: { guestCache: 'topic' } }, showTopic);

  /** The reply form alone (htmx: swapped in place, e.g. for a quote) or on its own page without JavaScript. */
  app.get('/t/:id/reply', { schema: { params: TopicParams, querystring: ReplyFormQuery } }, async (request, reply) => {
    const topic = await loadTopic(request, request.params.id);
    if (!request.viewer) return reply.redirect(`/login?next=${encodeURIComponent(topicUrl(topic))}`, 303);
    const values: Record<string, string> = {};
    const quoteId = parseId(request.query.quote);
    if (quoteId) {
      const found = await findPostForViewer(db, request.viewer, quoteId);
      if (found && found.post.topic_id === topic.id && canSeePostBody(request.viewer, found.post)) {
        values.body = quoteMarkdown(found.post.username, found.post.body_md);
        values.reply_to = String(found.post.id);
      }
    }
    if (request.viewer.has_drafts) values.body = await drafts.replyFormBody(db, request.viewer.id, topic.id, values.body);
    const data = { topic, form: { values, errors: {} }, canReply: canReply(request.viewer, topic), silenced: !canPost(request.viewer), topicUrl };
    return render(request, reply, { page: 'topics/reply', fragment: 'topics/_reply_form', title: topic.title, data });
  });

  app.post('/t/:id/posts', { schema: { params: TopicParams, body: ReplyBody }, attachValidation: true }, async (request, reply) => {
    const topic = await loadTopic(request, request.params.id);
    const viewer = request.viewer;
    if (!viewer) return reply.redirect(`/login?next=${encodeURIComponent(topicUrl(topic))}`, 303);
    const values = formValues(request);
    const failed = async (errors: FieldErrors, status = 422) => {
      if (isHtmx(request)) {
        reply.header('HX-Retarget', '#reply-form').header('HX-Reswap', 'outerHTML');
        const data = { topic, form: { values, errors }, canReply: true, silenced: false, topicUrl };
        return render(request, reply, { page: 'topics/_reply_form', status, data });
      }
      return topicPage(request, reply, topic, pageOf(topic.last_post_number), { values, errors }, status);
    };
    if (request.validationError) return failed(fieldErrors(request.i18n, request.validationError));
    try {
      const post = await service.submitReply(db, viewer, topic.id, { body: request.body.body, reply_to: parseId(request.body.reply_to) }, { postsPerMinute: config.postsPerMinute });
      await drafts.discardDraft(db, viewer.id, drafts.replyKey(topic.id));
      if ('queued' in post) {
        if (!isHtmx(request)) return reply.redirect(`/my/pending?held=${post.queued.id}`, 303);
        const data = { topic, held: post.queued, form: { values: {}, errors: {} }, canReply: true, silenced: false, topicUrl };
        return render(request, reply, { page: 'topics/_reply_result', status: 202, data });
      }
      await awardAfterCommit(db, [viewer.id], request.log);
      if (!isHtmx(request)) return reply.redirect(topicUrl(topic, pageOf(post.post_number), post.id), 303);
      const [row] = await q.listPostRange(db, topic.id, post.post_number, post.post_number);
      // The topic as it is now (counts include this reply) for the out-of-band header update.
      const fresh = (await q.findTopicForViewer(db, viewer, topic.id)) ?? topic;
      const item = { post: row!, can: postPermissions(viewer, fresh, row!, config.newUserEditWindowHours) };
      const data = { topic: fresh, item, form: { values: {}, errors: {} }, canReply: true, silenced: false, topicUrl };
      return render(request, reply, { page: 'topics/_reply_result', status: 201, data });
    } catch (err) {
      if (err instanceof FormError) return failed(fieldErrors(request.i18n, err));
      if (err instanceof RateLimitedError) {
        reply.header('Retry-After', String(err.retryAfter));
        return failed({ form: limitMessage(request.i18n, err) }, 429);
      }
      throw err;
    }
  });

  // The author's own held and rejected posts (/my/pending). Registered here, beside the posting path it serves.
}
