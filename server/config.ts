import path from 'node:path';

/** Typed, validated configuration. The only module that reads process.env. */
export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** Real PostgreSQL when set; otherwise embedded PGlite in dataDir. */
  databaseUrl: string | null;
  dataDir: string;
  dbPoolMax: number;
  dbStatementTimeoutMs: number;
  siteName: string;
  defaultLocale: 'ru' | 'en';
  /** Lower-cased addresses that become admins at sign-up; empty means "first account is admin". */
  adminEmails: string[];
  /** Public origin, e.g. https://forum.example.com; decides Secure/__Host- cookies. */
  baseUrl: string;
  secureCookies: boolean;
  /** Fastify trustProxy: false, true (any proxy), a hop count, or the proxies' addresses/CIDRs. */
  trustProxy: boolean | number | string;
  logLevel: string;
  sessionDays: number;
  newUserEditWindowHours: number;
  /** Flood control: posts (topics and replies) per user per minute; staff are exempt. */
  postsPerMinute: number;
  migrateOnStart: boolean;
  /** smtp:// or smtps:// URL of the mail server; null writes mail to the log instead (development). */
  smtpUrl: string | null;
  /** The From of every mail, e.g. "Veche <no-reply@forum.example.com>". */
  mailFrom: string;
  /**
   * Signs links that work without a session (one-click unsubscribe). Null: a random key made at installation and
   * kept in the database (app_secrets) is used, so nothing guessable is ever the default.
   */
  secretKey: string | null;
  /** How long each instance keeps guests' pages (0: off; see web/guest-cache.ts), and how much memory they may take. */
  guestCacheSeconds: number;
  guestCacheMb: number;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

function trustProxy(raw: string | undefined): boolean | number | string {
  const v = (raw ?? '').trim();
  if (!v || /^(0|false|no|off)$/i.test(v)) return false;
  if (/^(true|yes|on)$/i.test(v)) return true;
  if (/^[1-9]\d?$/.test(v)) return Number(v);
  if (/^[0-9a-f.:/,\s]+$/i.test(v)) return v.split(',').map((x) => x.trim()).filter(Boolean).join(',');
  throw new Error(`TRUST_PROXY must be true, false, a hop count, or proxy addresses (e.g. 10.0.0.1,10.0.0.0/8), got "${raw}"`);
}

function secretKey(raw: string | undefined): string | null {
  const v = (raw ?? '').trim();
  if (!v) return null;
  if (v.length < 32 || v.length > 512) throw new Error('SECRET_KEY must be 32 to 512 characters long (e.g. the output of `openssl rand -hex 32`)');
  return v;
}

function smtpUrl(raw: string | undefined): string | null {
  const v = (raw ?? '').trim();
  if (!v) return null;
  if (!/^smtps?:\/\/[^\s]+$/.test(v)) throw new Error('SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465');
  return v;
}

/** Reads and validates the environment once; throws with a readable message on bad values. */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const nodeEnv = env.NODE_ENV === 'production' ? 'production' : env.NODE_ENV === 'test' ? 'test' : 'development';
  const port = int(env, 'PORT', 3000, 0, 65535);
  const baseUrl = (env.BASE_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/?#@\s]+$/.test(baseUrl)) throw new Error(`BASE_URL must be an origin like https://forum.example.com, got "${baseUrl}"`);
  const locale = env.DEFAULT_LOCALE || 'ru';
  if (locale !== 'ru' && locale !== 'en') throw new Error(`DEFAULT_LOCALE must be ru or en, got "${locale}"`);
  const config: Config = {
    env: nodeEnv,
    host: env.HOST || (nodeEnv === 'production' ? '0.0.0.0' : '127.0.0.1'),
    port,
    databaseUrl: env.DATABASE_URL || null,
    dataDir: path.resolve(env.DATA_DIR || 'data'),
    dbPoolMax: int(env, 'DB_POOL_MAX', 10, 1, 200),
    dbStatementTimeoutMs: int(env, 'DB_STATEMENT_TIMEOUT_MS', 15000, 100, 600000),
    siteName: (env.SITE_NAME || 'Veche').slice(0, 60),
    defaultLocale: locale,
    adminEmails: (env.ADMIN_EMAILS || '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
    baseUrl,
    secureCookies: bool(env, 'SECURE_COOKIES', baseUrl.startsWith('https://')),
    trustProxy: trustProxy(env.TRUST_PROXY),
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    sessionDays: int(env, 'SESSION_DAYS', 30, 1, 365),
    newUserEditWindowHours: int(env, 'EDIT_WINDOW_HOURS', 24, 0, 24 * 365),
    postsPerMinute: int(env, 'POSTS_PER_MINUTE', 10, 1, 10000),
    migrateOnStart: bool(env, 'MIGRATE_ON_START', true),
    smtpUrl: smtpUrl(env.SMTP_URL),
    mailFrom: (env.MAIL_FROM || `${(env.SITE_NAME || 'Veche').slice(0, 60).replace(/[<>"\r\n]/g, '')} <no-reply@${new URL(baseUrl).hostname}>`).slice(0, 200),
    secretKey: secretKey(env.SECRET_KEY),
    // On in production. Off by default in development (a template edit shows at once) and in tests (each test that
    // is about the cache turns it on; the others see every change at once, with no NOTIFY to wait for).
    guestCacheSeconds: int(env, 'GUEST_CACHE_SECONDS', nodeEnv === 'production' ? 60 : 0, 0, 3600),
    guestCacheMb: int(env, 'GUEST_CACHE_MB', 64, 1, 4096),
  };
  return { ...config, ...overrides };
}
