/**
 * Word and phrase filters. Admin lists are plain text, never regular expressions: the text and every entry are
 * split into words with one fixed pattern, and entries match whole words (or runs of whole words) by comparing
 * folded strings. No pattern is ever built from admin input, so there is nothing to escape and no ReDoS.
 */

/** One word of a text: letters, digits, combining marks and "_" (Unicode-aware), with its place in the original. */
export interface Token {
  folded: string;
  start: number;
  end: number;
}

// The only pattern used on user text; linear (one character class, no nesting).
const WORD = /[\p{L}\p{N}\p{M}_]+/gu;

/** Case-insensitive comparison form: NFKC, lower case, `ё` read as `е`. */
export function fold(word: string): string {
  return word.normalize('NFKC').toLowerCase().replace(/ё/g, 'е');
}

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(WORD)) out.push({ folded: fold(m[0]), start: m.index, end: m.index + m[0].length });
  return out;
}

/** An entry prepared for matching: its folded words (an entry with no word characters matches nothing). */
interface Entry {
  word: string;
  parts: string[];
}

/** Entries indexed by their first folded word, so a text is scanned once whatever the list's length. */
export class WordList {
  private byFirst = new Map<string, Entry[]>();

  constructor(words: readonly string[]) {
    for (const word of words) {
      const parts = tokenize(word).map((t) => t.folded);
      if (!parts.length) continue;
      const list = this.byFirst.get(parts[0]!) ?? [];
      list.push({ word, parts });
      this.byFirst.set(parts[0]!, list);
    }
  }

  get empty(): boolean {
    return this.byFirst.size === 0;
  }

  /** Every match in the text: the entry and the tokens it covers (longest entry first at each place). */
  matches(text: string): { word: string; tokens: Token[] }[] {
    if (this.empty) return [];
    const tokens = tokenize(text);
    const out: { word: string; tokens: Token[] }[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const candidates = this.byFirst.get(tokens[i]!.folded);
      if (!candidates) continue;
      const hit = candidates
        .filter((e) => e.parts.every((p, k) => tokens[i + k]?.folded === p))
        .sort((a, b) => b.parts.length - a.parts.length)[0];
      if (!hit) continue;
      out.push({ word: hit.word, tokens: tokens.slice(i, i + hit.parts.length) });
      i += hit.parts.length - 1;
    }
    return out;
  }

  /** The first entry found in any of the texts, or null. */
  firstMatch(...texts: string[]): string | null {
    for (const t of texts) {
      const m = this.matches(t)[0];
      if (m) return m.word;
    }
    return null;
  }
}

/** A word with its inner letters masked: `плохо` → `п***о`, `ab` → `a*`, `a` → `*`. */
export function maskWord(word: string): string {
  const chars = [...word];
  if (chars.length <= 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return chars[0] + '*'.repeat(chars.length - 2) + chars.at(-1)!;
}

/** Plain text with every censored word masked. */
export function censorText(text: string, list: WordList): string {
  const matches = list.matches(text);
  if (!matches.length) return text;
  let out = '';
  let at = 0;
  for (const m of matches) {
    for (const t of m.tokens) {
      out += text.slice(at, t.start) + maskWord(text.slice(t.start, t.end));
      at = t.end;
    }
  }
  return out + text.slice(at);
}

// Cooked HTML is sanitized and well formed: tags and character references are left alone, text between them is masked.
const MARKUP = /(<[^>]*>|&[#a-zA-Z0-9]+;)/;

/** Cooked HTML with censored words masked in its text (never inside tags, attributes or character references). */
export function censorHtml(html: string, list: WordList): string {
  if (list.empty) return html;
  return html
    .split(MARKUP)
    .map((part, i) => (i % 2 === 1 ? part : censorText(part, list)))
    .join('');
}
