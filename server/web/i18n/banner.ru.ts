import type { bannerEn } from './banner.en.js';

/** Russian messages for the site banner. */
export const bannerRu: Record<keyof typeof bannerEn, string> & Record<string, string> = {
  'banner.title': 'Баннер сайта',
  'banner.nav': 'Баннер',
  'banner.lead': 'Короткое сообщение на каждой странице до выбранной даты — о сбое, запуске или событии. Участники могут его закрыть; новый баннер снова увидят все.',
  'banner.text': 'Текст (Markdown, до 500 символов)',
  'banner.topic': 'Ссылка на тему (номер, необязательно)',
  'banner.until': 'Показывать до (UTC)',
  'banner.publish': 'Опубликовать баннер',
  'banner.clear': 'Убрать баннер',
  'banner.current': 'Показывается до {until}',
  'banner.none': 'Сейчас баннер не показывается.',
  'banner.saved': 'Баннер опубликован.',
  'banner.dismiss': 'Закрыть баннер',
  'banner.more': 'Подробнее',
  'banner.untilFuture': 'Выберите дату и время в будущем.',
  'banner.noTopic': 'Такой темы нет.',
  'banner.cannot': 'Баннер сайта задают только сотрудники бренда.',
  'banner.label': 'Объявление',
};
