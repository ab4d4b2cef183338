import { describe, expect, it } from 'vitest';
import { avatarFor } from '../../../server/lib/avatar.js';
import { decodeCursor, encodeCursor } from '../../../server/lib/cursor.js';
import { emailKey, isValidUsername, usernameKey } from '../../../server/lib/identity.js';
import { parseId } from '../../../server/lib/ids.js';
import { slugify } from '../../../server/lib/slug.js';

describe('slugify', () => {
  it.each<[string, string]>([
    ['Привет, мир', 'privet-mir'],
    ['Ёжик в тумане', 'ezhik-v-tumane'],
    ['Щука, Юла и Хомяк', 'shchuka-yula-i-khomyak'],
    ['Цапля ЧЕРНАЯ Жук', 'tsaplya-chernaya-zhuk'],
    ['Объявление: съезд', 'obyavlenie-sezd'],
    ['Hello, World!', 'hello-world'],
    ['  --Spaces   and___underscores--  ', 'spaces-and-underscores'],
    ['Café déjà vu', 'cafe-deja-vu'],
    ['ＦＵＬＬ　ｗｉｄｔｈ　１２３', 'full-width-123'],
    ['Версия 2.0 вышла', 'versiya-2-0-vyshla'],
  ])('%j → %s', (title, slug) => {
    expect(slugify(title)).toBe(slug);
  });

  it.each(['', '   ', '!!!', '---', '🙂🙂', 'Ъь'])('falls back to "topic" when nothing is left of %j', (title) => {
    expect(slugify(title)).toBe('topic');
  });

  it.each([['Poll', 'poll-topic'], ['Reply', 'reply-topic'], ['Status!', 'status-topic'], ['Poll results', 'poll-results']])('never gives %j a slug that is also a topic sub-page', (title, slug) => {
    expect(slugify(title)).toBe(slug);
  });

  it('uses the given fallback', () => {
    expect(slugify('???', 'category')).toBe('category');
  });

  it('is at most 80 characters and never ends with a hyphen', () => {
    const long = slugify('слово '.repeat(50));
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long.length).toBeGreaterThan(70);
    expect(long).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(slugify('a'.repeat(200))).toBe('a'.repeat(80));
    expect(slugify('word-'.repeat(30))).not.toMatch(/-$/);
  });

  it('only ever produces lowercase latin letters, digits and single hyphens', () => {
    for (const title of ['<script>alert(1)</script>', '../../etc/passwd', 'Ünïcödé & Кириллица 中文', 'a\u0000b\nc']) {
      expect(slugify(title)).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
  });
});

describe('usernameKey', () => {
  it('makes Admin, admin, ADMIN and full-width ａｄｍｉｎ collide', () => {
    const keys = ['Admin', 'admin', 'ADMIN', 'ａｄｍｉｎ', 'ＡＤＭＩＮ'].map(usernameKey);
    expect(new Set(keys)).toEqual(new Set(['admin']));
  });

  it('makes Cyrillic case variants collide', () => {
    expect(usernameKey('Анна')).toBe(usernameKey('АННА'));
    expect(usernameKey('Анна')).toBe('анна');
  });

  it('makes composed and decomposed accents collide', () => {
    expect(usernameKey('Jose\u0301')).toBe(usernameKey('José'));
  });

  it('keeps different names apart', () => {
    expect(usernameKey('anna')).not.toBe(usernameKey('anne'));
    expect(usernameKey('anna_1')).not.toBe(usernameKey('anna-1'));
  });
});

describe('emailKey', () => {
  it('trims, lower-cases and normalises', () => {
    expect(emailKey('  Anna@Example.COM ')).toBe('anna@example.com');
    expect(emailKey('ａｎｎａ@example.com')).toBe('anna@example.com');
  });
});

describe('isValidUsername', () => {
  it.each(['abc', 'anna_k', 'an-na', 'Анна', 'user123', '名前です', 'a'.repeat(20), 'ａｂｃ', '___'])('accepts %j', (name) => {
    expect(isValidUsername(name)).toBe(true);
  });

  it.each([
    ['too short', 'ab'],
    ['too long', 'a'.repeat(21)],
    ['empty', ''],
    ['space', 'anna k'],
    ['dot', 'anna.k'],
    ['at sign', 'anna@x'],
    ['slash', 'an/na'],
    ['angle bracket', '<anna>'],
    ['emoji', '😀😀😀'],
    ['zero-width space', 'an\u200bna'],
    ['combining mark left over', 'abc\u0301\u0301'],
    ['NUL', 'ann\u0000a'],
    ['newline', 'anna\n'],
  ])('refuses %s (%j)', (_rule, name) => {
    expect(isValidUsername(name)).toBe(false);
  });
});

describe('cursor', () => {
  it('round-trips a date and an id', () => {
    const at = new Date('2024-05-15T12:34:56.789Z');
    const encoded = encodeCursor(at, 12345);
    expect(encoded).toBe(`${at.getTime()}_12345`);
    expect(decodeCursor(encoded)).toEqual({ at, id: 12345 });
  });

  it('round-trips the largest 32-bit id', () => {
    const at = new Date(0);
    expect(decodeCursor(encodeCursor(at, 2147483647))).toEqual({ at, id: 2147483647 });
  });

  it.each([
    ['not a string', 123],
    ['undefined', undefined],
    ['an array', ['1_1']],
    ['empty', ''],
    ['no separator', '1700000000000'],
    ['id 0', '1700000000000_0'],
    ['id with leading zero', '1700000000000_01'],
    ['negative id', '1700000000000_-1'],
    ['id above 32 bits', '1700000000000_2147483648'],
    ['negative time', '-1_1'],
    ['time with letters', '17e11_1'],
    ['too many digits of time', `${'9'.repeat(16)}_1`],
    ['trailing junk', '1700000000000_1x'],
    ['extra part', '1700000000000_1_2'],
    ['spaces', ' 1700000000000_1'],
    ['SQL', "1_1' or 1=1--"],
  ])('rejects %s', (_name, raw) => {
    expect(decodeCursor(raw)).toBeNull();
  });
});

describe('parseId', () => {
  it.each<[string, number]>([
    ['1', 1],
    ['42', 42],
    ['2147483647', 2147483647],
  ])('accepts %j', (raw, n) => {
    expect(parseId(raw)).toBe(n);
  });

  it.each<[string, unknown]>([
    ['zero', '0'],
    ['negative', '-1'],
    ['exponent', '1e3'],
    ['just past 32 bits', '2147483648'],
    ['eleven digits', '10000000000'],
    ['leading zeros', '007'],
    ['leading plus', '+1'],
    ['decimal', '1.0'],
    ['hex', '0x10'],
    ['spaces', ' 1'],
    ['trailing slug', '1-hello'],
    ['empty', ''],
    ['a number', 1],
    ['null', null],
    ['undefined', undefined],
    ['an array', ['1']],
  ])('rejects %s (%j)', (_name, raw) => {
    expect(parseId(raw)).toBeNull();
  });
});

describe('avatarFor', () => {
  it.each<[string, string | null | undefined, string]>([
    ['anna', null, 'AN'],
    ['anna', 'Anna Karenina', 'AK'],
    ['anna', 'anna  karenina  tolstaya', 'AK'],
    ['john_smith', null, 'JS'],
    ['mary-jane', undefined, 'MJ'],
    ['анна', 'Анна Петрова', 'АП'],
    ['x', '', 'X'],
    ['_anna', null, 'AN'],
    ['__bob', null, 'BO'],
    ['anna', '   ', 'AN'],
    ['bob', '😀 Smile', '😀S'],
    ['bob', '𝒜lice', '𝒜L'],
  ])('%s with display name %j → %s', (username, displayName, initials) => {
    expect(avatarFor(username, displayName).initials).toBe(initials);
  });

  it('never produces a lone surrogate', () => {
    for (const name of ['😀 Smile', '🙂🙂', 'a 🙂', '𝒜 𝒝']) {
      expect(avatarFor('bob', name).initials).not.toMatch(/[\uD800-\uDFFF]/u);
    }
  });

  it('gives the same colour for the same username, whatever the display name', () => {
    expect(avatarFor('anna', 'A').color).toBe(avatarFor('anna', 'Z').color);
    expect(avatarFor('anna').color).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('spreads colours across usernames', () => {
    const colours = new Set(['anna', 'boris', 'vera', 'gleb', 'dasha', 'egor', 'zhenya', 'ivan'].map((u) => avatarFor(u).color));
    expect(colours.size).toBeGreaterThan(3);
  });
});
