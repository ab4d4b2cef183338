import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { parseId } from '../../lib/ids.js';
import { canUseTopicTools, type Viewer } from '../../policy/index.js';
import { NotFoundError } from '../../web/errors.js';
import { type FieldErrors, fieldErrors, FormError, formValues } from '../../web/forms.js';
import { isHtmx, redirect, render } from '../../web/render.js';
import { listVisibleCategories } from '../categories/categories.queries.js';
import { findTopicForViewer, listPostRange, type TopicView } from '../topics/topics.queries.js';
import { topicUrl } from '../topics/topics.routes.js';
import { mergeTopics, splitTopic } from './topic-tools.restructure.js';
import { MergeBody, MoveBody, SlowModeBody, SplitBody, SplitQuery, ToggleBody, ToolParams } from './topic-tools.schemas.js';
import { moveTopic, setSlowMode, TOGGLES, type Toggle, toggleTopic } from './topic-tools.service.js';

/** Posts listed per page on the split form. */
const SPLIT_PAGE = 100;

/** The target of a merge from what the moderator typed: a topic id or a pasted topic URL. */
export function parseTopicRef(raw: string): number | null {
  const m = /^\s*(?:(?:https?:\/\/[^/\s]+)?\/t\/)?([1-9][0-9]{0,9})(?:[/?#]\S*)?\s*$/.exec(raw);
  return m ? parseId(m[1]) : null;
}

/** Topic tools under /mod (the plugin's guard has already refused non-moderators). */
export default async function topicToolsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  /** The topic if this moderator may use the tools on it; otherwise it does not exist for them. */
  async function loadTopic(request: FastifyRequest, rawId: string): Promise<{ topic: TopicView; viewer: Viewer }> {
    const id = parseId(rawId);
    const topic = id && (await findTopicForViewer(db, request.viewer, id));
    if (!topic || !canUseTopicTools(request.viewer, topic)) throw new NotFoundError();
    return { topic, viewer: request.viewer };
  }

  /** After a tool: htmx reloads the page (the header, the tags and the reply box all change); without JS, 303. */
  function done(request: FastifyRequest, reply: FastifyReply, url: string) {
    if (isHtmx(request)) return reply.header('HX-Refresh', 'true').code(204).send();
    return redirect(request, reply, url);
  }

  for (const tool of Object.keys(TOGGLES) as Toggle[]) {
    app.post(`/t/:id/${tool}`, { schema: { params: ToolParams, body: ToggleBody } }, async (request, reply) => {
      const { topic, viewer } = await loadTopic(request, request.params.id);
      await toggleTopic(db, viewer, topic.id, tool, request.body?.reason ?? '');
      return done(request, reply, topicUrl(topic));
    });
  }

  app.post('/t/:id/slow-mode', { schema: { params: ToolParams, body: SlowModeBody }, attachValidation: true }, async (request, reply) => {
    const { topic, viewer } = await loadTopic(request, request.params.id);
    const values = formValues(request);
    if (request.validationError) return toolPage(request, reply, 'slow-mode', topic, values, fieldErrors(request.i18n, request.validationError), 422);
    try {
      await setSlowMode(db, viewer, topic.id, Number(request.body.seconds), request.body.reason ?? '');
    } catch (err) {
      if (err instanceof FormError) return toolPage(request, reply, 'slow-mode', topic, values, fieldErrors(request.i18n, err), 422);
      throw err;
    }
    return done(request, reply, topicUrl(topic));
  });

  type Tool = 'move' | 'merge' | 'split' | 'slow-mode';
  const TITLES = { move: 'tools.move.title', merge: 'tools.merge.title', split: 'tools.split.title', 'slow-mode': 'tools.slowMode.title' } as const;
  async function toolPage(request: FastifyRequest, reply: FastifyReply, tool: Tool, topic: TopicView, values: Record<string, string | string[]>, errors: FieldErrors = {}, status = 200, extra: Record<string, unknown> = {}) {
    const t = request.i18n.t;
    const data: Record<string, unknown> = { topic, values, errors, topicUrl, ...extra };
    if (tool === 'move' || tool === 'split') data.categories = await listVisibleCategories(db, request.viewer);
    if (tool === 'split') {
      const from = Number((request.query as { from?: string } | undefined)?.from ?? 2);
      const posts = await listPostRange(db, topic.id, Math.max(2, from), Math.max(2, from) + SPLIT_PAGE - 1);
      data.posts = posts;
      data.next = posts.length === SPLIT_PAGE ? posts.at(-1)!.post_number + 1 : null;
      data.from = Math.max(2, from);
    }
    return render(request, reply, { page: `mod/topic/${tool}`, title: t(TITLES[tool]), status, data });
  }

  const DEFAULTS: Record<Tool, (topic: TopicView) => Record<string, string>> = {
    move: (topic) => ({ category_id: String(topic.category_id) }),
    merge: () => ({}),
    split: (topic) => ({ title: '', category_id: String(topic.category_id) }),
    'slow-mode': (topic) => ({ seconds: String(topic.slow_mode_seconds) }),
  };
  for (const tool of Object.keys(DEFAULTS) as Tool[]) {
    app.get(`/t/:id/${tool}`, { schema: { params: ToolParams, querystring: SplitQuery } }, async (request, reply) => {
      const { topic } = await loadTopic(request, request.params.id);
      const values = DEFAULTS[tool](topic);
      return toolPage(request, reply, tool, topic, values);
    });
  }

  app.post('/t/:id/move', { schema: { params: ToolParams, body: MoveBody }, attachValidation: true }, async (request, reply) => {
    const { topic, viewer } = await loadTopic(request, request.params.id);
    const values = formValues(request);
    if (request.validationError) return toolPage(request, reply, 'move', topic, values, fieldErrors(request.i18n, request.validationError), 422);
    const categoryId = parseId(request.body.category_id);
    try {
      if (!categoryId) throw new FormError({ category_id: { key: 'tools.move.noCategory' } });
      const result = await moveTopic(db, viewer, topic.id, categoryId, request.body.confirm === '1', request.body.reason ?? '');
      // A move that would show staff-only posts to a wider audience comes back for an explicit second submit.
      if (result.status === 'confirm') return toolPage(request, reply, 'move', topic, values, {}, 422, { confirmTo: result.to });
    } catch (err) {
      if (err instanceof FormError) return toolPage(request, reply, 'move', topic, values, fieldErrors(request.i18n, err), 422);
      throw err;
    }
    return done(request, reply, topicUrl(topic));
  });

  app.post('/t/:id/merge', { schema: { params: ToolParams, body: MergeBody }, attachValidation: true }, async (request, reply) => {
    const { topic, viewer } = await loadTopic(request, request.params.id);
    const values = formValues(request);
    if (request.validationError) return toolPage(request, reply, 'merge', topic, values, fieldErrors(request.i18n, request.validationError), 422);
    try {
      const targetId = parseTopicRef(request.body.into);
      // The target must be a topic this moderator can read: an unreadable one is reported like a missing one.
      const target = targetId && (await findTopicForViewer(db, viewer, targetId));
      if (!target) throw new FormError({ into: { key: 'tools.merge.noTarget' } });
      const result = await mergeTopics(db, viewer, topic.id, target.id, request.body.confirm === '1', request.body.reason ?? '');
      if (result.status === 'confirm') return toolPage(request, reply, 'merge', topic, values, {}, 422, { confirmTo: result.to });
      return done(request, reply, topicUrl(target));
    } catch (err) {
      if (err instanceof FormError) return toolPage(request, reply, 'merge', topic, values, fieldErrors(request.i18n, err), 422);
      throw err;
    }
  });

  app.post('/t/:id/split', { schema: { params: ToolParams, body: SplitBody }, attachValidation: true }, async (request, reply) => {
    const { topic, viewer } = await loadTopic(request, request.params.id);
    const raw = (request.body ?? {}) as { post_ids?: string | string[] };
    const chosen = raw.post_ids === undefined ? [] : Array.isArray(raw.post_ids) ? raw.post_ids : [raw.post_ids];
    const values = { ...formValues(request), post_ids: chosen };
    if (request.validationError) return toolPage(request, reply, 'split', topic, values, fieldErrors(request.i18n, request.validationError), 422);
    try {
      const postIds = chosen.map((s) => parseId(s));
      if (postIds.some((id) => id === null)) throw new FormError({ post_ids: { key: 'tools.split.badPosts' } });
      const categoryId = request.body.category_id ? parseId(request.body.category_id) : null;
      if (request.body.category_id && !categoryId) throw new FormError({ category_id: { key: 'tools.move.noCategory' } });
      const created = await splitTopic(db, viewer, topic.id, { postIds: postIds as number[], title: request.body.title, categoryId }, request.body.confirm === '1', request.body.reason ?? '');
      if (created.status === 'confirm') return toolPage(request, reply, 'split', topic, values, {}, 422, { confirmTo: created.to });
      return done(request, reply, topicUrl({ id: created.topicId, slug: created.slug }));
    } catch (err) {
      if (err instanceof FormError) return toolPage(request, reply, 'split', topic, values, fieldErrors(request.i18n, err), 422);
      throw err;
    }
  });
}
