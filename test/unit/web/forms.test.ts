import { describe, expect, it } from 'vitest';
import { BadInputError, FormError, fieldErrors, parseUrlEncoded } from '../../../server/web/forms.js';
import { translator } from '../../../server/web/i18n/index.js';

const parse = (body: string | Buffer) => parseUrlEncoded(typeof body === 'string' ? Buffer.from(body, 'latin1') : body);

describe('parseUrlEncoded accepts well-formed forms', () => {
  it('decodes percent-escaped UTF-8', () => {
    expect(parse('title=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82&n=1')).toEqual({ title: 'Привет', n: '1' });
  });

  it('accepts raw UTF-8 bytes', () => {
    expect(parseUrlEncoded(Buffer.from('title=Привет', 'utf8'))).toEqual({ title: 'Привет' });
  });

  it('turns + into a space but keeps an escaped plus', () => {
    expect(parse('q=a+b%2Bc')).toEqual({ q: 'a b+c' });
  });

  it('turns CRLF and lone CR in values into LF', () => {
    expect(parse('body=one%0D%0Atwo%0Dthree%0Afour')).toEqual({ body: 'one\ntwo\nthree\nfour' });
  });

  it('collects a repeated key into an array, in order', () => {
    expect(parse('tag=a&tag=b&tag=c&x=1')).toEqual({ tag: ['a', 'b', 'c'], x: '1' });
  });

  it('treats a key without "=" as an empty value and skips empty pairs', () => {
    expect(parse('&&flag&a=1&')).toEqual({ flag: '', a: '1' });
  });

  it('splits on the first "=" only', () => {
    expect(parse('a=b=c')).toEqual({ a: 'b=c' });
  });

  it('returns an empty object for an empty body', () => {
    expect(parse('')).toEqual({});
  });

  it('ignores __proto__, constructor and prototype keys and does not pollute prototypes', () => {
    const out = parse('__proto__=x&constructor=y&prototype=z&__proto__%5Bpolluted%5D=1&ok=1');
    expect(out).toEqual({ ok: '1', '__proto__[polluted]': '1' });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(out)).not.toContain('__proto__');
  });

  it('also ignores a percent-encoded __proto__ key', () => {
    expect(parse('%5F%5Fproto%5F%5F=x&a=1')).toEqual({ a: '1' });
  });
});

describe('parseUrlEncoded refuses broken input with a 400', () => {
  it.each<[string, string | Buffer]>([
    ['a percent-encoded NUL in a value', 'a=x%00y'],
    ['a percent-encoded NUL in a key', 'a%00=1'],
    ['a raw NUL byte', Buffer.from([0x61, 0x3d, 0x00])],
    ['a raw 0xff byte', Buffer.from([0x61, 0x3d, 0xff])],
    ['a raw overlong "/" (C0 AF)', Buffer.from([0x61, 0x3d, 0xc0, 0xaf])],
    ['a raw truncated sequence', Buffer.from([0x61, 0x3d, 0xe0, 0xa4])],
    ['a percent-encoded 0xff', 'a=%FF'],
    ['a percent-encoded overlong "/" (%C0%AF)', 'a=%C0%AF'],
    ['a percent-encoded overlong NUL (%C0%80)', 'a=%C0%80'],
    ['a percent-encoded surrogate (%ED%A0%80)', 'a=%ED%A0%80'],
    ['a truncated escape (%E0%A4%A)', 'a=%E0%A4%A'],
    ['an incomplete multibyte escape (%E0%A4)', 'a=%E0%A4'],
    ['a lone percent', 'a=100%'],
    ['a non-hex escape', 'a=%zz'],
    ['a malformed escape in a key', '%E0%A4%A=1'],
  ])('refuses %s', (_name, body) => {
    let caught: unknown;
    try {
      parse(body);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BadInputError);
    expect((caught as BadInputError).statusCode).toBe(400);
    expect((caught as BadInputError).code).toBe('VECHE_BAD_INPUT');
  });
});

describe('fieldErrors', () => {
  const en = translator('en');
  const ru = translator('ru');

  it('returns no errors for nothing', () => {
    expect(fieldErrors(en, undefined)).toEqual({});
    expect(fieldErrors(en, null)).toEqual({});
    expect(fieldErrors(en, {})).toEqual({});
  });

  it('maps a missing property to "required" on that field', () => {
    expect(fieldErrors(en, { validation: [{ instancePath: '', keyword: 'required', params: { missingProperty: 'title' } }] })).toEqual({
      title: 'This field is required.',
    });
  });

  it('treats minLength 1 as "required" and longer minimums as "too short" with the limit', () => {
    const out = fieldErrors(en, {
      validation: [
        { instancePath: '/body', keyword: 'minLength', params: { limit: 1 } },
        { instancePath: '/title', keyword: 'minLength', params: { limit: 8 } },
      ],
    });
    expect(out).toEqual({ body: 'This field is required.', title: 'Too short: at least 8 characters.' });
  });

  it('maps maxLength to "too long" with the limit, in the viewer\'s language', () => {
    expect(fieldErrors(ru, { validation: [{ instancePath: '/title', keyword: 'maxLength', params: { limit: 200 } }] })).toEqual({
      title: 'Слишком длинно: не больше 200 символов.',
    });
  });

  it('maps any other keyword to "invalid" on the top-level field of a nested path', () => {
    expect(fieldErrors(en, { validation: [{ instancePath: '/tags/0', keyword: 'pattern', params: {} }] })).toEqual({ tags: 'This value is not valid.' });
  });

  it('keeps the first error per field', () => {
    const out = fieldErrors(en, {
      validation: [
        { instancePath: '/title', keyword: 'maxLength', params: { limit: 200 } },
        { instancePath: '/title', keyword: 'pattern', params: {} },
      ],
    });
    expect(out).toEqual({ title: 'Too long: at most 200 characters.' });
  });

  it('skips errors that name no field', () => {
    expect(fieldErrors(en, { validation: [{ instancePath: '', keyword: 'type', params: {} }] })).toEqual({});
  });

  it('translates a FormError field by field, with params', () => {
    const err = new FormError({ username: { key: 'errors.usernameTaken' }, body: { key: 'errors.tooShort', params: { limit: 3 } } });
    expect(fieldErrors(ru, err)).toEqual({ username: 'Это имя уже занято.', body: 'Слишком коротко: нужно не меньше 3 символов.' });
    expect(err).toBeInstanceOf(Error);
  });
});
