import { sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../db/index.js';

/**
 * Live events, fanned out across app instances through PostgreSQL LISTEN/NOTIFY.
 *
 * Writers call `pg_notify('veche_events', '{"user":…,"kind":…}')` inside their transaction (see notify() in
 * notifications.service.ts), so an event is delivered only when the cause commits. Each app instance holds ONE
 * listening connection — a dedicated pg.Client on PostgreSQL, PGlite's own `listen` in embedded mode — and passes
 * each event to the SSE streams of that user open on this instance. Streams never query the database on their own:
 * one count query runs per event burst per user, and only for users connected here.
 */

export const LIVE_CHANNEL = 'veche_events';

/** What a stream receives: the viewer's current unread count (capped at 100, like the bell). */
export interface LiveUpdate {
  kind: 'notification';
  unread: number;
}

/** One open stream: how to write to it and how to end it. */
export interface LiveSink {
  send(update: LiveUpdate): void;
  ping(): void;
  end(): void;
}

export interface LiveHubOptions {
  /** postgres://… of the database `db` talks to; needed for the listening client on PostgreSQL. */
  databaseUrl: string | null;
  maxPerUser?: number;
  heartbeatMs?: number;
  /** How long events for one user are gathered into one count query. */
  coalesceMs?: number;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void; info?(obj: object, msg: string): void };
}

interface PGliteLike {
  listen(channel: string, cb: (payload: string) => void): Promise<(tx?: unknown) => Promise<void>>;
  exec(query: string): Promise<unknown>;
}

/** The unread count shown on the bell: the same capped count as the session query (web/session.ts). */
export async function unreadCount(db: Database, userId: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from (select 1 from notifications where user_id = ${userId} and read_at is null limit 100) u`.execute(db);
  return rows[0]?.n ?? 0;
}

/** Parses a NOTIFY payload; anything malformed is ignored (returns null). */
export function parseEvent(payload: string | undefined): { user: number; kind: string } | null {
  if (!payload) return null;
  try {
    const v = JSON.parse(payload) as { user?: unknown; kind?: unknown };
    if (typeof v.user === 'number' && Number.isSafeInteger(v.user) && typeof v.kind === 'string') return { user: v.user, kind: v.kind };
  } catch {
    // not ours
  }
  return null;
}

export class LiveHub {
  readonly maxPerUser: number;
  private readonly heartbeatMs: number;
  private readonly coalesceMs: number;
  private readonly sinks = new Map<number, Set<LiveSink>>();
  private readonly pending = new Set<number>();
  private flushTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private client: pg.Client | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** 'postgres' | 'pglite' once listening; null when no listener could be set up (streams then only get pings). */
  mode: 'postgres' | 'pglite' | null = null;

  constructor(private readonly db: Database, private readonly opts: LiveHubOptions) {
    this.maxPerUser = opts.maxPerUser ?? 3;
    this.heartbeatMs = opts.heartbeatMs ?? 25_000;
    this.coalesceMs = opts.coalesceMs ?? 30;
  }

  /** Starts listening: PGlite through its own API, PostgreSQL through one dedicated client. */
  async start(): Promise<void> {
    this.stopped = false;
    this.heartbeat = setInterval(() => this.pingAll(), this.heartbeatMs);
    this.heartbeat.unref();
    const pglite = await this.findPGlite();
    if (pglite) {
      // LISTEN is run while this hub holds the dialect's only connection, so it can never land inside (and be rolled
      // back with) somebody else's open transaction on the shared embedded backend.
      await this.db.getExecutor().provideConnection(async () => {
        const off = await pglite.listen(LIVE_CHANNEL, (payload) => this.receive(payload));
        this.unlisten = () => off();
      });
      this.mode = 'pglite';
      return;
    }
    if (!this.opts.databaseUrl) {
      this.opts.log.warn({}, 'live events disabled: no DATABASE_URL to listen on');
      return;
    }
    this.mode = 'postgres';
    try {
      await this.connect();
    } catch (err) {
      // The site still serves pages; the listener keeps retrying in the background.
      this.opts.log.warn({ err }, 'live listener could not connect; retrying');
      this.scheduleReconnect();
    }
  }

  /** Ends every stream and the listening connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.closeAll();
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.heartbeat = this.flushTimer = this.reconnectTimer = null;
    this.pending.clear();
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
    const off = this.unlisten;
    this.unlisten = null;
    if (off) await this.db.getExecutor().provideConnection(() => off()).catch(() => undefined);
  }

  /** Ends every open stream (graceful shutdown: the server cannot close while they are open). */
  closeAll(): void {
    for (const set of this.sinks.values()) for (const s of set) s.end();
    this.sinks.clear();
  }

  /** Registers a stream for a user; null when the user already has maxPerUser streams here. Returns the remover. */
  add(userId: number, sink: LiveSink): (() => void) | null {
    let set = this.sinks.get(userId);
    if (set && set.size >= this.maxPerUser) return null;
    if (!set) this.sinks.set(userId, (set = new Set()));
    set.add(sink);
    return () => {
      const s = this.sinks.get(userId);
      if (!s) return;
      s.delete(sink);
      if (s.size === 0) this.sinks.delete(userId);
    };
  }

  /** How many streams a user has open on this instance. */
  connections(userId: number): number {
    return this.sinks.get(userId)?.size ?? 0;
  }

  private receive(payload: string | undefined): void {
    const event = parseEvent(payload);
    if (!event || !this.sinks.has(event.user)) return;
    this.pending.add(event.user);
    this.flushTimer ??= setTimeout(() => void this.flush(), this.coalesceMs);
  }

  private async flush(): Promise<void> {
    this.flushTimer = null;
    const users = [...this.pending];
    this.pending.clear();
    for (const user of users) {
      if (!this.sinks.has(user) || this.stopped) continue;
      try {
        const unread = await unreadCount(this.db, user);
        for (const s of this.sinks.get(user) ?? []) s.send({ kind: 'notification', unread });
      } catch (err) {
        this.opts.log.error({ err }, 'live event delivery failed');
      }
    }
  }

  private pingAll(): void {
    for (const set of this.sinks.values()) for (const s of set) s.ping();
  }

  /** The PGlite instance behind the Kysely dialect (its connection exposes it as `client`), or null on PostgreSQL. */
  private async findPGlite(): Promise<PGliteLike | null> {
    return this.db.getExecutor().provideConnection(async (conn) => {
      const client = (conn as unknown as { client?: Partial<PGliteLike> }).client;
      return client && typeof client.listen === 'function' && typeof client.exec === 'function' ? (client as PGliteLike) : null;
    });
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.databaseUrl ?? undefined, application_name: 'veche-live' });
    client.on('notification', (msg) => {
      if (msg.channel === LIVE_CHANNEL) this.receive(msg.payload);
    });
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = null;
      client.end().catch(() => undefined);
      if (this.stopped) return;
      this.opts.log.warn({ err }, 'live listener connection lost; reconnecting');
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    await client.query(`listen ${LIVE_CHANNEL}`);
    this.client = client;
  }

  private scheduleReconnect(delayMs = 1000): void {
    if (this.reconnectTimer || this.stopped) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect()
        .then(() => {
          // Events sent while we were away are lost: refresh everyone connected here.
          for (const user of this.sinks.keys()) this.pending.add(user);
          void this.flush();
        })
        .catch((err: Error) => {
          this.opts.log.warn({ err }, 'live listener reconnect failed');
          this.scheduleReconnect(Math.min(delayMs * 2, 30_000));
        });
    }, delayMs);
    this.reconnectTimer.unref();
  }
}
