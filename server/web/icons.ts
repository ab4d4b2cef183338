/** Names of the line icons in static/icons.svg (one sprite, cached by the browser). */
export const ICON_NAMES = ["replies", "quote", "edit", "trash", "history", "restore", "pin", "lock", "plus", "search", "globe", "user", "shield", "badge", "logout", "back", "up", "down", "close", "compass", "alert", "eye", "chevron", "chat", "flag", "check", "mute", "move", "merge", "split", "clock", "ban", "eye-off", "list", "bell"] as const;
export type IconName = (typeof ICON_NAMES)[number];

const cache = new Map<string, string>();

/**
 * Markup for a decorative icon (hidden from assistive technology; the text beside it carries the meaning).
 * A reference into the sprite instead of inline paths keeps pages small and rendering cheap.
 */
export function iconHtml(name: IconName, size = 16): string {
  const key = `${name}:${size}`;
  let html = cache.get(key);
  if (!html) {
    if (!ICON_NAMES.includes(name)) throw new Error(`unknown icon ${name}`);
    html = `<svg class="icon icon-${name}" width="${size}" height="${size}" aria-hidden="true" focusable="false"><use href="/static/icons.svg?v=2#${name}"/></svg>`;
    cache.set(key, html);
  }
  return html;
}
