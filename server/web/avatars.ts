import { avatarFor } from '../lib/avatar.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

// Avatars repeat on every page (one per post and topic row); the markup depends only on these inputs.
const cache = new Map<string, string>();
const CACHE_MAX = 10_000;

/**
 * The generated avatar: a coloured circle with initials, as inline SVG (fill attributes, so the strict
 * CSP needs no inline styles). Decorative avatars sit next to the name and are hidden from screen readers.
 */
export function avatarHtml(username: string, displayName: string | null | undefined, size = 40, decorative = false): string {
  const key = `${username}\u0000${displayName ?? ''}\u0000${size}\u0000${decorative ? 1 : 0}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const { initials, color } = avatarFor(username, displayName);
  const label = decorative ? ' aria-hidden="true" focusable="false"' : ` role="img" aria-label="${escapeHtml(username)}"`;
  const html =
    `<svg class="avatar" width="${size}" height="${size}" viewBox="0 0 40 40"${label}>` +
    `<circle cx="20" cy="20" r="20" fill="${color}"/><circle cx="20" cy="20" r="20" fill="#000" fill-opacity=".22"/>` +
    `<text x="20" y="20" dy=".35em" text-anchor="middle" fill="#fff" font-size="15" font-weight="600" font-family="system-ui, sans-serif">${escapeHtml(initials)}</text></svg>`;
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, html);
  return html;
}
