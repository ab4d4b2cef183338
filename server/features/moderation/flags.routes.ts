import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { canFlag, isSuspended, type Viewer } from '../../policy/index.js';
import { ForbiddenError, NotFoundError, RateLimitedError } from '../../web/errors.js';
import { type FieldErrors, fieldErrors, formValues } from '../../web/forms.js';
import type { MessageKey } from '../../web/i18n/index.js';
import { isHtmx, redirect, render } from '../../web/render.js';
import { findPostForViewer, requirePostForViewer } from '../posts/posts.queries.js';
import * as topicQueries from '../topics/topics.queries.js';
import { pageOf, postPermissions, topicUrl } from '../topics/topics.routes.js';
import { findOpenFlag } from './flags.queries.js';
import { FLAG_REASONS, FlagBody, FlagParams } from './flags.schemas.js';
import { AlreadyFlaggedError, flagPost } from './flags.service.js';

type Found = NonNullable<Awaited<ReturnType<typeof findPostForViewer>>>;

/** Renders one post as the topic page shows it (the fragment htmx swaps in place of `#post-<id>`). */
export async function renderPostFragment(request: FastifyRequest, reply: FastifyReply, postId: number, extra: Record<string, unknown> = {}) {
  const { db, config } = request.server;
  const found = await findPostForViewer(db, request.viewer, postId);
  if (!found) throw new NotFoundError();
  const [row] = await topicQueries.listPostRange(db, found.topic.id, found.post.post_number, found.post.post_number, request.viewer?.id ?? null);
  const item = { post: row!, can: postPermissions(request.viewer, found.topic, row!, config.newUserEditWindowHours), mine: row!.my_reactions, ...extra };
  return render(request, reply, { page: 'topics/_post', data: { topic: found.topic, item, topicUrl } });
}

/** Why this viewer may not flag this post (the message of the 403). */
function refusal(viewer: Viewer | null, found: Found): MessageKey {
  if (!viewer || isSuspended(viewer)) return 'flags.signIn';
  if (viewer.id === found.post.user_id) return 'flags.ownPost';
  if (found.post.deleted_at || found.topic.deleted_at) return 'flags.gone';
  return 'flags.needTrust';
}

export default async function flagsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  const load = (request: FastifyRequest, rawId: string) => requirePostForViewer(db, request.viewer, rawId);

  interface FormState {
    values?: Record<string, string>;
    errors?: FieldErrors;
    status?: number;
    flagged?: { reason: string; created_at: Date } | null;
    already?: boolean;
  }

  /** The flag form (or, once flagged, the "received" state): a page without JavaScript, a fragment for htmx. */
  function formPage(request: FastifyRequest, reply: FastifyReply, found: Found, state: FormState) {
    return render(request, reply, {
      page: 'mod/flags/page',
      fragment: 'mod/flags/_form',
      status: state.status,
      title: request.i18n.t('flags.title'),
      data: {
        ...found,
        reasons: FLAG_REASONS,
        values: state.values ?? {},
        errors: state.errors ?? {},
        flagged: state.flagged ?? null,
        already: !!state.already,
        postUrl: topicUrl(found.topic, pageOf(found.post.post_number), found.post.id),
      },
    });
  }

  /** An error re-renders the form where it is (the success answer replaces the whole post instead). */
  function retargetToForm(request: FastifyRequest, reply: FastifyReply, postId: number) {
    if (isHtmx(request)) reply.header('HX-Retarget', `#flag-slot-${postId}`).header('HX-Reswap', 'innerHTML');
  }

  app.get('/posts/:id/flag', { schema: { params: FlagParams } }, async (request, reply) => {
    const found = await load(request, request.params.id);
    if (!request.viewer) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    const flagged = await findOpenFlag(db, found.post.id, request.viewer.id);
    if (flagged) return formPage(request, reply, found, { flagged });
    if (!canFlag(request.viewer, found.topic, found.post)) throw new ForbiddenError(refusal(request.viewer, found));
    return formPage(request, reply, found, { values: { reason: '' } });
  });

  app.post('/posts/:id/flags', { schema: { params: FlagParams, body: FlagBody }, attachValidation: true }, async (request, reply) => {
    const found = await load(request, request.params.id);
    const viewer = request.viewer;
    if (!canFlag(viewer, found.topic, found.post)) throw new ForbiddenError(refusal(viewer, found));
    const values = formValues(request);
    if (request.validationError) {
      retargetToForm(request, reply, found.post.id);
      return formPage(request, reply, found, { values, errors: fieldErrors(request.i18n, request.validationError), status: 422 });
    }
    const reason = request.body.reason;
    const note = (request.body.note ?? '').trim();
    if (reason === 'other' && !note) {
      retargetToForm(request, reply, found.post.id);
      return formPage(request, reply, found, { values, errors: { note: request.i18n.t('flags.noteRequired') }, status: 422 });
    }
    try {
      await flagPost(db, viewer, found.post.id, { reason, note });
    } catch (err) {
      if (err instanceof AlreadyFlaggedError) {
        const flagged = await findOpenFlag(db, found.post.id, viewer.id);
        if (!isHtmx(request)) return redirect(request, reply, `/posts/${found.post.id}/flag`);
        retargetToForm(request, reply, found.post.id);
        return formPage(request, reply, found, { flagged, already: true });
      }
      if (err instanceof RateLimitedError) {
        retargetToForm(request, reply, found.post.id);
        reply.header('Retry-After', String(err.retryAfter));
        const hours = Math.max(1, Math.ceil(err.retryAfter / 3600));
        return formPage(request, reply, found, { values, errors: { form: request.i18n.tn('flags.dailyLimit', hours) }, status: 429 });
      }
      throw err;
    }
    if (!isHtmx(request)) return redirect(request, reply, `/posts/${found.post.id}/flag`);
    return renderPostFragment(request, reply, found.post.id, { myFlag: { reason } });
  });
}
