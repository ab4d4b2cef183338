import { usernameKey } from '../../lib/identity.js';

/** At most this many mentioned members are told about one post (the rule; the rest are ignored). */
export const MAX_MENTIONS = 10;

const NAME = '[\\p{L}\\p{N}_-]{3,20}';
/** The header line quoteMarkdown (content/cook.ts) writes above a quote: `@username:`. */
const QUOTE_HEADER = new RegExp(`^@(${NAME}):\\s*$`, 'u');
const MENTION = new RegExp(`(?<![\\p{L}\\p{N}_@./-])@(${NAME})(?![\\p{L}\\p{N}_-])`, 'gu');

export interface PostRefs {
  /** Username keys (usernameKey) of members mentioned, in order of first appearance, without duplicates. */
  mentions: string[];
  /** Username keys of members quoted with the app's quote block. */
  quotes: string[];
}

/**
 * Who a post mentions and quotes, from its markdown. A quote is the block the app makes (`@name:` followed by
 * `> ` lines); mentions count outside quotes and code (quoting someone who mentioned a third person does not
 * mention them again), like Discourse.
 */
export function extractRefs(markdown: string): PostRefs {
  const lines = markdown.normalize('NFKC').split('\n');
  const quotes: string[] = [];
  const kept: string[] = [];
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced || /^\s*>/.test(line) || /^( {4}|\t)/.test(line)) continue;
    const header = QUOTE_HEADER.exec(line.trim());
    if (header && /^\s*>/.test(lines[i + 1] ?? '')) {
      quotes.push(usernameKey(header[1]!));
      continue;
    }
    kept.push(line.replace(/`[^`\n]*`/g, ' '));
  }
  const mentions: string[] = [];
  for (const m of kept.join('\n').matchAll(MENTION)) mentions.push(usernameKey(m[1]!));
  return { mentions: [...new Set(mentions)], quotes: [...new Set(quotes)] };
}
