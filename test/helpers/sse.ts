import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import type { Client } from './client.js';

/** One open Server-Sent Events response read over a real socket. */
export interface Stream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body as text when the response is not a stream (e.g. a 429's message). */
  body: string;
  events: { event: string; data: Record<string, unknown> }[];
  ended: boolean;
  waitFor(pred: (s: Stream) => boolean, ms?: number): Promise<void>;
  close(): void;
}

/**
 * The database URL for extra app instances: on PostgreSQL each test file has its own database, whose URL the
 * listening client needs; null on PGlite (the instances share the embedded database and its listen API).
 */
export async function databaseUrlOf(db: Database, configured: string | null): Promise<string | null> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url || configured) return configured;
  const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(db);
  const target = new URL(url);
  target.pathname = `/${rows[0]!.name}`;
  return target.toString();
}

/** Starts the instance on a free local port; returns its base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

export function cookieOf(c: Client): string {
  return [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** Opens GET base+path with the client's cookies and reads events as they come. */
export function openStream(base: string, c: Client | null, path = '/notifications/stream', headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { headers: { ...(c ? { cookie: cookieOf(c) } : {}), accept: 'text/event-stream', ...headers } }, (res) => {
      let buffer = '';
      const waiters = new Set<() => void>();
      const notify = () => {
        for (const w of [...waiters]) w();
      };
      const stream: Stream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: '',
        events: [],
        ended: false,
        waitFor(pred, ms = 5000) {
          return new Promise((ok, fail) => {
            const check = () => {
              if (!pred(stream)) return;
              waiters.delete(check);
              clearTimeout(timer);
              ok();
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`timed out; ended=${stream.ended}; events so far: ${JSON.stringify(stream.events)}`));
            }, ms);
            waiters.add(check);
            check();
          });
        },
        close: () => req.destroy(),
      };
      const isStream = (res.headers['content-type'] ?? '').includes('event-stream');
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (!isStream) {
          stream.body += chunk;
          return;
        }
        buffer += chunk;
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) stream.events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
        notify();
      });
      const ended = () => {
        stream.ended = true;
        notify();
      };
      res.on('end', ended);
      res.on('close', ended);
      res.on('error', () => undefined);
      resolve(stream);
    });
    req.on('error', (err) => (err.message === 'socket hang up' ? undefined : reject(err)));
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until cond() holds (polling), failing after ms. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(20);
  }
}
