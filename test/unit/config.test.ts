import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';

describe('loadConfig defaults', () => {
  const config = loadConfig({});

  it('listens on 127.0.0.1:3000 in development', () => {
    expect(config.env).toBe('development');
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(3000);
  });

  it('uses embedded PGlite in ./data', () => {
    expect(config.databaseUrl).toBeNull();
    expect(config.dataDir).toBe(path.resolve('data'));
  });

  it('speaks Russian, names the site Veche and has no admin e-mails', () => {
    expect(config.defaultLocale).toBe('ru');
    expect(config.siteName).toBe('Veche');
    expect(config.adminEmails).toEqual([]);
  });

  it('derives BASE_URL from the port and uses insecure cookies over http', () => {
    expect(config.baseUrl).toBe('http://localhost:3000');
    expect(config.secureCookies).toBe(false);
  });

  it('has sensible limits', () => {
    expect(config.sessionDays).toBe(30);
    expect(config.newUserEditWindowHours).toBe(24);
    expect(config.dbPoolMax).toBe(10);
    expect(config.trustProxy).toBe(false);
    expect(config.migrateOnStart).toBe(true);
    expect(config.logLevel).toBe('info');
  });

  it('keeps guests\' pages for a minute in production only, unless told otherwise', () => {
    expect(config.guestCacheSeconds).toBe(0);
    expect(loadConfig({ NODE_ENV: 'test' }).guestCacheSeconds).toBe(0);
    expect(loadConfig({ NODE_ENV: 'production' }).guestCacheSeconds).toBe(60);
    expect(loadConfig({ NODE_ENV: 'production', GUEST_CACHE_SECONDS: '0' }).guestCacheSeconds).toBe(0);
    expect(loadConfig({ GUEST_CACHE_SECONDS: '5', GUEST_CACHE_MB: '8' })).toMatchObject({ guestCacheSeconds: 5, guestCacheMb: 8 });
    expect(() => loadConfig({ GUEST_CACHE_SECONDS: '-1' })).toThrow(/GUEST_CACHE_SECONDS/);
  });

  it('listens on all interfaces in production and is silent in tests', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).host).toBe('0.0.0.0');
    expect(loadConfig({ NODE_ENV: 'test' }).logLevel).toBe('silent');
    expect(loadConfig({ NODE_ENV: 'staging' }).env).toBe('development');
  });

  it('treats empty variables as unset', () => {
    const c = loadConfig({ PORT: '', DEFAULT_LOCALE: '', BASE_URL: '', SECURE_COOKIES: '' });
    expect([c.port, c.defaultLocale, c.baseUrl, c.secureCookies]).toEqual([3000, 'ru', 'http://localhost:3000', false]);
  });

  it('lets overrides win over the environment', () => {
    expect(loadConfig({ PORT: '4000' }, { port: 0 }).port).toBe(0);
  });
});

describe('loadConfig validation', () => {
  it.each(['abc', '70000', '65536', '-1', '80.5', '3000abc'])('refuses PORT=%j', (PORT) => {
    expect(() => loadConfig({ PORT })).toThrow(/^PORT must be an integer between 0 and 65535/);
  });

  it.each(['0', '8080', '65535'])('accepts PORT=%s', (PORT) => {
    expect(loadConfig({ PORT }).port).toBe(Number(PORT));
  });

  it.each(['de', 'RU', 'en-US', 'english'])('refuses DEFAULT_LOCALE=%j', (DEFAULT_LOCALE) => {
    expect(() => loadConfig({ DEFAULT_LOCALE })).toThrow(/^DEFAULT_LOCALE must be ru or en/);
  });

  it('accepts DEFAULT_LOCALE=en', () => {
    expect(loadConfig({ DEFAULT_LOCALE: 'en' }).defaultLocale).toBe('en');
  });

  it.each([
    'forum.example.com',
    'ftp://forum.example.com',
    'https://forum.example.com/forum',
    'https://',
    'https://forum.example.com?x=1',
    'https://forum.example.com#top',
    'https://user:secret@forum.example.com',
    'https://forum example.com',
    'javascript:alert(1)',
  ])('refuses BASE_URL=%j', (BASE_URL) => {
    expect(() => loadConfig({ BASE_URL })).toThrow(/^BASE_URL must be an origin/);
  });

  it.each<[string, string]>([
    ['https://forum.example.com', 'https://forum.example.com'],
    ['https://forum.example.com/', 'https://forum.example.com'],
    ['http://localhost:8080//', 'http://localhost:8080'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
  ])('accepts BASE_URL=%j as %j', (BASE_URL, expected) => {
    expect(loadConfig({ BASE_URL }).baseUrl).toBe(expected);
  });

  it.each(['maybe', '2', 'yes please'])('refuses SECURE_COOKIES=%j', (SECURE_COOKIES) => {
    expect(() => loadConfig({ SECURE_COOKIES })).toThrow(/^SECURE_COOKIES must be true or false/);
  });

  it.each<[string, string, number, number]>([
    ['SESSION_DAYS', '0', 1, 365],
    ['SESSION_DAYS', '366', 1, 365],
    ['DB_POOL_MAX', '0', 1, 200],
    ['EDIT_WINDOW_HOURS', '-1', 0, 8760],
  ])('refuses %s=%s outside %i..%i', (name, value, min, max) => {
    expect(() => loadConfig({ [name]: value })).toThrow(`${name} must be an integer between ${min} and ${max}`);
  });
});

describe('loadConfig ADMIN_EMAILS', () => {
  it('splits on commas, trims, lower-cases and drops empty entries', () => {
    expect(loadConfig({ ADMIN_EMAILS: ' Anna@Example.COM, ,boss@example.org,,' }).adminEmails).toEqual(['anna@example.com', 'boss@example.org']);
  });

  it('is empty when unset or blank', () => {
    expect(loadConfig({ ADMIN_EMAILS: ' , ' }).adminEmails).toEqual([]);
  });
});

describe('loadConfig secureCookies', () => {
  it('follows an https BASE_URL', () => {
    expect(loadConfig({ BASE_URL: 'https://forum.example.com' }).secureCookies).toBe(true);
    expect(loadConfig({ BASE_URL: 'http://forum.example.com' }).secureCookies).toBe(false);
  });

  it('can be forced either way by SECURE_COOKIES', () => {
    expect(loadConfig({ BASE_URL: 'https://forum.example.com', SECURE_COOKIES: 'false' }).secureCookies).toBe(false);
    expect(loadConfig({ BASE_URL: 'http://localhost:3000', SECURE_COOKIES: 'on' }).secureCookies).toBe(true);
  });
});

describe('loadConfig other values', () => {
  it('truncates SITE_NAME to 60 characters', () => {
    expect(loadConfig({ SITE_NAME: 'x'.repeat(100) }).siteName).toHaveLength(60);
  });

  it('reads DATABASE_URL, TRUST_PROXY and MIGRATE_ON_START', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@h/db', TRUST_PROXY: 'yes', MIGRATE_ON_START: '0' });
    expect([c.databaseUrl, c.trustProxy, c.migrateOnStart]).toEqual(['postgres://u@h/db', true, false]);
  });
});
