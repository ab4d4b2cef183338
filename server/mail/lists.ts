import type { MessageKey, Translator } from '../web/i18n/index.js';

/**
 * Mails that carry a list (notification mail, digest): the payload holds the items, already worded in the
 * recipient's language when queued, plus the links every such mail ends with (preferences, unsubscribe).
 * Everything is escaped in the HTML part; only our own links become anchors.
 */
export interface ListItem {
  title: string;
  /** A short line under the title (e.g. category and number of new posts). */
  meta?: string;
  /** A plain-text excerpt of the post. */
  excerpt?: string;
  url: string;
}

export interface ListPayload {
  items: ListItem[];
  prefs_url: string;
  unsubscribe_url: string;
  /** What the unsubscribe link stops, already worded ("mail about replies", "the digest"). */
  unsubscribe_what: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const str = (v: unknown, max = 2000) => (typeof v === 'string' ? v.slice(0, max) : '');
const httpUrl = (v: unknown) => (typeof v === 'string' && /^https?:\/\/\S+$/.test(v) ? v : '');

/** The payload's list part, with anything malformed dropped (a queued row is data, not trusted code). */
export function readListPayload(data: Record<string, unknown>): ListPayload {
  const items = Array.isArray(data.items) ? data.items : [];
  return {
    items: items.slice(0, 50).flatMap((raw): ListItem[] => {
      if (!raw || typeof raw !== 'object') return [];
      const r = raw as Record<string, unknown>;
      const url = httpUrl(r.url);
      return url ? [{ title: str(r.title, 300), meta: str(r.meta, 300), excerpt: str(r.excerpt, 600), url }] : [];
    }),
    prefs_url: httpUrl(data.prefs_url),
    unsubscribe_url: httpUrl(data.unsubscribe_url),
    unsubscribe_what: str(data.unsubscribe_what, 200),
  };
}

const A = 'color:#1d4ed8';
const MUTED = 'color:#5d6676;font-size:13px';

/** The list and closing links as plain text and as HTML. */
export function renderList(tr: Translator, list: ListPayload): { text: string; html: string } {
  const text = list.items
    .map((it, i) => [`${i + 1}. ${it.title}`, it.meta ? `   ${it.meta}` : '', it.excerpt ? `   «${it.excerpt}»` : '', `   ${it.url}`].filter(Boolean).join('\n'))
    .join('\n\n');
  const html = list.items
    .map((it) => {
      const meta = it.meta ? `<br><span style="${MUTED}">${escapeHtml(it.meta)}</span>` : '';
      const excerpt = it.excerpt ? `<blockquote style="margin:6px 0 0;padding-left:10px;border-left:3px solid #d3d8e0;color:#3b4352">${escapeHtml(it.excerpt)}</blockquote>` : '';
      return `<li style="margin:0 0 14px"><a href="${escapeHtml(it.url)}" style="${A};font-weight:600">${escapeHtml(it.title)}</a>${meta}${excerpt}</li>`;
    })
    .join('');
  const prefs = tr.t('notifyMail.mail.prefs' as MessageKey);
  const unsub = tr.t('notifyMail.mail.unsubscribe' as MessageKey, { what: list.unsubscribe_what });
  const closingText = [list.prefs_url ? `${prefs}\n${list.prefs_url}` : '', list.unsubscribe_url ? `${unsub}\n${list.unsubscribe_url}` : ''].filter(Boolean).join('\n\n');
  const closingHtml = [
    list.prefs_url ? `<a href="${escapeHtml(list.prefs_url)}" style="${A}">${escapeHtml(prefs)}</a>` : '',
    list.unsubscribe_url ? `<a href="${escapeHtml(list.unsubscribe_url)}" style="${A}">${escapeHtml(unsub)}</a>` : '',
  ].filter(Boolean).join(' · ');
  return {
    text: `${text}\n\n${closingText}`,
    html: `<ol style="padding-left:20px">${html}</ol><p style="${MUTED}">${closingHtml}</p>`,
  };
}
