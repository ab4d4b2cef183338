import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { canDeletePost, canEditPost, canRestorePost, canViewRevisions, isStaff } from '../../policy/index.js';
import { ForbiddenError, NotFoundError } from '../../web/errors.js';
import { type FieldErrors, fieldErrors, FormError, formValues } from '../../web/forms.js';
import { isHtmx, redirect, render } from '../../web/render.js';
import * as topicQueries from '../topics/topics.queries.js';
import { pageOf, postPermissions, topicUrl } from '../topics/topics.routes.js';
import * as q from './posts.queries.js';
import { EditBody, PostParams } from './posts.schemas.js';
import * as service from './posts.service.js';

/** Why an edit is refused: a contest past its deadline says so; otherwise the edit window (or rights) closed. */
function editRefusal(topic: { contest_deadline?: Date | null }): 'contests.entriesFrozen' | 'edit.windowClosed' {
  return topic.contest_deadline && topic.contest_deadline <= new Date() ? 'contests.entriesFrozen' : 'edit.windowClosed';
}

export default async function postsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db, config } = app;

  const load = (request: FastifyRequest, rawId: string) => q.requirePostForViewer(db, request.viewer, rawId);

  /** After a change: the post's fragment for htmx, or back to the post on its topic page. */
  async function answer(request: FastifyRequest, reply: FastifyReply, postId: number) {
    const { post, topic } = await load(request, String(postId));
    if (!isHtmx(request)) return redirect(request, reply, topicUrl(topic, pageOf(post.post_number), post.id));
    const [row] = await topicQueries.listPostRange(db, topic.id, post.post_number, post.post_number);
    const item = { post: row!, can: postPermissions(request.viewer, topic, row!, config.newUserEditWindowHours) };
    return render(request, reply, { page: 'topics/_post', data: { topic, item, topicUrl } });
  }

  /** Permalink: /p/123 → the right page of the topic, anchored at the post. */
  app.get('/p/:id', { schema: { params: PostParams } }, async (request, reply) => {
    const { post, topic } = await load(request, request.params.id);
    return reply.redirect(topicUrl(topic, pageOf(post.post_number), post.id), 302);
  });

  async function editPage(request: FastifyRequest, reply: FastifyReply, found: Awaited<ReturnType<typeof load>>, values: Record<string, string>, errors: FieldErrors = {}, status = 200) {
    return render(request, reply, { page: 'posts/edit', fragment: 'posts/_edit_form', title: request.i18n.t('edit.title'), status, data: { ...found, values, errors, topicUrl } });
  }

  app.get('/posts/:id/edit', { schema: { params: PostParams } }, async (request, reply) => {
    const found = await load(request, request.params.id);
    if (!request.viewer) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    if (!canEditPost(request.viewer, found.topic, found.post, config.newUserEditWindowHours)) throw new ForbiddenError(editRefusal(found.topic));
    return editPage(request, reply, found, { body: found.post.body_md });
  });

  app.post('/posts/:id/edit', { schema: { params: PostParams, body: EditBody }, attachValidation: true }, async (request, reply) => {
    const found = await load(request, request.params.id);
    const viewer = request.viewer;
    if (!viewer || !canEditPost(viewer, found.topic, found.post, config.newUserEditWindowHours)) throw new ForbiddenError(editRefusal(found.topic));
    const values = formValues(request);
    if (request.validationError) return editPage(request, reply, found, values, fieldErrors(request.i18n, request.validationError), 422);
    try {
      await service.editPost(db, viewer, found.post.id, request.body.body);
    } catch (err) {
      if (err instanceof FormError) return editPage(request, reply, found, values, fieldErrors(request.i18n, err), 422);
      throw err;
    }
    return answer(request, reply, found.post.id);
  });

  app.post('/posts/:id/delete', { schema: { params: PostParams } }, async (request, reply) => {
    const found = await load(request, request.params.id);
    if (!request.viewer || !canDeletePost(request.viewer, found.topic, found.post)) throw new ForbiddenError();
    await service.deletePost(db, request.viewer, found.post.id);
    // A member who deleted their topic can no longer see it: send them to its category.
    if (found.post.post_number === 1 && !isStaff(request.viewer)) {
      return redirect(request, reply, `/c/${found.topic.category_slug}`);
    }
    return answer(request, reply, found.post.id);
  });

  app.post('/posts/:id/restore', { schema: { params: PostParams } }, async (request, reply) => {
    const found = await load(request, request.params.id);
    if (!request.viewer || !canRestorePost(request.viewer, found.topic, found.post)) throw new ForbiddenError();
    await service.restorePost(db, request.viewer, found.post.id);
    return answer(request, reply, found.post.id);
  });

  app.get('/posts/:id/revisions', { schema: { params: PostParams } }, async (request, reply) => {
    const found = await load(request, request.params.id);
    if (!canViewRevisions(request.viewer, found.topic, found.post)) throw new NotFoundError();
    const revisions = await q.listRevisions(db, found.post.id);
    const lastEditor = found.post.last_editor_id ? await q.findUsername(db, found.post.last_editor_id) : found.post.username;
    return render(request, reply, {
      page: 'posts/revisions',
      title: request.i18n.t('revisions.title'),
      data: { ...found, revisions, lastEditor, topicUrl, pageOf },
    });
  });
}
