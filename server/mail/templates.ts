import { type Locale, translator } from '../web/i18n/index.js';
import type { MessageKey } from '../web/i18n/index.js';
import { escapeHtml, readListPayload, renderList } from './lists.js';

/** Every kind of mail; each has `mail.<kind>.subject` and `mail.<kind>.body` (plain text with {params}) in the catalogues. */
export const MAIL_KINDS = ['password_reset', 'email_changed', 'verify_email', 'notification', 'digest'] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

/** Kinds whose payload carries a list of items (lists.ts) shown after the body. */
const LIST_KINDS: ReadonlySet<MailKind> = new Set(['notification', 'digest']);

export interface MailContext {
  siteName: string;
  baseUrl: string;
}

/** The payload's scalar values, usable as message params. */
function scalars(data: Record<string, unknown>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(data)) if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  return out;
}

/**
 * A mail in the recipient's language: the text part from the catalogue, and an HTML part made from the same text
 * (escaped; links on lines of their own become buttons). Params are filled in by the translator. List kinds
 * (notification mail, digest) add their items and the preferences / unsubscribe links after the body.
 */
export function renderMail(kind: MailKind, locale: Locale, data: Record<string, unknown>, ctx: MailContext) {
  const tr = translator(locale);
  const params = { site: ctx.siteName, ...scalars(data) };
  const listKind = LIST_KINDS.has(kind);
  // A list mail about a single item (one notification) is titled by it: `mail.<kind>.subjectOne` with the payload's `title`.
  const subjectKey = (listKind && typeof data.title === 'string' ? `mail.${kind}.subjectOne` : `mail.${kind}.subject`) as MessageKey;
  const subject = tr.t(subjectKey, params).replace(/[\r\n]+/g, ' ').slice(0, 250);
  const body = tr.t(`mail.${kind}.body` as MessageKey, params);
  const footer = tr.t('mail.footer', { site: ctx.siteName, url: ctx.baseUrl });
  const list = listKind ? renderList(tr, readListPayload(data)) : null;
  const text = `${body}${list ? `\n\n${list.text}` : ''}\n\n-- \n${footer}\n`;
  const paragraphs = body.split(/\n{2,}/).map((p) => {
    const trimmed = p.trim();
    if (/^https?:\/\/\S+$/.test(trimmed)) {
      return `<p><a href="${escapeHtml(trimmed)}" style="display:inline-block;padding:10px 16px;background:#2563eb;color:#fff;border-radius:8px;text-decoration:none">${escapeHtml(tr.t('mail.open'))}</a></p><p style="color:#5d6676;font-size:13px">${escapeHtml(trimmed)}</p>`;
    }
    return `<p>${escapeHtml(trimmed).replace(/\n/g, '<br>')}</p>`;
  });
  const html = `<!doctype html><html lang="${locale}"><body style="font-family:system-ui,sans-serif;color:#161b26;line-height:1.5;max-width:560px">${paragraphs.join('')}${list?.html ?? ''}<hr style="border:0;border-top:1px solid #e3e6eb"><p style="color:#5d6676;font-size:13px">${escapeHtml(footer)}</p></body></html>`;
  return { subject, text, html };
}
