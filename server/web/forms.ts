import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MessageKey, Translator } from './i18n/index.js';

/** A rule broken by user input: field → message key (+ params). Routes re-render the form with it (422). */
export class FormError extends Error {
  constructor(public fields: Record<string, { key: MessageKey; params?: Record<string, string | number> }>) {
    super('form has errors');
  }
}

export type FieldErrors = Record<string, string>;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export class BadInputError extends Error {
  statusCode = 400;
  code = 'VECHE_BAD_INPUT';
}

function decodeComponent(s: string): string {
  const decoded = decodeURIComponent(s.replace(/\+/g, ' '));
  if (decoded.includes('\0')) throw new BadInputError('NUL byte in form field');
  return decoded;
}

/**
 * application/x-www-form-urlencoded parser that refuses, instead of silently repairing,
 * invalid UTF-8, malformed percent-escapes and NUL bytes (400). Line endings become \n.
 */
export function parseUrlEncoded(buf: Buffer): Record<string, string | string[]> {
  let text: string;
  try {
    text = strictUtf8.decode(buf);
  } catch {
    throw new BadInputError('body is not valid UTF-8');
  }
  const out: Record<string, string | string[]> = Object.create(null);
  if (!text) return out;
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
      value = decodeComponent(eq === -1 ? '' : pair.slice(eq + 1)).replace(/\r\n?/g, '\n');
    } catch (err) {
      if (err instanceof BadInputError) throw err;
      throw new BadInputError('malformed percent-encoding or UTF-8 in form field');
    }
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return { ...out };
}

function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\0') || hasNul(v));
  return false;
}

export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseUrlEncoded(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  // JSON bodies reach the same handlers: refuse a "\u0000" there too, or it ends as a 500 from PostgreSQL.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    parseJson(req, body as string, (err, value) => {
      if (err) done(err, undefined);
      else if (hasNul(value)) done(new BadInputError('NUL byte in JSON body'), undefined);
      else done(null, value);
    });
  });
}

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** Turns schema validation errors (shape) and FormError (rules) into translated messages per field. */
export function fieldErrors(i18n: Translator, source: { validation?: AjvError[] } | FormError | undefined | null): FieldErrors {
  const out: FieldErrors = {};
  if (!source) return out;
  if (source instanceof FormError) {
    for (const [field, { key, params }] of Object.entries(source.fields)) out[field] = i18n.t(key, params);
    return out;
  }
  for (const e of source.validation ?? []) {
    const field = e.keyword === 'required' ? String(e.params.missingProperty ?? '') : e.instancePath.replace(/^\//, '').split('/')[0]!;
    if (!field || out[field]) continue;
    if (e.keyword === 'required') out[field] = i18n.t('errors.required');
    else if (e.keyword === 'minLength') out[field] = Number(e.params.limit) <= 1 ? i18n.t('errors.required') : i18n.t('errors.tooShort', { limit: Number(e.params.limit) });
    else if (e.keyword === 'maxLength') out[field] = i18n.t('errors.tooLong', { limit: Number(e.params.limit) });
    else out[field] = i18n.t('errors.invalid');
  }
  return out;
}

/** The submitted form values as strings, to refill a form after an error. */
export function formValues(request: FastifyRequest): Record<string, string> {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (k !== '_csrf') out[k] = Array.isArray(v) ? String(v[0] ?? '') : String(v ?? '');
  return out;
}
