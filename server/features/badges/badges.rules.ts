import { type RawBuilder, sql } from 'kysely';
import type { Badge } from '../../db/types.js';
import type { MessageKey, Translator } from '../../web/i18n/index.js';

/**
 * The built-in badges. Each rule is set-based SQL: given a scope over user ids (a list, or an id range for the
 * sweep), it returns one row (user_id, post_id) per user in the scope who deserves the badge now. Rules read only
 * committed, live content (posts neither deleted nor hidden, topics not deleted), so work that was rolled back, or
 * later removed, never earns a badge. A badge once earned is kept (awarding never revokes).
 */
export type Scope = (column: string) => RawBuilder<unknown>;

export interface BuiltinBadge {
  key: string;
  icon: string;
  rule: (scope: Scope) => RawBuilder<unknown>;
}

const LIVE = sql`p.deleted_at is null and p.hidden_at is null and t.deleted_at is null`;

/** Users with at least `n` accepted answers that are still live; post_id is their first one. */
const accepted = (n: number) => (scope: Scope) => sql`
  select p.user_id, min(p.id) as post_id
  from topics t join posts p on p.id = t.solved_post_id
  where ${LIVE} and ${scope('p.user_id')}
  group by p.user_id having count(*) >= ${sql.lit(n)}`;

/** Thresholds kept in one place (tests and descriptions refer to them). */
export const THRESHOLDS = { helpful: 10, expert: 50, welcoming: 10, popularPost: 10, anniversaryDays: 365, activeDays: 30, trustLevel: 3 } as const;

export const BUILTIN_BADGES: readonly BuiltinBadge[] = [
  {
    key: 'first_post',
    icon: '✍️',
    rule: (scope) => sql`
      select p.user_id, min(p.id) as post_id
      from posts p join topics t on t.id = p.topic_id
      where p.post_number > 1 and ${LIVE} and ${scope('p.user_id')}
      group by p.user_id`,
  },
  {
    key: 'first_reaction',
    icon: '👋',
    rule: (scope) => sql`
      select p.user_id, min(p.id) as post_id
      from posts p join topics t on t.id = p.topic_id
      where ${LIVE} and ${scope('p.user_id')} and exists (select 1 from reactions r where r.post_id = p.id and r.user_id <> p.user_id)
      group by p.user_id`,
  },
  { key: 'first_accepted', icon: '✅', rule: accepted(1) },
  { key: 'helpful', icon: '🤝', rule: accepted(THRESHOLDS.helpful) },
  { key: 'expert', icon: '🎓', rule: accepted(THRESHOLDS.expert) },
  {
    // A newcomer's topic is its author's first topic (the lowest id among their topics, deleted or not).
    key: 'welcoming',
    icon: '🌱',
    rule: (scope) => sql`
      select p.user_id, null::int as post_id
      from posts p join topics t on t.id = p.topic_id
      where p.post_number > 1 and ${LIVE} and ${scope('p.user_id')} and p.user_id <> t.user_id
        and t.id = (select min(t2.id) from topics t2 where t2.user_id = t.user_id)
      group by p.user_id having count(distinct t.id) >= ${sql.lit(THRESHOLDS.welcoming)}`,
  },
  {
    // Reactions from distinct people (one person's several kinds count once, like a Discourse "like").
    key: 'popular_post',
    icon: '🔥',
    rule: (scope) => sql`
      select p.user_id, min(p.id) as post_id
      from (select r.post_id from reactions r join posts p2 on p2.id = r.post_id
            -- Only posts whose kept counts reach the threshold (served by the posts_popular partial index, 0024).
            where ${scope('p2.user_id')} and r.user_id <> p2.user_id and reaction_total(p2.reaction_counts) >= ${sql.lit(THRESHOLDS.popularPost)}
            group by r.post_id having count(distinct r.user_id) >= ${sql.lit(THRESHOLDS.popularPost)}) hot
      join posts p on p.id = hot.post_id join topics t on t.id = p.topic_id
      where ${LIVE}
      group by p.user_id`,
  },
  {
    // Simplified: the account is a year old and was seen (any signed-in request) in the last 30 days.
    key: 'anniversary',
    icon: '🎂',
    rule: (scope) => sql`
      select u.id as user_id, null::int as post_id from users u
      where ${scope('u.id')}
        and u.created_at <= now() - make_interval(days => ${sql.lit(THRESHOLDS.anniversaryDays)})
        and u.last_seen_at >= now() - make_interval(days => ${sql.lit(THRESHOLDS.activeDays)})`,
  },
  {
    key: 'trusted',
    icon: '🛡️',
    rule: (scope) => sql`select u.id as user_id, null::int as post_id from users u where ${scope('u.id')} and u.trust_level >= ${sql.lit(THRESHOLDS.trustLevel)}`,
  },
];

export const BUILTIN_KEYS = BUILTIN_BADGES.map((b) => b.key);

/** A badge's name and description in the viewer's language: built-ins from the catalogues, custom ones from their row. */
export function badgeText(badge: Pick<Badge, 'key' | 'name_en' | 'name_ru' | 'description_en' | 'description_ru'>, i18n: Pick<Translator, 't' | 'locale'>) {
  if (badge.key) {
    return { name: i18n.t(`badges.${badge.key}.name` as MessageKey), description: i18n.t(`badges.${badge.key}.description` as MessageKey, THRESHOLDS) };
  }
  const ru = i18n.locale === 'ru';
  return {
    name: (ru ? badge.name_ru || badge.name_en : badge.name_en || badge.name_ru) ?? '',
    description: (ru ? badge.description_ru || badge.description_en : badge.description_en || badge.description_ru) ?? '',
  };
}
