import type { FormError } from '../../web/forms.js';
import type { ReactionDef, Settings } from './settings.js';

/** The admin form's limits (stricter than what settings.ts accepts, which also has to read older stored values). */
export const MAX_REACTIONS = 12;
const KEY = /^[a-z_]{1,20}$/;
const INTEGER = /^[+-]?\d{1,6}$/;
const WEIGHT = { min: -100, max: 100 };
const LIMIT = { min: 0, max: 10_000 };
/** Minutes an unread notification waits before it is mailed: a minute to a week. */
const MAIL_DELAY = { min: 1, max: 7 * 24 * 60 };

/** The form as submitted (or as rendered from the settings in force): strings only. */
export interface SettingsFormValues {
  reactions: { key: string; emoji: string; weight: string }[];
  accepted_answer: string;
  accept_own: string;
  limits: string[];
  mail_delay: string;
}

export interface SettingsFormBody {
  key?: string[];
  emoji?: string[];
  weight?: string[];
  accepted_answer?: string;
  accept_own?: string;
  limit?: string[];
  mail_delay?: string;
}

/** The settings in force as form values, with blank rows up to MAX_REACTIONS so a reaction can be added. */
export function formFromSettings(s: Settings): SettingsFormValues {
  const rows = s.reactions.map((r) => ({ key: r.key, emoji: r.emoji, weight: String(r.weight) }));
  while (rows.length < MAX_REACTIONS) rows.push({ key: '', emoji: '', weight: '' });
  return {
    reactions: rows,
    accepted_answer: String(s.reputation.accepted_answer),
    accept_own: String(s.reputation.accept_own),
    limits: s.reaction_daily_limits.map(String),
    mail_delay: String(s.notification_mail_delay_minutes ?? 10),
  };
}

/** The submitted form as values to re-render, padded the same way. */
export function formFromBody(body: SettingsFormBody): SettingsFormValues {
  const n = Math.min(Math.max(body.key?.length ?? 0, body.emoji?.length ?? 0, body.weight?.length ?? 0), MAX_REACTIONS);
  const rows = Array.from({ length: Math.max(n, MAX_REACTIONS) }, (_, i) => ({ key: body.key?.[i] ?? '', emoji: body.emoji?.[i] ?? '', weight: body.weight?.[i] ?? '' }));
  return {
    reactions: rows,
    accepted_answer: body.accepted_answer ?? '',
    accept_own: body.accept_own ?? '',
    limits: Array.from({ length: 5 }, (_, i) => body.limit?.[i] ?? ''),
    mail_delay: body.mail_delay ?? '',
  };
}

function integer(raw: string, range: { min: number; max: number }): number | undefined {
  const s = raw.trim();
  if (!INTEGER.test(s)) return undefined;
  const n = Number(s);
  return n >= range.min && n <= range.max ? n : undefined;
}

/**
 * Checks the form against the admin rules: a settings patch, or the errors by field
 * (`key_3`, `emoji_3`, `weight_3` for row 3; `reactions` for the list as a whole; `limit_0`…`limit_4`; `mail_delay`).
 * A row left entirely blank is no reaction.
 */
export function parseSettingsForm(v: SettingsFormValues): { patch: Omit<Settings, 'moderation' | 'banner'> } | { errors: FormError['fields'] } {
  const errors: FormError['fields'] = {};
  const reactions: ReactionDef[] = [];
  const range = (r: { min: number; max: number }) => ({ key: 'errors.integerRange' as const, params: { min: r.min, max: r.max } });
  v.reactions.forEach((row, i) => {
    const key = row.key.trim();
    const emoji = row.emoji.trim();
    if (!key && !emoji && !row.weight.trim()) return;
    const weight = integer(row.weight, WEIGHT);
    if (!KEY.test(key)) errors[`key_${i}`] = { key: 'errors.reactionKeyFormat' };
    else if (reactions.some((r) => r.key === key)) errors[`key_${i}`] = { key: 'errors.reactionKeyTaken' };
    if (!emoji || emoji.length > 16) errors[`emoji_${i}`] = { key: 'errors.emojiFormat' };
    if (weight === undefined) errors[`weight_${i}`] = range(WEIGHT);
    reactions.push({ key, emoji, weight: weight ?? 0 });
  });
  if (reactions.length < 1 || reactions.length > MAX_REACTIONS) errors.reactions = { key: 'errors.reactionsCount' };
  const acceptedAnswer = integer(v.accepted_answer, WEIGHT);
  const acceptOwn = integer(v.accept_own, WEIGHT);
  if (acceptedAnswer === undefined) errors.accepted_answer = range(WEIGHT);
  if (acceptOwn === undefined) errors.accept_own = range(WEIGHT);
  const limits = v.limits.map((l, i) => {
    const n = integer(l, LIMIT);
    if (n === undefined) errors[`limit_${i}`] = range(LIMIT);
    return n ?? 0;
  });
  const mailDelay = integer(v.mail_delay, MAIL_DELAY);
  if (mailDelay === undefined) errors.mail_delay = range(MAIL_DELAY);
  if (Object.keys(errors).length) return { errors };
  return {
    patch: { reactions, reputation: { accepted_answer: acceptedAnswer!, accept_own: acceptOwn! }, reaction_daily_limits: limits, notification_mail_delay_minutes: mailDelay! },
  };
}
