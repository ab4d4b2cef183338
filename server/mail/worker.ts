import type { Database } from '../db/index.js';
import { deliverDue, type DeliverLog } from './outbox.js';
import type { MailContext } from './templates.js';
import type { MailTransport } from './transport.js';

/**
 * Runs outbox delivery in this instance: right after a request commits something that mails (`kick`), and every
 * `intervalMs` for retries and for mail another instance left behind. Every instance may run one; the outbox's
 * claiming keeps them from sending the same mail.
 */
export class MailWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private db: Database,
    private transport: MailTransport,
    private ctx: MailContext,
    private log: DeliverLog,
    private intervalMs = 15_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.timer.unref();
  }

  /** Delivers what is due soon, without delaying the caller. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Delivers everything due now and waits for it (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    await this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while ((await deliverDue(this.db, this.transport, this.ctx, this.log)) === 20 && !this.stopped);
    } catch (err) {
      this.log.warn({ err }, 'outbox delivery run failed');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.running) await this.running;
    this.transport.close();
  }
}
