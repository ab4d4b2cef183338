import type { trustAdminEn } from './trust-admin.en.js';

/** Russian messages for the trust-level thresholds form. */
export const trustAdminRu: Record<keyof typeof trustAdminEn, string> & Record<string, string> = {
  'trustAdmin.nav': 'Уровни доверия',
  'trustAdmin.title': 'Пороги уровней доверия',
  'trustAdmin.lead': 'Участник автоматически получает следующий уровень, когда достигает всех его порогов. Уровень 4 выдаётся только вручную; уровень, закреплённый администратором, не меняется автоматически.',
  'trustAdmin.saved': 'Пороги уровней доверия сохранены. Они применятся при следующей проверке.',
  'trustAdmin.group.tl1': 'Уровень доверия 1 (базовый)',
  'trustAdmin.group.tl2': 'Уровень доверия 2 (участник)',
  'trustAdmin.group.tl3': 'Уровень доверия 3 (постоянный участник)',
  'trustAdmin.hint.tl1': 'С момента регистрации.',
  'trustAdmin.hint.tl2': 'С момента регистрации.',
  'trustAdmin.hint.tl3': 'За последний период; проценты считаются от дней периода и от тем (и их сообщений), созданных за него. Кто опустится ниже порогов, потеряет уровень после льготного срока.',
  'trustAdmin.field.topics_entered': 'Открыто тем',
  'trustAdmin.field.posts_read': 'Прочитано сообщений',
  'trustAdmin.field.minutes_read': 'Минут чтения',
  'trustAdmin.field.days_visited': 'Дней посещений',
  'trustAdmin.field.reactions_given': 'Поставлено реакций',
  'trustAdmin.field.reactions_received': 'Получено реакций',
  'trustAdmin.field.replied_topics': 'Тем с ответами участника',
  'trustAdmin.field.period_days': 'Период, дней',
  'trustAdmin.field.days_visited_pct': 'Дней посещений, % периода',
  'trustAdmin.field.topics_read_pct': 'Прочитано тем, %',
  'trustAdmin.field.posts_read_pct': 'Прочитано сообщений, %',
  'trustAdmin.field.max_posts_hidden': 'Не больше скрытых модерацией сообщений',
  'trustAdmin.field.grace_days': 'Льготный срок до потери уровня, дней',
};
