import { parseHTML } from 'linkedom';

/** Parses an HTML page or fragment for querying by id, role and selector. */
export function dom(html: string): Document {
  const wrapped = /<html[\s>]/i.test(html) ? html : `<!doctype html><html><body>${html}</body></html>`;
  return parseHTML(wrapped).document as unknown as Document;
}

export function text(el: Element | null | undefined): string {
  return (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
}
