import type { pinsEn } from './pins.en.js';

/** Russian messages for pins. */
export const pinsRu: Record<keyof typeof pinsEn, string> & Record<string, string> = {
  'pins.title': 'Закрепить тему',
  'pins.menu': 'Закрепить…',
  'pins.scope': 'Где',
  'pins.scope.category': 'Вверху своего раздела',
  'pins.scope.global': 'Вверху главной страницы и всех разделов',
  'pins.until': 'До (UTC, необязательно)',
  'pins.untilHint': 'Оставьте пустым, чтобы тема оставалась закреплённой, пока её не открепят.',
  'pins.untilFuture': 'Выберите дату и время в будущем или оставьте поле пустым.',
  'pins.untilShort': 'до {until}',
  'pins.submit': 'Закрепить',
  'pins.global': 'Закреплено для всех',
  'pins.dismiss': 'Скрыть',
  'pins.dismissLabel': 'Скрыть для меня закреплённую тему «{title}»',
  'pins.globalStaffOnly': 'Закреплять темы для всех и снимать такие закрепления могут только сотрудники бренда.',
};
