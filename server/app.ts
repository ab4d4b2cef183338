import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.js';
import type { Database } from './db/index.js';
import { migrationsCurrent } from './db/migrator.js';
import './web/context.js';
import { registerErrorHandlers, renderError } from './web/errors.js';
import { registerWeb } from './web/plugins.js';
import accountsRoutes from './features/accounts/accounts.routes.js';
import adminRoutes from './features/admin/admin.routes.js';
import answersRoutes from './features/answers/answers.routes.js';
import flagsRoutes from './features/moderation/flags.routes.js';
import pendingRoutes from './features/moderation/pending.routes.js';
import modRoutes from './features/moderation/mod.routes.js';
import notificationsRoutes from './features/notifications/notifications.routes.js';
import liveRoutes from './features/notifications/live.routes.js';
import emailMailRoutes from './features/notifications/email-mail.routes.js';
import unreadRoutes from './features/unread/unread.routes.js';
import pollsRoutes from './features/polls/polls.routes.js';
import contestsRoutes from './features/contests/contests.routes.js';
import ideasRoutes from './features/ideas/ideas.routes.js';
import watchingRoutes from './features/watching/watching.routes.js';
import bannerRoutes from './features/banner/banner.routes.js';
import pinsRoutes from './features/pins/pins.routes.js';
import searchRoutes from './features/search/search.routes.js';
import leaderboardRoutes from './features/reputation/leaderboard.routes.js';
import badgesRoutes from './features/badges/badges.routes.js';
import categoriesRoutes from './features/categories/categories.routes.js';
import postsRoutes from './features/posts/posts.routes.js';
import reactionsRoutes from './features/reactions/reactions.routes.js';
import recoveryRoutes from './features/accounts/recovery.routes.js';
import verificationRoutes from './features/accounts/verification.routes.js';
import draftsRoutes from './features/drafts/drafts.routes.js';
import settingsRoutes from './features/accounts/settings.routes.js';
import topicsRoutes from './features/topics/topics.routes.js';
import { createMailTransport } from './mail/transport.js';
import { MailWorker } from './mail/worker.js';
import { LiveHub } from './live/hub.js';
import { GuestCache, registerGuestCache } from './web/guest-cache.js';
import { forgetCachedSettings } from './features/settings/settings.js';
import { ActivityBuffer } from './features/trust/trust.activity.js';
import { throttledTrustCheck } from './features/trust/trust.service.js';

export interface AppOptions {
  config: Config;
  db: Database;
  /** Flipped by graceful shutdown so /readyz takes the instance out of the proxy's rotation first. */
  state?: { shuttingDown: boolean };
}

/** A URL the router cannot even decode (e.g. /u/%FF) still gets the friendly HTML error page. */
function undecodableUrl(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  request.cookies ??= {};
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
  renderError(request, reply, { status, title: 'errors.badRequest.title', text: 'errors.badRequest.text' }).catch(() => {
    reply.code(status).type('text/plain; charset=utf-8').send(`${status} — ${err.message}`);
  });
}

/** Builds the app: plugins first, then every feature by hand — the table of contents of all routes. */
export async function buildApp({ config, db, state = { shuttingDown: false } }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel, redact: ['req.headers.cookie', 'req.headers["x-csrf-token"]'] },
    // Fastify also accepts a hop count here, though its types only list the other forms.
    trustProxy: config.trustProxy as boolean | string,
    bodyLimit: 1024 * 1024,
    genReqId: () => crypto.randomUUID().slice(0, 8),
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
    routerOptions: { maxParamLength: 200 },
    // A URL the router cannot even decode (e.g. /u/%FF) still gets the friendly HTML error page.
    frameworkErrors: undecodableUrl,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('config', config);
  app.decorate('db', db);
  // Reading activity is buffered per instance and flushed every few seconds (and on close); see trust.activity.ts.
  const activity = new ActivityBuffer(db, { afterFlush: throttledTrustCheck(db), log: app.log });
  app.decorate('activity', activity);
  activity.start();
  app.addHook('onClose', async () => activity.stop());
  // Mail goes through the outbox (see mail/outbox.ts); this instance delivers after commits and every few seconds.
  const mail = new MailWorker(db, createMailTransport(config, app.log), { siteName: config.siteName, baseUrl: config.baseUrl }, app.log);
  app.decorate('mail', mail);
  mail.start();
  app.addHook('onClose', async () => mail.stop());
  // Live events: one LISTEN connection per instance fans NOTIFYs out to this instance's SSE streams (live/hub.ts).
  const live = new LiveHub(db, { databaseUrl: config.databaseUrl, log: app.log });
  app.decorate('live', live);
  await live.start();
  // Open streams would keep the server from closing: end them first.
  app.addHook('preClose', async () => live.closeAll());
  app.addHook('onClose', async () => live.stop());
  await registerWeb(app);
  // Guests' pages, per instance; the live channel tells every instance which topics changed (web/guest-cache.ts).
  // Without a listener nothing would drop a changed page: the cache works only while events arrive.
  const guestCache = new GuestCache(config.guestCacheSeconds * 1000, config.guestCacheMb * 1024 * 1024, () => live.listening);
  live.onTopicsChanged((topics) => {
    // "Everything changed" includes the settings: forget this instance's copy too, or a page rendered right after
    // would be kept with the old ones.
    if (topics === null) forgetCachedSettings(db);
    guestCache.invalidate(topics);
  });
  registerGuestCache(app, guestCache);
  registerErrorHandlers(app);

  app.get('/healthz', async (_request, reply) => reply.header('Cache-Control', 'no-store').send({ ok: true }));
  app.get('/readyz', async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    if (state.shuttingDown) return reply.code(503).send({ ok: false, reason: 'shutting down' });
    try {
      if (!(await migrationsCurrent(db))) return reply.code(503).send({ ok: false, reason: 'migrations pending' });
      return { ok: true };
    } catch (err) {
      request.log.warn({ err }, 'readiness check failed');
      return reply.code(503).send({ ok: false, reason: 'database unreachable' });
    }
  });

  await app.register(accountsRoutes);
  await app.register(settingsRoutes);
  await app.register(recoveryRoutes);
  await app.register(verificationRoutes);
  await app.register(draftsRoutes);
  await app.register(categoriesRoutes);
  await app.register(topicsRoutes);
  await app.register(pendingRoutes);
  await app.register(postsRoutes);
  await app.register(reactionsRoutes);
  await app.register(answersRoutes);
  await app.register(badgesRoutes);
  await app.register(leaderboardRoutes);
  await app.register(pollsRoutes);
  await app.register(contestsRoutes);
  await app.register(ideasRoutes);
  await app.register(watchingRoutes);
  await app.register(pinsRoutes);
  await app.register(searchRoutes);
  await app.register(bannerRoutes);
  await app.register(notificationsRoutes);
  await app.register(liveRoutes);
  await app.register(emailMailRoutes);
  await app.register(unreadRoutes);
  await app.register(flagsRoutes);
  await app.register(modRoutes, { prefix: '/mod' });
  await app.register(adminRoutes, { prefix: '/admin' });
  return app;
}
