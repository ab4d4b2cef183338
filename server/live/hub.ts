import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../db/index.js';
import { canReadTopic, type Viewer } from '../policy/index.js';
import { LIVE_CHANNEL, parseEvent } from './events.js';
import { Listener } from './listener.js';
import * as q from './live.queries.js';

/**
 * Live events, fanned out across app instances through PostgreSQL LISTEN/NOTIFY.
 *
 * Writers call `pg_notify('veche_events', …)` inside their transaction (notify() for notifications, announceNewPost
 * for replies, a trigger on `sessions` for ended sessions), so an event is delivered only when its cause commits.
 * Each app instance holds ONE listening connection — a dedicated pg.Client on PostgreSQL, PGlite's own `listen` in
 * embedded mode — and passes each event to the SSE streams open on this instance. Streams never query on their own:
 * a bell event costs one count query per user connected here; a post event one topic lookup per topic watched here;
 * and one timer per instance renews every stream's lease and re-checks every stream's session in one query each.
 */

export { LIVE_CHANNEL };

/** What a stream receives: the viewer's unread count (capped at 100, like the bell), or a new post's ids. */
export type LiveUpdate = { kind: 'notification'; unread: number } | { kind: 'post'; topic: number; post: number; n: number };

/** One open stream: how to write to it and how to end it. */
export interface LiveSink {
  send(update: LiveUpdate): void;
  ping(): void;
  end(): void;
}

/** Who a stream belongs to, for the checks made while it is open. */
export interface StreamMeta {
  viewer?: Viewer;
  /** The session's token hash: the stream ends when that session does. */
  session?: string | null;
  /** The topic page this stream serves (new posts there are announced). */
  topic?: number | null;
  /** Its row in stream_leases (released when the stream ends). */
  lease?: number | null;
}

interface Entry extends StreamMeta {
  userId: number;
  sink: LiveSink;
}

export interface LiveHubOptions {
  /** postgres://… of the database `db` talks to; needed for the listening client on PostgreSQL. */
  databaseUrl: string | null;
  /** Open streams per user, counted across every instance. */
  maxPerUser?: number;
  heartbeatMs?: number;
  /** How often leases are renewed and sessions re-checked (one query each for the whole instance). */
  checkMs?: number;
  /** How long a lease outlives its last renewal (a crashed instance's streams stop counting after this). */
  leaseTtlMs?: number;
  /** How long events for one user are gathered into one count query. */
  coalesceMs?: number;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void; info?(obj: object, msg: string): void };
}

/** The unread count shown on the bell: the same capped count as the session query (web/session.ts). */
export async function unreadCount(db: Database, userId: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from (select 1 from notifications where user_id = ${userId} and read_at is null limit 100) u`.execute(db);
  return rows[0]?.n ?? 0;
}

export { parseEvent };

export class LiveHub {
  readonly maxPerUser: number;
  readonly leaseTtlMs: number;
  /** Names this instance's leases. */
  readonly instance = randomUUID();
  private readonly heartbeatMs: number;
  private readonly checkMs: number;
  private readonly coalesceMs: number;
  private readonly byUser = new Map<number, Set<Entry>>();
  private readonly byTopic = new Map<number, Set<Entry>>();
  private readonly pending = new Set<number>();
  private flushTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private checkTimer: NodeJS.Timeout | null = null;
  private listener: Listener | null = null;
  private stopped = false;
  private readonly topicWatchers: ((topics: number[] | null) => void)[] = [];

  constructor(private readonly db: Database, private readonly opts: LiveHubOptions) {
    this.maxPerUser = opts.maxPerUser ?? 5;
    this.heartbeatMs = opts.heartbeatMs ?? 25_000;
    this.checkMs = opts.checkMs ?? 30_000;
    this.leaseTtlMs = opts.leaseTtlMs ?? 90_000;
    this.coalesceMs = opts.coalesceMs ?? 30;
  }

  /** 'postgres' | 'pglite' once listening; null when no listener could be set up (streams then only get pings). */
  get mode(): 'postgres' | 'pglite' | null {
    return this.listener?.mode ?? null;
  }

  /** Whether events are arriving now: false without a listener, and while a lost connection is re-established. */
  get listening(): boolean {
    return !!this.listener?.connected && !this.stopped;
  }

  /** Starts listening, the heartbeat and the lease/session check. */
  async start(): Promise<void> {
    this.stopped = false;
    this.heartbeat = setInterval(() => this.pingAll(), this.heartbeatMs);
    this.heartbeat.unref();
    this.checkTimer = setInterval(() => void this.check(), this.checkMs);
    this.checkTimer.unref();
    this.listener = new Listener(this.db, this.opts, (payload) => this.receive(payload), () => this.resync());
    await this.listener.start();
  }

  /** Ends every stream, releases this instance's leases and closes the listening connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.closeAll();
    for (const t of [this.heartbeat, this.checkTimer]) if (t) clearInterval(t);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.heartbeat = this.checkTimer = this.flushTimer = null;
    this.pending.clear();
    await q.releaseInstance(this.db, this.instance).catch(() => undefined);
    await this.listener?.stop();
    this.listener = null;
  }

  /** Ends every open stream (graceful shutdown: the server cannot close while they are open). */
  closeAll(): void {
    for (const set of [...this.byUser.values()]) for (const e of [...set]) this.drop(e);
  }

  /** Takes a lease for one more stream of this user (null: at the limit, here or across instances). */
  async acquire(userId: number): Promise<number | null> {
    if (this.connections(userId) >= this.maxPerUser) return null;
    return q.acquireLease(this.db, userId, this.instance, this.maxPerUser, this.leaseTtlMs);
  }

  /** Gives back a lease that was not used after all. */
  async release(lease: number): Promise<void> {
    await q.releaseLease(this.db, lease).catch(() => undefined);
  }

  /** Registers a stream; returns the remover, or null when the user already has maxPerUser streams here. */
  add(userId: number, sink: LiveSink, meta: StreamMeta = {}): (() => void) | null {
    let set = this.byUser.get(userId);
    if (set && set.size >= this.maxPerUser) return null;
    if (!set) this.byUser.set(userId, (set = new Set()));
    const entry: Entry = { ...meta, userId, sink };
    set.add(entry);
    if (entry.topic) {
      let t = this.byTopic.get(entry.topic);
      if (!t) this.byTopic.set(entry.topic, (t = new Set()));
      t.add(entry);
    }
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.forget(entry);
    };
  }

  /** How many streams a user has open on this instance. */
  connections(userId: number): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  /** Renews this instance's leases and re-checks every stream's session: two queries, however many streams. */
  async check(users?: Set<number>): Promise<void> {
    const entries = [...this.byUser.entries()].filter(([u]) => !users || users.has(u)).flatMap(([, s]) => [...s]);
    if (!entries.length || this.stopped) return;
    try {
      if (!users) {
        const leased = entries.filter((e) => e.lease);
        const alive = await q.renewLeases(this.db, leased.map((e) => e.lease!), this.leaseTtlMs);
        // A lease cleared while this instance stalled no longer counts: end its stream (the browser reconnects).
        for (const e of leased) if (!alive.has(e.lease!)) this.drop(e);
        await q.pruneExpiredLeases(this.db);
      }
      const withSession = entries.filter((e) => e.session && e.viewer);
      const valid = await q.validSessions(this.db, [...new Set(withSession.map((e) => e.session!))]);
      for (const e of withSession) {
        const state = valid.get(e.session!);
        if (!state) this.drop(e);
        else e.viewer = { ...e.viewer!, ...state };
      }
    } catch (err) {
      this.opts.log.error({ err }, 'live stream check failed');
    }
  }

  private forget(entry: Entry): void {
    const set = this.byUser.get(entry.userId);
    set?.delete(entry);
    if (set && set.size === 0) this.byUser.delete(entry.userId);
    if (entry.topic) {
      const t = this.byTopic.get(entry.topic);
      t?.delete(entry);
      if (t && t.size === 0) this.byTopic.delete(entry.topic);
    }
    if (entry.lease) void q.releaseLease(this.db, entry.lease).catch(() => undefined);
  }

  /** Ends a stream from the server's side. */
  private drop(entry: Entry): void {
    this.forget(entry);
    entry.lease = null;
    entry.sink.end();
  }

  /** Calls `cb` with the topics whose pages changed (null: anything may have, e.g. after the listener was away). */
  onTopicsChanged(cb: (topics: number[] | null) => void): void {
    this.topicWatchers.push(cb);
  }

  private receive(payload: string | undefined): void {
    const event = parseEvent(payload);
    if (!event || this.stopped) return;
    if (event.type === 'topics') {
      for (const cb of this.topicWatchers) cb(event.topics);
    } else if (event.type === 'user') {
      if (!this.byUser.has(event.user)) return;
      this.pending.add(event.user);
      this.flushTimer ??= setTimeout(() => void this.flush(), this.coalesceMs);
    } else if (event.type === 'post') {
      if (this.byTopic.has(event.topic)) void this.deliverPost(event);
    } else {
      const here = event.users ? event.users.filter((u) => this.byUser.has(u)) : [...this.byUser.keys()];
      if (here.length) void this.check(new Set(here));
    }
  }

  /** A new post: told to the topic's open streams whose viewer may read the topic now. */
  private async deliverPost(e: { topic: number; post: number; n: number; author: number }): Promise<void> {
    try {
      const topic = await q.findTopicAccess(this.db, e.topic);
      for (const entry of this.byTopic.get(e.topic) ?? []) {
        // The author's own streams hear of it too: their other open pages show it like anyone's reply, and the page
        // that posted it already shows it (live.js skips a post that is on the page).
        if (!topic || !entry.viewer || !canReadTopic(entry.viewer, topic)) continue;
        entry.sink.send({ kind: 'post', topic: e.topic, post: e.post, n: e.n });
      }
    } catch (err) {
      this.opts.log.error({ err }, 'live post delivery failed');
    }
  }

  private async flush(): Promise<void> {
    this.flushTimer = null;
    const users = [...this.pending];
    this.pending.clear();
    for (const user of users) {
      if (!this.byUser.has(user) || this.stopped) continue;
      try {
        const unread = await unreadCount(this.db, user);
        for (const e of this.byUser.get(user) ?? []) e.sink.send({ kind: 'notification', unread });
      } catch (err) {
        this.opts.log.error({ err }, 'live event delivery failed');
      }
    }
  }

  /** After the listener was away: events may have been missed, so refresh every bell and every session. */
  private resync(): void {
    for (const cb of this.topicWatchers) cb(null);
    for (const user of this.byUser.keys()) this.pending.add(user);
    void this.flush();
    void this.check();
  }

  private pingAll(): void {
    for (const set of this.byUser.values()) for (const e of set) e.sink.ping();
  }
}
