import { parseHTML } from 'linkedom';

/** Parses an HTML page or fragment for querying by id, role and selector. */
export function dom(html: string): Document {
  const wrapped = /<html[\s>]/i.test(html) ? html : `<!doctype html><html><body>${html}</body></html>`;
  return parseHTML(wrapped).document as unknown as Document;
}

export function text(el: Element | null | undefined): string {
  return (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** A form field as the user sees it: its value, whether it is marked invalid, and the message tied to it. */
export function formField(doc: Document, name: string) {
  const input = doc.querySelector(`#f-${name}`);
  const describedBy = (input?.getAttribute('aria-describedby') ?? '').split(/\s+/);
  const error = doc.querySelector(`#f-${name}-error`);
  return {
    value: input?.tagName === 'TEXTAREA' ? (input.textContent ?? '') : (input?.getAttribute('value') ?? null),
    invalid: input?.getAttribute('aria-invalid') === 'true',
    error: error && describedBy.includes(`f-${name}-error`) ? text(error) : null,
  };
}
