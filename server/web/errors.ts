import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MessageKey } from './i18n/index.js';
import { translator } from './i18n/index.js';
import { render } from './render.js';

/** What the viewer may not see is not found, never forbidden. */
export class NotFoundError extends Error {
  statusCode = 404;
  constructor() {
    super('not found');
  }
}

/** The viewer can see the thing but may not do this to it. */
export class ForbiddenError extends Error {
  statusCode = 403;
  constructor(public messageKey: MessageKey = 'errors.forbidden.text', public params?: Record<string, string | number>) {
    super('forbidden');
  }
}

/** A rate limit refused the request; carries Retry-After. */
export class RateLimitedError extends Error {
  statusCode = 429;
  constructor(public retryAfter: number) {
    super('rate limited');
  }
}

interface ErrorPage {
  status: number;
  title: MessageKey;
  text: MessageKey;
  params?: Record<string, string | number>;
}

function classify(err: FastifyError & { messageKey?: MessageKey; params?: Record<string, string | number>; retryAfter?: number }): ErrorPage {
  const code = err.code ?? '';
  if (err instanceof NotFoundError) return { status: 404, title: 'errors.notFound.title', text: 'errors.notFound.text' };
  if (err instanceof ForbiddenError) return { status: 403, title: 'errors.forbidden.title', text: err.messageKey, params: err.params };
  if (err instanceof RateLimitedError) {
    return { status: 429, title: 'errors.rateLimited.title', text: 'errors.tooManyRequests', params: { minutes: Math.max(1, Math.ceil(err.retryAfter / 60)) } };
  }
  if (code.startsWith('FST_CSRF')) return { status: 403, title: 'errors.csrf.title', text: 'errors.csrf.text' };
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, title: 'errors.tooLarge.title', text: 'errors.tooLarge.text' };
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, title: 'errors.badRequest.title', text: 'errors.badRequest.text' };
  return { status: 500, title: 'errors.server.title', text: 'errors.server.text' };
}

export async function renderError(request: FastifyRequest, reply: FastifyReply, page: ErrorPage): Promise<FastifyReply> {
  if (!request.i18n) request.i18n = translator(request.server.config.defaultLocale);
  if (request.viewer === undefined) request.viewer = null;
  const t = request.i18n.t;
  return render(request, reply, {
    page: 'errors/error',
    fragment: 'errors/_error',
    status: page.status,
    title: t(page.title),
    data: { errorTitle: t(page.title), errorText: t(page.text, { id: request.id, ...page.params }) },
  });
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler(async (request, reply) => renderError(request, reply, { status: 404, title: 'errors.notFound.title', text: 'errors.notFound.text' }));

  app.setErrorHandler(async (err: FastifyError & { retryAfter?: number }, request, reply) => {
    const page = classify(err);
    if (page.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: err.code, status: page.status, msg: err.message }, 'request refused');
    if (err.retryAfter) reply.header('Retry-After', String(err.retryAfter));
    try {
      return await renderError(request, reply, page);
    } catch (renderErr) {
      request.log.error({ err: renderErr }, 'error page failed to render');
      return reply.code(page.status).type('text/plain; charset=utf-8').send(`${page.status} — request id ${request.id}`);
    }
  });
}
