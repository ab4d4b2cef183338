import { type Locale, translator } from '../web/i18n/index.js';
import type { MessageKey } from '../web/i18n/index.js';

/** Every kind of mail; each has `mail.<kind>.subject` and `mail.<kind>.body` (plain text with {params}) in the catalogues. */
export const MAIL_KINDS = ['password_reset', 'email_changed'] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

export interface MailContext {
  siteName: string;
  baseUrl: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/**
 * A mail in the recipient's language: the text part from the catalogue, and an HTML part made from the same text
 * (escaped; links on lines of their own become buttons). Params are filled in by the translator.
 */
export function renderMail(kind: MailKind, locale: Locale, data: Record<string, string | number>, ctx: MailContext) {
  const tr = translator(locale);
  const params = { site: ctx.siteName, ...data };
  const subject = tr.t(`mail.${kind}.subject` as MessageKey, params);
  const body = tr.t(`mail.${kind}.body` as MessageKey, params);
  const footer = tr.t('mail.footer', { site: ctx.siteName, url: ctx.baseUrl });
  const text = `${body}\n\n-- \n${footer}\n`;
  const paragraphs = body.split(/\n{2,}/).map((p) => {
    const trimmed = p.trim();
    if (/^https?:\/\/\S+$/.test(trimmed)) {
      return `<p><a href="${escapeHtml(trimmed)}" style="display:inline-block;padding:10px 16px;background:#2563eb;color:#fff;border-radius:8px;text-decoration:none">${escapeHtml(tr.t('mail.open'))}</a></p><p style="color:#5d6676;font-size:13px">${escapeHtml(trimmed)}</p>`;
    }
    return `<p>${escapeHtml(trimmed).replace(/\n/g, '<br>')}</p>`;
  });
  const html = `<!doctype html><html lang="${locale}"><body style="font-family:system-ui,sans-serif;color:#161b26;line-height:1.5;max-width:560px">${paragraphs.join('')}<hr style="border:0;border-top:1px solid #e3e6eb"><p style="color:#5d6676;font-size:13px">${escapeHtml(footer)}</p></body></html>`;
  return { subject, text, html };
}
