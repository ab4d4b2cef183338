import type { FastifyInstance } from 'fastify';
import { parseId } from '../lib/ids.js';
import { isHtmx } from './render.js';
import { sessionCookieName } from './session.js';

/**
 * Guests' pages, kept for a short while by each app instance.
 *
 * Most of a brand forum's readers are not signed in (search engines, links shared elsewhere), and they all see the
 * same page. A route opts in with `config: { guestCache: 'topic' | 'list' }`; a GET from a visitor without a session
 * cookie is then answered from memory when the same page (URL, language, htmx or not) was rendered in the last
 * `GUEST_CACHE_SECONDS`. Only plain 200 pages that set no cookie are kept.
 *
 * Staleness is bounded twice. Triggers (migration 0027) announce at commit, on the live channel every instance
 * listens to, which topics changed — a post written, edited, hidden or reacted to, a poll vote, a topic moved —
 * and every instance drops those topics' pages and all list pages at once. Names, categories and settings drop
 * everything. Anything no write announces (a pin or a poll that ends by the clock) is at most the TTL old.
 * A page rendered while a change was announced is not kept (it may predate the change).
 */

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Guests' pages of this route may be served from the guest cache: one topic's (params.id) or a list. */
    guestCache?: 'topic' | 'list';
  }
  interface FastifyRequest {
    guestCacheEntry: PendingEntry | null;
  }
  interface FastifyInstance {
    guestCache: GuestCache;
  }
}

interface PendingEntry {
  key: string;
  topic: number | null;
  ticket: number;
}

interface Entry {
  body: string;
  type: string;
  vary: string;
  bytes: number;
  expires: number;
  topic: number | null;
}

/** Longest URL kept: longer ones are passed through (they would only fill the cache). */
const MAX_URL = 300;

export class GuestCache {
  /** In least-recently-used order (a hit moves its entry to the end). */
  private readonly entries = new Map<string, Entry>();
  private readonly byTopic = new Map<number, Set<string>>();
  private readonly lists = new Set<string>();
  private bytes = 0;
  /** Bumped by every invalidation: a page rendered across one is not kept. */
  private generation = 0;

  /**
   * @param listening whether change announcements are arriving now: while they are not (the listening connection is
   *   being re-established), nothing is served or kept; the owner calls invalidate(null) once they arrive again.
   */
  constructor(
    readonly ttlMs: number,
    readonly maxBytes: number,
    private readonly listening: () => boolean = () => true,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0 && this.maxBytes > 0 && this.listening();
  }

  get size(): number {
    return this.entries.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  ticket(): number {
    return this.generation;
  }

  get(key: string, now = Date.now()): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.remove(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /** Keeps a rendered page, unless anything was invalidated since `ticket` was taken (before it was rendered). */
  set(key: string, page: { body: string; type: string; vary: string; topic: number | null }, ticket: number, now = Date.now()): boolean {
    if (!this.enabled || ticket !== this.generation) return false;
    const bytes = Buffer.byteLength(page.body) + key.length;
    if (bytes > this.maxBytes / 16) return false;
    this.remove(key);
    this.entries.set(key, { ...page, bytes, expires: now + this.ttlMs });
    this.bytes += bytes;
    if (page.topic === null) this.lists.add(key);
    else {
      let keys = this.byTopic.get(page.topic);
      if (!keys) this.byTopic.set(page.topic, (keys = new Set()));
      keys.add(key);
    }
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.remove(oldest);
    }
    return true;
  }

  /** These topics changed (null: anything may have): drops their pages and every list page. */
  invalidate(topics: number[] | null): void {
    this.generation += 1;
    if (topics === null) {
      this.entries.clear();
      this.byTopic.clear();
      this.lists.clear();
      this.bytes = 0;
      return;
    }
    for (const id of topics) for (const key of this.byTopic.get(id) ?? []) this.remove(key);
    for (const key of this.lists) this.remove(key);
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
    if (entry.topic === null) this.lists.delete(key);
    else {
      const keys = this.byTopic.get(entry.topic);
      keys?.delete(key);
      if (keys?.size === 0) this.byTopic.delete(entry.topic);
    }
  }
}

/**
 * Serves and fills the guest cache. Registered after the viewer/locale hook: a request is a guest's only when it
 * carries no session cookie at all (an expired or foreign one is simply not cached).
 */
export function registerGuestCache(app: FastifyInstance, cache: GuestCache): void {
  app.decorate('guestCache', cache);
  app.decorateRequest('guestCacheEntry', null);
  const sessionCookie = sessionCookieName(app.config);

  app.addHook('onRequest', async (request, reply) => {
    const kind = request.routeOptions.config?.guestCache;
    if (!kind || !cache.enabled || request.method !== 'GET' || request.viewer || request.cookies[sessionCookie] !== undefined) return;
    if (request.url.length > MAX_URL) return;
    const key = `${request.locale} ${isHtmx(request) ? 'fragment' : 'page'} ${request.url}`;
    const hit = cache.get(key);
    if (hit) {
      reply.header('content-type', hit.type).header('vary', hit.vary).header('x-guest-cache', 'hit');
      return reply.send(hit.body);
    }
    const topic = kind === 'topic' ? parseId((request.params as { id?: string }).id) : null;
    if (kind === 'topic' && !topic) return;
    request.guestCacheEntry = { key, topic, ticket: cache.ticket() };
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const pending = request.guestCacheEntry;
    if (!pending || reply.statusCode !== 200 || typeof payload !== 'string' || reply.hasHeader('set-cookie')) return payload;
    const type = String(reply.getHeader('content-type') ?? '');
    if (!type.startsWith('text/html')) return payload;
    cache.set(pending.key, { body: payload, type, vary: String(reply.getHeader('vary') ?? ''), topic: pending.topic }, pending.ticket);
    reply.header('x-guest-cache', 'miss');
    return payload;
  });
}
