/**
 * Search snippets. PostgreSQL's ts_headline marks matches in the RAW post text (markdown, which may contain
 * anything a user typed), so it is asked to use two control characters as markers; the text is then escaped
 * here and only those markers become <mark> tags. No user text ever reaches the page unescaped.
 */
export const MARK_START = '\u0002';
export const MARK_END = '\u0003';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Drops the most common markdown punctuation so a snippet reads as text. */
function plain(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}(#{1,6}|>+|[-*+]|\d+\.)\s+/gm, '')
    .replace(/[`*_~]{1,3}/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Escaped HTML of a ts_headline result, its markers turned into <mark>; unbalanced markers are dropped. */
export function snippetHtml(headline: string): string {
  let open = false;
  let out = '';
  for (const ch of plain(headline)) {
    if (ch === MARK_START) {
      if (!open) out += '<mark>';
      open = true;
    } else if (ch === MARK_END) {
      if (open) out += '</mark>';
      open = false;
    } else out += ESCAPES[ch] ?? (ch < ' ' ? '' : ch);
  }
  return open ? `${out}</mark>` : out;
}

/** The ts_headline options: our markers, two short fragments. */
export const HEADLINE_OPTIONS = `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "`;
