import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

type Form = Record<string, string | number | undefined | string[]>;

export interface RequestOptions {
  htmx?: boolean;
  headers?: Record<string, string>;
  /** Leave out the CSRF token (to prove it is required). */
  noCsrf?: boolean;
}

/** A browser-like client over app.inject: keeps cookies and the latest CSRF token from pages it loads. */
export class Client {
  cookies = new Map<string, string>();
  csrf: string | null = null;

  constructor(public app: FastifyInstance, public locale = 'en', public ip = '127.0.0.1') {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private absorb(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired = c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now()) || c.value === '';
      if (expired) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body) ?? /"X-CSRF-Token":"([^"]+)"/.exec(res.body);
    if (m) this.csrf = m[1]!;
    return res;
  }

  private headers(opts: RequestOptions): Record<string, string> {
    return {
      'accept-language': this.locale,
      ...(this.cookies.size ? { cookie: this.cookieHeader() } : {}),
      ...(opts.htmx ? { 'hx-request': 'true' } : {}),
      ...opts.headers,
    };
  }

  async get(url: string, opts: RequestOptions = {}): Promise<LightMyRequestResponse> {
    return this.absorb(await this.app.inject({ method: 'GET', url, headers: this.headers(opts), remoteAddress: this.ip }));
  }

  /** Posts a urlencoded form; fetches a page first if no CSRF token is known yet. */
  async post(url: string, form: Form = {}, opts: RequestOptions = {}): Promise<LightMyRequestResponse> {
    // A guest's token comes from a page with a guest form (pages without forms carry none).
    if (!this.csrf && !opts.noCsrf) await this.get('/login');
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
    }
    if (!opts.noCsrf && this.csrf && !opts.htmx) params.append('_csrf', this.csrf);
    const headers: Record<string, string> = { ...this.headers(opts), 'content-type': 'application/x-www-form-urlencoded' };
    if (opts.htmx && !opts.noCsrf && this.csrf) headers['x-csrf-token'] = this.csrf;
    return this.absorb(await this.app.inject({ method: 'POST', url, headers, payload: params.toString(), remoteAddress: this.ip }));
  }

  /** Logs in through the real form. */
  async login(login: string, password = DEFAULT_PASSWORD): Promise<LightMyRequestResponse> {
    await this.get('/login');
    const res = await this.post('/login', { login, password });
    if (res.statusCode !== 303) throw new Error(`login failed for ${login}: ${res.statusCode}`);
    // Login rotates the CSRF secret; like a browser following the redirect, load a page to get a fresh token.
    await this.get('/');
    return res;
  }
}

export const DEFAULT_PASSWORD = 'correct horse battery';
