import type { FormError } from '../../web/forms.js';
import type { ModerationSettings } from './settings.js';

/**
 * The admin form for moderation settings: every field as a string (numbers as typed, lists one per line),
 * parsed with a message per field. Limits mirror settings.parseModeration so a valid form always stores.
 */

export const LIST_MAX = 500;
export const WORD_MAX = 100;
const INTEGER = /^\d{1,6}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Integer fields and their ranges (pairs are split into `_0` for TL0 and `_1` for TL1+). */
export const NUMBER_FIELDS = {
  auto_hide_score: { min: 1, max: 1000 },
  flag_daily_limit: { min: 0, max: 10_000 },
  approve_first_posts: { min: 0, max: 1000 },
  seconds_between_posts_0: { min: 0, max: 86_400 },
  seconds_between_posts_1: { min: 0, max: 86_400 },
  topics_per_day_0: { min: 0, max: 10_000 },
  topics_per_day_1: { min: 0, max: 10_000 },
  first_day_replies: { min: 0, max: 10_000 },
  new_user_max_links: { min: 0, max: 1000 },
  new_user_max_images: { min: 0, max: 1000 },
  new_user_same_domain_links: { min: 0, max: 1000 },
} as const;
export type NumberField = keyof typeof NUMBER_FIELDS;
export const LIST_FIELDS = ['blocked_domains', 'words_block', 'words_approve', 'words_censor'] as const;
export type ListField = (typeof LIST_FIELDS)[number];

export type ModerationFormValues = Record<NumberField | ListField, string>;

/** The settings in force as form values. */
export function formFromModeration(s: ModerationSettings): ModerationFormValues {
  return {
    auto_hide_score: String(s.auto_hide_score),
    flag_daily_limit: String(s.flag_daily_limit),
    approve_first_posts: String(s.approve_first_posts),
    seconds_between_posts_0: String(s.seconds_between_posts[0]),
    seconds_between_posts_1: String(s.seconds_between_posts[1]),
    topics_per_day_0: String(s.topics_per_day[0]),
    topics_per_day_1: String(s.topics_per_day[1]),
    first_day_replies: String(s.first_day_replies),
    new_user_max_links: String(s.new_user_max_links),
    new_user_max_images: String(s.new_user_max_images),
    new_user_same_domain_links: String(s.new_user_same_domain_links),
    blocked_domains: s.blocked_domains.join('\n'),
    words_block: s.words_block.join('\n'),
    words_approve: s.words_approve.join('\n'),
    words_censor: s.words_censor.join('\n'),
  };
}

/** The submitted body as form values (anything missing or not a string is blank). */
export function formFromBody(body: Record<string, unknown>): ModerationFormValues {
  const out = {} as ModerationFormValues;
  for (const k of [...Object.keys(NUMBER_FIELDS), ...LIST_FIELDS] as (NumberField | ListField)[]) {
    const v = body[k];
    out[k] = typeof v === 'string' ? v : '';
  }
  return out;
}

/** A pasted URL or `*.example.com` is read as its domain: `https://www.Example.com/x` → `www.example.com`. */
export function normalizeDomain(line: string): string {
  return line
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/^\*\./, '')
    .replace(/[/?#].*$/, '')
    .replace(/\.$/, '');
}

function lines(raw: string): string[] {
  return raw.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** Parses the form: the ModerationSettings to store, or the errors by field. */
export function parseModerationForm(v: ModerationFormValues): { settings: ModerationSettings } | { errors: FormError['fields'] } {
  const errors: FormError['fields'] = {};
  const n = {} as Record<NumberField, number>;
  for (const [field, range] of Object.entries(NUMBER_FIELDS) as [NumberField, { min: number; max: number }][]) {
    const s = v[field].trim();
    const num = INTEGER.test(s) ? Number(s) : NaN;
    if (!(num >= range.min && num <= range.max)) errors[field] = { key: 'errors.integerRange', params: { min: range.min, max: range.max } };
    else n[field] = num;
  }
  const lists = {} as Record<ListField, string[]>;
  for (const field of LIST_FIELDS) {
    const items: string[] = [];
    for (const line of lines(v[field])) {
      const item = field === 'blocked_domains' ? normalizeDomain(line) : line.replace(/\s+/g, ' ').toLowerCase();
      const bad = field === 'blocked_domains' ? !DOMAIN.test(item) : item.length > WORD_MAX;
      if (bad) {
        errors[field] = field === 'blocked_domains' ? { key: 'adminMod.badDomain', params: { line: line.slice(0, 100) } } : { key: 'adminMod.wordTooLong', params: { limit: WORD_MAX } };
        break;
      }
      if (!items.includes(item)) items.push(item);
    }
    if (!errors[field] && items.length > LIST_MAX) errors[field] = { key: 'adminMod.listTooLong', params: { limit: LIST_MAX } };
    lists[field] = items;
  }
  if (Object.keys(errors).length) return { errors };
  return {
    settings: {
      auto_hide_score: n.auto_hide_score,
      flag_daily_limit: n.flag_daily_limit,
      approve_first_posts: n.approve_first_posts,
      seconds_between_posts: [n.seconds_between_posts_0, n.seconds_between_posts_1],
      topics_per_day: [n.topics_per_day_0, n.topics_per_day_1],
      first_day_replies: n.first_day_replies,
      new_user_max_links: n.new_user_max_links,
      new_user_max_images: n.new_user_max_images,
      new_user_same_domain_links: n.new_user_same_domain_links,
      ...lists,
    },
  };
}

/** The fields that differ, as { before, after } (for the audit entry). */
export function changedFields(before: ModerationSettings, after: ModerationSettings): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const out = { before: {} as Record<string, unknown>, after: {} as Record<string, unknown> };
  for (const key of Object.keys(after) as (keyof ModerationSettings)[]) {
    if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    out.before[key] = before[key];
    out.after[key] = after[key];
  }
  return out;
}
