import pg from 'pg';
import type { Database } from '../db/index.js';
import { LIVE_CHANNEL } from './events.js';

interface PGliteLike {
  listen(channel: string, cb: (payload: string) => void): Promise<(tx?: unknown) => Promise<void>>;
  exec(query: string): Promise<unknown>;
}

interface ListenerOptions {
  databaseUrl: string | null;
  log: { warn(obj: object, msg: string): void };
}

/**
 * The instance's one listening connection on the live channel: a dedicated pg.Client on PostgreSQL (re-established
 * with backoff when lost, then `onResync` so missed events are made up for), PGlite's own `listen` in embedded mode.
 */
export class Listener {
  mode: 'postgres' | 'pglite' | null = null;
  private client: pg.Client | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly opts: ListenerOptions,
    private readonly onPayload: (payload: string | undefined) => void,
    private readonly onResync: () => void,
  ) {}

  /** Whether events are arriving now (false while a lost connection is being re-established). */
  get connected(): boolean {
    return this.mode === 'pglite' || this.client !== null;
  }

  async start(): Promise<void> {
    this.stopped = false;
    const pglite = await this.findPGlite();
    if (pglite) {
      // LISTEN is run while this listener holds the dialect's only connection, so it can never land inside (and be
      // rolled back with) somebody else's open transaction on the shared embedded backend.
      await this.db.getExecutor().provideConnection(async () => {
        const off = await pglite.listen(LIVE_CHANNEL, (payload) => this.onPayload(payload));
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

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
    const off = this.unlisten;
    this.unlisten = null;
    if (off) await this.db.getExecutor().provideConnection(() => off()).catch(() => undefined);
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
      if (msg.channel === LIVE_CHANNEL) this.onPayload(msg.payload);
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
        .then(() => this.onResync())
        .catch((err: Error) => {
          this.opts.log.warn({ err }, 'live listener reconnect failed');
          this.scheduleReconnect(Math.min(delayMs * 2, 30_000));
        });
    }, delayMs);
    this.reconnectTimer.unref();
  }
}
