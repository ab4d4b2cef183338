import type { searchEn } from './search.en.js';

/** Russian messages for search. */
export const searchRu: Record<keyof typeof searchEn, string> & Record<string, string> = {
  'search.title': 'Поиск',
  'search.titleFor': 'Поиск: {q}',
  'search.query': 'Поиск по сообществу',
  'search.placeholder': 'Слова, «точная фраза», -исключить',
  'search.submit': 'Найти',
  'search.filters': 'Фильтры и сортировка',
  'search.category': 'Раздел',
  'search.anyCategory': 'Любой раздел',
  'search.user': 'Автор (имя пользователя)',
  'search.status': 'Вопросы',
  'search.status.any': 'Все темы',
  'search.status.solved': 'Решённые вопросы',
  'search.status.unsolved': 'Нерешённые вопросы',
  'search.sort': 'Сортировка',
  'search.sort.relevance': 'По релевантности',
  'search.sort.newest': 'Сначала новые',
  'search.results': 'Результаты поиска',
  'search.empty': 'По запросу «{q}» ничего не найдено.',
  'search.emptyHint': 'Попробуйте другие или более общие слова; формы слов учитываются: «роутер» найдёт и «роутеры».',
  'search.noMore': 'Больше результатов нет.',
  'search.inReply': 'ответ №{number}',
  'search.noSuchCategory': 'Такого раздела нет.',
  'search.noSuchUser': 'Участника с таким именем нет.',
};
