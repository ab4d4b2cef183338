import type { FastifyReply, FastifyRequest } from 'fastify';
import { avatarHtml } from './avatars.js';
import { isAdmin, isBrandStaff, isStaff } from '../policy/index.js';
import { activeBanner } from '../features/banner/banner.service.js';
import { getSettings } from '../features/settings/settings.js';
import { LOCALES } from './i18n/index.js';
import { iconHtml } from './icons.js';
import { HTMX_VERSION } from './plugins.js';

export interface RenderOptions {
  /** Full-page template (it includes the fragment). */
  page: string;
  /** Template sent alone for an htmx request; omit when the page has no fragment. */
  fragment?: string;
  status?: number;
  title?: string;
  /** The page has a form a guest may submit (login, sign-up); signed-in pages always get a CSRF token. */
  guestForm?: boolean;
  data?: Record<string, unknown>;
}

/** Whether the request is an htmx swap (but not a history restore, which needs the full page). */
export function isHtmx(request: FastifyRequest): boolean {
  return request.headers['hx-request'] === 'true' && request.headers['hx-history-restore-request'] !== 'true';
}

/** Locals every template gets: viewer, translations, CSRF token, site settings. */
export function baseLocals(request: FastifyRequest, reply: FastifyReply, guestForm = false): Record<string, unknown> {
  const viewer = request.viewer;
  return {
    viewer,
    isStaff: isStaff(viewer),
    isAdmin: isAdmin(viewer),
    isBrandStaff: isBrandStaff(viewer),
    t: request.i18n.t,
    i18n: request.i18n,
    locale: request.locale,
    locales: LOCALES,
    // Guests' pages without forms get no token, so no CSRF cookie is set and they stay cacheable. Replies Fastify
    // makes for router-level errors lack plugin decorators; their page has no forms either.
    csrf: (viewer || guestForm) && typeof reply.generateCsrf === 'function' ? reply.generateCsrf() : '',
    siteName: request.server.config.siteName,
    path: request.url,
    avatar_html: avatarHtml,
    icon_html: iconHtml,
    htmxVersion: HTMX_VERSION,
  };
}

/** One URL, two renderings: the page, or for htmx just the fragment the page itself includes. */
export async function render(request: FastifyRequest, reply: FastifyReply, opts: RenderOptions): Promise<FastifyReply> {
  reply.header('Vary', 'HX-Request, Cookie, Accept-Language');
  if (opts.status) reply.code(opts.status);
  const data = { ...baseLocals(request, reply, opts.guestForm), title: opts.title ?? '', ...opts.data };
  const template = opts.fragment && isHtmx(request) ? opts.fragment : opts.page;
  // The site banner, on full pages only (settings are cached per instance for a few seconds: no query per page).
  // An error page must render even when the database is what failed: then it simply has no banner.
  if (template === opts.page) {
    const banner = await getSettings(request.server.db).then((s) => activeBanner(s.banner), () => null);
    (data as Record<string, unknown>).banner = banner && banner.id !== request.viewer?.dismissed_banner_id ? banner : null;
  }
  const html = await request.server.view(template, data);
  return reply.type('text/html; charset=utf-8').send(html);
}

/** 303 to a local path; for htmx, HX-Redirect so the browser navigates instead of swapping. */
export function redirect(request: FastifyRequest, reply: FastifyReply, to: string): FastifyReply {
  if (isHtmx(request)) return reply.header('HX-Redirect', to).code(204).send();
  return reply.redirect(to, 303);
}

/** A same-site path (no host, no scheme) from a user-supplied "next" or Referer value, or the fallback. */
export function safeLocalPath(raw: unknown, fallback = '/'): string {
  if (typeof raw !== 'string' || raw.length > 500) return fallback;
  try {
    const u = new URL(raw, 'http://local.invalid');
    const path = u.pathname + u.search;
    return path.startsWith('/') && !path.startsWith('//') ? path : fallback;
  } catch {
    return fallback;
  }
}
