import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import fastifyStatic from '@fastify/static';
import view from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyInstance } from 'fastify';
import { BadInputError, registerFormParser } from './forms.js';
import { registerSecurityHeaders } from './security.js';
import { isLocale, negotiateLocale, translator } from './i18n/index.js';
import { csrfCookieName, csrfCookieOptions, loadViewer } from './session.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const HTMX_FILE = require.resolve('htmx.org/dist/htmx.min.js');
export const HTMX_VERSION: string = require('htmx.org/package.json').version;
export const LOCALE_COOKIE = 'veche_locale';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No CSRF check: the route's URL carries a signed token that is its whole authorization. */
    csrfExempt?: boolean;
  }
}

/** Security headers, parsers, templates, static files, and the per-request viewer/locale/CSRF hooks. */
export async function registerWeb(app: FastifyInstance): Promise<void> {
  const { config } = app;
  registerSecurityHeaders(app, config.secureCookies);
  await app.register(cookie);
  registerFormParser(app);
  await app.register(csrf, { cookieKey: csrfCookieName(config), cookieOpts: csrfCookieOptions(config) });
  await app.register(view, {
    engine: { eta: new Eta({ autoEscape: true, autoTrim: [false, 'nl'], varName: 'it' }) },
    root: path.join(ROOT, 'views'),
    production: config.env !== 'development',
  });
  await app.register(fastifyStatic, { root: path.join(ROOT, 'static'), prefix: '/static/', maxAge: '1d', index: false });

  // htmx from node_modules under a versioned URL, so it can be cached for a year.
  app.get(`/static/vendor/htmx-${HTMX_VERSION}.min.js`, (_request, reply) =>
    // Through sendFile's options: a Cache-Control header set beforehand is overwritten by the plugin's 1-day default.
    reply.sendFile(path.basename(HTMX_FILE), path.dirname(HTMX_FILE), { maxAge: '365d', immutable: true }),
  );

  app.decorateRequest('viewer', null);
  app.decorateRequest('sessionHash', null);
  app.decorateRequest('locale', 'ru');
  app.decorateRequest('i18n', null as never);

  app.addHook('onRequest', async (request) => {
    const url = request.raw.url ?? '/';
    // The path too, not just the query: a NUL in a route param (/u/%00) would reach PostgreSQL, which cannot store it.
    try {
      if (decodeURIComponent(url.replace(/\+/g, ' ')).includes('\0')) throw new Error('NUL');
    } catch {
      throw new BadInputError('malformed URL');
    }
    const cookieLocale = request.cookies[LOCALE_COOKIE];
    request.locale = isLocale(cookieLocale) ? cookieLocale : negotiateLocale(request.headers['accept-language'], config.defaultLocale);
    if (!url.startsWith('/static/') && url !== '/healthz') await loadViewer(app.db, config, request);
    request.i18n = translator(request.locale);
  });

  app.addHook('preHandler', (request, reply, done) => {
    // A route may opt out only when a signed token in its URL is the authorization (one-click unsubscribe, RFC 8058).
    if (UNSAFE.has(request.method) && !request.routeOptions.config?.csrfExempt) app.csrfProtection(request, reply, done);
    else done();
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (!reply.hasHeader('Cache-Control')) {
      reply.header('Cache-Control', request.viewer ? 'private, no-store' : 'no-cache');
    }
    return payload;
  });
}
