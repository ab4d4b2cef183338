import { describe, expect, it } from 'vitest';
import { en, type MessageKey } from '../../../server/web/i18n/en.js';
import { ru } from '../../../server/web/i18n/ru.js';
import { isLocale, negotiateLocale, translator, type Locale } from '../../../server/web/i18n/index.js';

const enCat: Record<string, string> = en;
const ruCat: Record<string, string> = ru;
const RU_ONLY_PLURAL = /_(few|many)$/;

function placeholders(s: string): string[] {
  return [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
}

describe('catalogues', () => {
  it('ru has every key of en', () => {
    expect(Object.keys(enCat).filter((k) => !(k in ruCat))).toEqual([]);
  });

  it('en has every key of ru, except ru-only plural forms (_few, _many)', () => {
    expect(Object.keys(ruCat).filter((k) => !(k in enCat) && !RU_ONLY_PLURAL.test(k))).toEqual([]);
  });

  it('every ru-only plural form belongs to a plural that en has (base_one and base_other)', () => {
    const orphans = Object.keys(ruCat)
      .filter((k) => RU_ONLY_PLURAL.test(k))
      .map((k) => k.replace(RU_ONLY_PLURAL, ''))
      .filter((base) => !(`${base}_one` in enCat) || !(`${base}_other` in enCat));
    expect(orphans).toEqual([]);
  });

  it('every Russian plural has all four forms (one, few, many, other)', () => {
    const bases = Object.keys(enCat).filter((k) => k.endsWith('_other')).map((k) => k.slice(0, -'_other'.length));
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) {
      for (const form of ['one', 'few', 'many', 'other']) expect(ruCat[`${base}_${form}`], `${base}_${form}`).toBeTruthy();
    }
  });

  it.each<[string, Record<string, string>]>([['en', enCat], ['ru', ruCat]])('%s has no empty or blank message', (_name, cat) => {
    expect(Object.entries(cat).filter(([, v]) => typeof v !== 'string' || v.trim() === '').map(([k]) => k)).toEqual([]);
  });

  it('each key has the same {placeholders} in en and ru', () => {
    const mismatched = Object.keys(enCat)
      .filter((k) => JSON.stringify(placeholders(enCat[k]!)) !== JSON.stringify(placeholders(ruCat[k] ?? '')))
      .map((k) => `${k}: en ${placeholders(enCat[k]!)} / ru ${placeholders(ruCat[k] ?? '')}`);
    expect(mismatched).toEqual([]);
  });

  it('ru-only plural forms have the same {placeholders} as en base_other', () => {
    const mismatched = Object.keys(ruCat)
      .filter((k) => RU_ONLY_PLURAL.test(k))
      .filter((k) => JSON.stringify(placeholders(ruCat[k]!)) !== JSON.stringify(placeholders(enCat[k.replace(RU_ONLY_PLURAL, '_other')] ?? '')));
    expect(mismatched).toEqual([]);
  });

  it('every plural message shows {count}', () => {
    const missing = Object.entries({ ...enCat, ...ruCat })
      .filter(([k]) => /_(one|few|many|other)$/.test(k))
      .filter(([, v]) => !v.includes('{count}'))
      .map(([k]) => k);
    expect(missing).toEqual([]);
  });
});

describe('translator().t', () => {
  it('translates in the chosen locale', () => {
    expect(translator('ru').t('nav.home')).toBe('Главная');
    expect(translator('en').t('nav.home')).toBe('Home');
  });

  it('fills {placeholders} with params', () => {
    expect(translator('en').t('common.page', { page: 2, pages: 7 })).toBe('Page 2 of 7');
    expect(translator('ru').t('errors.tooShort', { limit: 8 })).toBe('Слишком коротко: нужно не меньше 8 символов.');
  });

  it('leaves a placeholder without a param visible rather than printing "undefined"', () => {
    expect(translator('en').t('common.page', { page: 2 })).toBe('Page 2 of {pages}');
  });

  it('returns the key itself for an unknown key', () => {
    expect(translator('ru').t('no.such.key' as MessageKey)).toBe('no.such.key');
  });

  it('returns one cached translator per locale', () => {
    expect(translator('ru')).toBe(translator('ru'));
    expect(translator('ru')).not.toBe(translator('en'));
    expect(translator('en').locale).toBe('en');
  });
});

describe('translator().tn: plurals', () => {
  it.each<[number, string]>([
    [0, '0 тем'],
    [1, '1 тема'],
    [2, '2 темы'],
    [4, '4 темы'],
    [5, '5 тем'],
    [11, '11 тем'],
    [12, '12 тем'],
    [14, '14 тем'],
    [21, '21 тема'],
    [22, '22 темы'],
    [25, '25 тем'],
    [101, '101 тема'],
    [111, '111 тем'],
  ])('ru: %i → %s', (n, expected) => {
    expect(translator('ru').tn('count.topics', n)).toBe(expected);
  });

  it.each<[string, number, string]>([
    ['count.replies', 1, '1 ответ'],
    ['count.replies', 3, '3 ответа'],
    ['count.replies', 11, '11 ответов'],
    ['count.posts', 21, '21 сообщение'],
    ['count.posts', 24, '24 сообщения'],
    ['count.views', 100, '100 просмотров'],
  ])('ru: %s %i → %s', (base, n, expected) => {
    expect(translator('ru').tn(base, n)).toBe(expected);
  });

  it('ru: a fraction takes the genitive singular', () => {
    expect(translator('ru').tn('count.topics', 1.5)).toBe('1,5 темы');
  });

  it.each<[number, string]>([
    [0, '0 topics'],
    [1, '1 topic'],
    [2, '2 topics'],
    [21, '21 topics'],
  ])('en: %i → %s', (n, expected) => {
    expect(translator('en').tn('count.topics', n)).toBe(expected);
  });

  it('formats large counts with the locale grouping', () => {
    expect(translator('en').tn('count.views', 12345)).toBe('12,345 views');
    expect(translator('ru').tn('count.views', 12345).replace(/\s/g, ' ')).toBe('12 345 просмотров');
  });
});

describe('negotiateLocale', () => {
  it.each<[string | undefined, Locale, Locale]>([
    [undefined, 'ru', 'ru'],
    ['', 'en', 'en'],
    ['en', 'ru', 'en'],
    ['EN', 'ru', 'en'],
    ['ru-RU,ru;q=0.9,en;q=0.8', 'en', 'ru'],
    ['en-US,en;q=0.9,ru;q=0.8', 'ru', 'en'],
    ['de-DE,de;q=0.9,en;q=0.5', 'ru', 'en'],
    ['de-DE,fr', 'ru', 'ru'],
    ['de-DE,fr', 'en', 'en'],
    ['*', 'en', 'en'],
    ['en;q=0.2, ru;q=0.8', 'en', 'ru'],
    ['ru;q=0.5, en', 'ru', 'en'],
    ['fr;q=1, en;q=0.2, ru;q=0.3', 'en', 'ru'],
    ['en;q=0, ru;q=0.1', 'en', 'ru'],
    ['en;q=0', 'ru', 'ru'],
    ['en;q=garbage, ru;q=0.5', 'en', 'ru'],
    ['en, ru', 'ru', 'en'],
    ['ru, en', 'en', 'ru'],
    ['en ;q=0.9, de', 'ru', 'en'],
    ['en;Q=0.1, ru;q=0.5', 'en', 'ru'],
    ['  ru  ', 'en', 'ru'],
  ])('%j with fallback %s → %s', (header, fallback, expected) => {
    expect(negotiateLocale(header, fallback)).toBe(expected);
  });

  it('looks only at the first 500 characters of a long header', () => {
    expect(negotiateLocale(`${'xx;q=0.1,'.repeat(100)}en`, 'ru')).toBe('ru');
  });

  it('isLocale accepts only ru and en', () => {
    expect(['ru', 'en', 'de', 'RU', '', null, undefined, 1].map(isLocale)).toEqual([true, true, false, false, false, false, false, false]);
  });
});

describe('translator().ago', () => {
  const now = new Date('2024-05-15T12:00:00Z');
  const ago = (seconds: number, locale: Locale) => translator(locale).ago(new Date(now.getTime() - seconds * 1000), now);

  it.each<[number, string, string]>([
    [0, 'just now', 'только что'],
    [44, 'just now', 'только что'],
    [45, '1 minute ago', '1 минуту назад'],
    [5 * 60, '5 minutes ago', '5 минут назад'],
    [59 * 60, '59 minutes ago', '59 минут назад'],
    [59 * 60 + 50, '1 hour ago', '1 час назад'],
    [3 * 3600, '3 hours ago', '3 часа назад'],
    [23 * 3600, '23 hours ago', '23 часа назад'],
    [23 * 3600 + 59 * 60, 'yesterday', 'вчера'],
    [86400, 'yesterday', 'вчера'],
    [3 * 86400, '3 days ago', '3 дня назад'],
    [5 * 86400, '5 days ago', '5 дней назад'],
  ])('%i seconds ago → "%s" / "%s"', (seconds, inEn, inRu) => {
    expect(ago(seconds, 'en')).toBe(inEn);
    expect(ago(seconds, 'ru')).toBe(inRu);
  });

  it('never says "60 minutes" or "24 hours"', () => {
    for (let s = 3500; s <= 3700; s += 10) expect(ago(s, 'en'), `${s}s`).not.toMatch(/^60 min/);
    for (let s = 84000; s <= 86500; s += 100) expect(ago(s, 'en'), `${s}s`).not.toMatch(/^24 hr/);
  });

  it('speaks of the future for a later date', () => {
    expect(translator('en').ago(new Date(now.getTime() + 2 * 3600_000), now)).toBe('in 2 hours');
  });

  it('shows the date for anything a month old or older', () => {
    expect(ago(30 * 86400, 'en')).toBe('April 15, 2024');
    expect(ago(30 * 86400, 'ru')).toBe('15 апреля 2024 г.');
  });
});

describe('translator().date / day', () => {
  it('formats days in UTC in the locale', () => {
    const d = new Date('2024-03-08T23:30:00Z');
    expect(translator('en').day(d)).toBe('March 8, 2024');
    expect(translator('ru').day(d)).toBe('8 марта 2024 г.');
  });

  it('formats date and time in UTC', () => {
    expect(translator('en').date(new Date('2024-03-08T23:30:00Z'))).toMatch(/Mar 8, 2024.*11:30\sPM/);
  });
});
