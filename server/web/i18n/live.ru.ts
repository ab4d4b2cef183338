import type { liveEn } from './live.en.js';

/** Russian messages for live updates. */
export const liveRu: Record<keyof typeof liveEn, string> & Record<string, string> = {
  'live.tooManyStreams': 'Обновления в реальном времени уже включены в {max} ваших окнах. Закройте одно из них — эта страница подхватит обновления сама через минуту-другую.',
  'live.newReplies_one': '{count} новый ответ — показать',
  'live.newReplies_few': '{count} новых ответа — показать',
  'live.newReplies_many': '{count} новых ответов — показать',
  'live.newReplies_other': '{count} нового ответа — показать',
  'notifications.kind.reaction': '{actor} отреагировал(а) на ваше сообщение в теме «{topic}».',
  'live.reactionOthers_one': '{actor} и ещё {count} участник отреагировали на ваше сообщение в теме «{topic}».',
  'live.reactionOthers_few': '{actor} и ещё {count} участника отреагировали на ваше сообщение в теме «{topic}».',
  'live.reactionOthers_many': '{actor} и ещё {count} участников отреагировали на ваше сообщение в теме «{topic}».',
  'live.reactionOthers_other': '{actor} и ещё {count} участника отреагировали на ваше сообщение в теме «{topic}».',
};
