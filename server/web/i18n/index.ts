import { en, type MessageKey } from './en.js';
import { ru } from './ru.js';

export type Locale = 'ru' | 'en';
export const LOCALES: readonly Locale[] = ['ru', 'en'];
export type { MessageKey };

const catalogues: Record<Locale, Record<string, string>> = { en, ru };
const plurals: Record<Locale, Intl.PluralRules> = { en: new Intl.PluralRules('en'), ru: new Intl.PluralRules('ru') };
const dateFormats: Record<Locale, Intl.DateTimeFormat> = {
  en: new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
  ru: new Intl.DateTimeFormat('ru', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
};
const dayFormats: Record<Locale, Intl.DateTimeFormat> = {
  en: new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }),
  ru: new Intl.DateTimeFormat('ru', { dateStyle: 'long', timeZone: 'UTC' }),
};
const relative: Record<Locale, Intl.RelativeTimeFormat> = {
  en: new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'long' }),
  ru: new Intl.RelativeTimeFormat('ru', { numeric: 'auto', style: 'long' }),
};

type Params = Record<string, string | number>;

function fill(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Translation helpers bound to one locale; what templates receive as `it.t`. */
export interface Translator {
  locale: Locale;
  t(key: MessageKey, params?: Params): string;
  /** Plural-aware: looks up `${base}_${category}` (one/few/many/other) with {count}. */
  tn(base: string, count: number, params?: Params): string;
  date(d: Date): string;
  day(d: Date): string;
  ago(d: Date, now?: Date): string;
}

const cache = new Map<Locale, Translator>();

export function translator(locale: Locale): Translator {
  const hit = cache.get(locale);
  if (hit) return hit;
  const cat = catalogues[locale];
  const tr: Translator = {
    locale,
    t: (key, params) => fill(cat[key] ?? en[key] ?? key, params),
    tn: (base, count, params) => {
      const key = `${base}_${plurals[locale].select(count)}`;
      const text = cat[key] ?? cat[`${base}_other`] ?? (en as Record<string, string>)[`${base}_other`] ?? base;
      return fill(text, { count: count.toLocaleString(locale), ...params });
    },
    date: (d) => dateFormats[locale].format(d),
    day: (d) => dayFormats[locale].format(d),
    ago: (d, now = new Date()) => {
      const s = Math.round((d.getTime() - now.getTime()) / 1000);
      const abs = Math.abs(s);
      if (abs < 45) return cat['time.justNow']!;
      // Minutes and hours end where the rounded value would reach the next unit (never "60 min" or "24 hr").
      if (abs < 3570) return relative[locale].format(Math.round(s / 60), 'minute');
      if (abs < 84600) return relative[locale].format(Math.round(s / 3600), 'hour');
      if (abs < 86400 * 30) return relative[locale].format(Math.round(s / 86400), 'day');
      return dayFormats[locale].format(d);
    },
  };
  cache.set(locale, tr);
  return tr;
}

export function isLocale(v: unknown): v is Locale {
  return v === 'ru' || v === 'en';
}

/** Picks the best supported locale from an Accept-Language header, honouring q-values. */
export function negotiateLocale(header: string | undefined, fallback: Locale): Locale {
  if (!header) return fallback;
  const ranked = header
    .slice(0, 500)
    .split(',')
    .map((part, i) => {
      const [tag = '', ...rest] = part.split(';').map((s) => s.trim());
      const q = rest.find((r) => /^q=/i.test(r));
      return { lang: tag.toLowerCase().split('-')[0], q: q ? Number(q.slice(2)) || 0 : 1, i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { lang } of ranked) if (isLocale(lang)) return lang;
  return fallback;
}
