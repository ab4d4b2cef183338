import { describe, expect, it } from 'vitest';
import { GuestCache } from '../../../server/web/guest-cache.js';

const page = (body: string, topic: number | null = null) => ({ body, type: 'text/html; charset=utf-8', vary: 'Cookie', topic });

describe('GuestCache', () => {
  it('keeps a page until its time is up', () => {
    const cache = new GuestCache(1000, 1 << 20);
    expect(cache.set('en page /t/1', page('one', 1), cache.ticket(), 0)).toBe(true);
    expect(cache.get('en page /t/1', 999)?.body).toBe('one');
    expect(cache.get('en page /t/1', 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.usedBytes).toBe(0);
  });

  it('does not keep a page rendered across an invalidation', () => {
    const cache = new GuestCache(1000, 1 << 20);
    const ticket = cache.ticket();
    cache.invalidate([42]);
    expect(cache.set('en page /t/1', page('before the change', 1), ticket)).toBe(false);
    expect(cache.get('en page /t/1')).toBeUndefined();
  });

  it("drops a changed topic's pages and every list, and nothing else", () => {
    const cache = new GuestCache(60_000, 1 << 20);
    for (const [key, topic] of [['a /t/1', 1], ['a /t/1?page=2', 1], ['a /t/2', 2], ['a /', null], ['a /c/x', null]] as const) {
      cache.set(key, page(key, topic), cache.ticket());
    }
    cache.invalidate([1]);
    expect(['a /t/1', 'a /t/1?page=2', 'a /t/2', 'a /', 'a /c/x'].map((k) => !!cache.get(k))).toEqual([false, false, true, false, false]);
    cache.invalidate(null);
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used pages to stay within its memory', () => {
    const cache = new GuestCache(60_000, 16 * 100);
    const body = 'x'.repeat(90);
    for (const key of ['p1', 'p2', 'p3']) cache.set(key, page(body, 1), cache.ticket());
    cache.get('p1');
    for (let i = 4; i <= 18; i++) cache.set(`p${i}`, page(body, 1), cache.ticket());
    expect(cache.usedBytes).toBeLessThanOrEqual(1600);
    expect(cache.get('p1')).toBeDefined();
    expect(cache.get('p2')).toBeUndefined();
    // A page larger than a sixteenth of the cache is not kept at all.
    expect(cache.set('big', page('y'.repeat(200), 1), cache.ticket())).toBe(false);
  });

  it('is off while change announcements are not arriving', () => {
    let listening = true;
    const cache = new GuestCache(60_000, 1 << 20, () => listening);
    expect(cache.enabled).toBe(true);
    listening = false;
    expect(cache.enabled).toBe(false);
    expect(cache.set('k', page('v'), cache.ticket())).toBe(false);
  });

  it('is off when its time or memory is zero', () => {
    const cache = new GuestCache(0, 1 << 20);
    expect(cache.enabled).toBe(false);
    expect(cache.set('k', page('v'), cache.ticket())).toBe(false);
  });
});
