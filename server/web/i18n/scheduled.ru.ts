import type { scheduledEn } from './scheduled.en.js';

/** Russian messages for scheduled publishing. */
export const scheduledRu: Record<keyof typeof scheduledEn, string> & Record<string, string> = {
  'scheduled.title': 'Запланированные темы',
  'scheduled.nav': 'Запланировано',
  'scheduled.lead': 'Напишите объявление сейчас и выберите, когда оно появится. До этого его видят только сотрудники на этой странице; при публикации уходят те же уведомления, что и для любой новой темы.',
  'scheduled.pending': 'Ждут публикации',
  'scheduled.none': 'Ничего не запланировано.',
  'scheduled.pinned': 'будет закреплена',
  'scheduled.cancel': 'Отменить',
  'scheduled.newTitle': 'Запланировать тему',
  'scheduled.editTitle': 'Изменить запланированную тему',
  'scheduled.when': 'Опубликовать (UTC)',
  'scheduled.pin': 'Закрепить в разделе при публикации',
  'scheduled.schedule': 'Запланировать',
  'scheduled.future': 'Выберите дату и время в будущем.',
  'scheduled.cannot': 'Планировать темы могут только сотрудники бренда.',
};
