import { describe, expect, it } from 'vitest';
import { safeLocalPath } from '../../../server/web/render.js';

const FALLBACK = '/fallback';

/** Whether a browser given this Location would stay on our origin. */
function staysLocal(location: string): boolean {
  const base = 'https://forum.example';
  return new URL(location, `${base}/some/page`).origin === base;
}

describe('safeLocalPath keeps same-site paths', () => {
  it.each<[string, string]>([
    ['/', '/'],
    ['/t/42-hello', '/t/42-hello'],
    ['/c/general?page=2', '/c/general?page=2'],
    ['/t/1#post-5', '/t/1'],
    ['/t/%D0%BF', '/t/%D0%BF'],
    ['/t/привет', '/t/%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82'],
  ])('%s → %s', (input, expected) => {
    expect(safeLocalPath(input, FALLBACK)).toBe(expected);
  });
});

describe('safeLocalPath never leads off-site', () => {
  const attacks: [string, string][] = [
    ['protocol-relative //evil.com', '//evil.com'],
    ['protocol-relative with path', '//evil.com/x'],
    ['absolute https URL', 'https://evil.com/x'],
    ['absolute http URL with query', 'http://evil.com/x?y=1'],
    ['scheme without slashes', 'http:evil.com'],
    ['scheme with one slash', 'http:/evil.com'],
    ['backslash /\\evil.com', '/\\evil.com'],
    ['double backslash', '\\\\evil.com'],
    ['slash backslash slash', '/\\/evil.com'],
    ['leading space', ' //evil.com'],
    ['leading tab', '\t//evil.com'],
    ['tab between slashes', '/\t/evil.com'],
    ['newline between slashes', '/\n/evil.com'],
    ['dot segment to //', '/.//evil.com'],
    ['dot-dot segment to //', '/..//evil.com'],
    ['encoded slashes', '/%2F%2Fevil.com'],
    ['user info', '//user@evil.com/'],
    ['triple slash', '///evil.com'],
  ];

  it.each(attacks)('%s (%j) stays on this site', (_name, input) => {
    const out = safeLocalPath(input, FALLBACK);
    expect(out.startsWith('/')).toBe(true);
    expect(out.startsWith('//')).toBe(false);
    expect(out).not.toMatch(/^\/\\|^\\/);
    expect(staysLocal(out)).toBe(true);
  });

  it('reduces an absolute URL to its path only', () => {
    expect(safeLocalPath('https://evil.com/x?y=1', FALLBACK)).toBe('/x?y=1');
  });

  it('reduces protocol-relative and backslash URLs to the root path', () => {
    expect(safeLocalPath('//evil.com', FALLBACK)).toBe('/');
    expect(safeLocalPath('/\\evil.com', FALLBACK)).toBe('/');
  });

  it.each<[string, string]>([
    ['javascript:', 'javascript:alert(1)'],
    ['JavaScript: mixed case', 'JavaScript:alert(1)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['vbscript:', 'vbscript:msgbox(1)'],
    ['mailto:', 'mailto:a@b.c'],
    ['dot segments that resolve to //', '/.//evil.com'],
  ])('returns the fallback for %s', (_name, input) => {
    expect(safeLocalPath(input, FALLBACK)).toBe(FALLBACK);
  });

  it('returns the fallback for input longer than 500 characters', () => {
    expect(safeLocalPath(`/${'a'.repeat(500)}`, FALLBACK)).toBe(FALLBACK);
    expect(safeLocalPath(`/${'a'.repeat(499)}`, FALLBACK)).toBe(`/${'a'.repeat(499)}`);
  });

  it.each([undefined, null, 42, ['/x'], { path: '/x' }])('returns the fallback for the non-string %j', (input) => {
    expect(safeLocalPath(input, FALLBACK)).toBe(FALLBACK);
  });

  it('uses "/" as the default fallback', () => {
    expect(safeLocalPath('javascript:alert(1)')).toBe('/');
  });

  it('cannot inject headers: CR and LF never survive', () => {
    const out = safeLocalPath('/a\r\nSet-Cookie: x=1', FALLBACK);
    expect(out).not.toMatch(/[\r\n]/);
    expect(out.startsWith('/a')).toBe(true);
  });
});
