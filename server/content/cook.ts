import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

/** Bump when cooking changes; `npm run recook` re-renders posts cooked with an older version. */
export const COOK_VERSION = 1;

const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });

// markdown-it already refuses javascript:, vbscript:, file: and most data: URLs; sanitize-html below is the second wall.
const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'code', 'em', 'strong', 's', 'del',
    'ul', 'ol', 'li', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel', 'target'],
    img: ['src', 'alt', 'title', 'loading'],
    ol: ['start'],
    th: ['align'],
    td: ['align'],
    code: ['class'],
  },
  allowedClasses: { code: [/^language-[a-z0-9_+-]{1,30}$/] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'escape',
  transformTags: {
    a: (tagName, attribs) => ({
      tagName,
      attribs: { ...(attribs.href ? { href: attribs.href } : {}), ...(attribs.title ? { title: attribs.title } : {}), rel: 'nofollow ugc noopener' },
    }),
    img: (tagName, attribs) => ({ tagName, attribs: { ...attribs, loading: 'lazy' } }),
  },
};

/** Markdown → sanitized HTML. Run once, on save; templates print the stored result. */
export function cook(markdown: string): string {
  return sanitizeHtml(md.render(markdown), SANITIZE);
}

/** Plain-text excerpt of cooked HTML, for previews and meta descriptions. */
export function excerpt(html: string, max = 200): string {
  const text = sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} })
    // sanitize-html re-escapes text; undo it so the result is plain text that templates escape once.
    .replace(/&(lt|gt|quot|amp);/g, (_m, e: string) => ({ lt: '<', gt: '>', quot: '"', amp: '&' })[e]!)
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

/** Markdown that quotes a post in a reply: each line prefixed, with the author named. */
export function quoteMarkdown(username: string, bodyMd: string): string {
  const quoted = bodyMd.trim().split('\n').map((l) => `> ${l}`).join('\n');
  return `@${username}:\n${quoted}\n\n`;
}
