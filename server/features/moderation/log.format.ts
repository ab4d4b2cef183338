import type { Translator } from '../../web/i18n/index.js';
import { isPermanent } from './sanctions.js';
import type { LogEntry } from './log.queries.js';

type Details = Record<string, unknown>;

function seconds(t: Translator, s: number): string {
  if (s <= 0) return t.t('tools.duration.off');
  if (s % 86400 === 0) return t.tn('tools.duration.days', s / 86400);
  if (s % 3600 === 0) return t.tn('tools.duration.hours', s / 3600);
  if (s % 60 === 0) return t.tn('tools.duration.minutes', s / 60);
  return t.t('tools.duration.seconds', { n: s });
}

function untilText(t: Translator, raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const d = new Date(raw);
  if (Number.isNaN(d.getTime())) return null;
  return isPermanent(d) ? t.t('sanctions.permanent') : t.t('log.detail.until', { until: t.date(d) });
}

/** How one side of a from/to pair reads for this action (role names, category names, durations, plain values). */
function side(t: Translator, action: string, details: Details, which: 'from' | 'to'): string {
  const value = details[which];
  if (action === 'role_change' && typeof value === 'string') return t.t(`profile.role.${value}` as never);
  if (action === 'topic_move') return String(details[`${which}_name`] ?? value);
  if (action === 'topic_slow_mode' && typeof value === 'number') return seconds(t, value);
  if (action === 'trust_level_change') return t.t('admin.users.trustLevel', { level: Number(value) });
  if (action === 'topic_merge' || action === 'topic_split') return t.t('log.topic', { id: Number(value) });
  return String(value);
}

/** The before/after and other details of a log entry as short readable phrases, in the viewer's language. */
export function describeDetails(t: Translator, entry: Pick<LogEntry, 'action' | 'details'>): string[] {
  const d = (entry.details ?? {}) as Details;
  const out: string[] = [];
  if ('from' in d && 'to' in d) out.push(t.t('log.detail.fromTo', { from: side(t, entry.action, d, 'from'), to: side(t, entry.action, d, 'to') }));
  const until = untilText(t, d.until);
  if (until) out.push(until);
  if (d.locked === true) out.push(t.t('log.detail.locked'));
  if (typeof d.posts === 'number') out.push(t.tn('log.detail.posts', d.posts));
  return out;
}
