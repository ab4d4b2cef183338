import type { unreadEn } from './unread.en.js';

/** Russian messages for new and unread lists. */
export const unreadRu: Record<keyof typeof unreadEn, string> & Record<string, string> = {
  'unread.nav.unread': 'Непрочитанное',
  'unread.nav.new': 'Новые',
  'unread.lists': 'Ваши списки для чтения',
  'unread.unread.title': 'Непрочитанное',
  'unread.unread.lead': 'Темы, которые вы открывали и в которых с тех пор появились ответы.',
  'unread.unread.empty': 'Вы всё прочитали: в открытых вами темах новых ответов нет.',
  'unread.unread.dismiss': 'Отметить всё прочитанным',
  'unread.new.title': 'Новые темы',
  'unread.new.lead': 'Темы за последние {days} дней, которые вы ещё не открывали.',
  'unread.new.empty': 'Новых тем нет: всё, что появилось в последнее время, вы уже открывали.',
  'unread.new.dismiss': 'Отметить все просмотренными',
  'unread.row.count_one': '{count} новое',
  'unread.row.count_few': '{count} новых',
  'unread.row.count_many': '{count} новых',
  'unread.row.count_other': '{count} новых',
  'unread.row.label_one': '{count} непрочитанное сообщение: перейти к первому',
  'unread.row.label_few': '{count} непрочитанных сообщения: перейти к первому',
  'unread.row.label_many': '{count} непрочитанных сообщений: перейти к первому',
  'unread.row.label_other': '{count} непрочитанного сообщения: перейти к первому',
  'unread.row.new': 'Новая',
  'unread.row.newLabel': 'Новая тема, вы её ещё не открывали',
};
