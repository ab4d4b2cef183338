import type { draftsEn } from './drafts.en.js';

/** Russian messages for drafts. */
export const draftsRu: Record<keyof typeof draftsEn, string> & Record<string, string> = {
  'drafts.title': 'Черновик',
  'drafts.save': 'Сохранить черновик',
  'drafts.saved': 'Черновик сохранён',
  'drafts.restored': 'Сохранённый черновик снова в форме.',
  'drafts.discard': 'Удалить черновик',
  'drafts.discardConfirm': 'Удалить черновик? Текст пропадёт.',
  'drafts.tooLong': 'Черновик не сохранён: {detail}',
  'drafts.back': 'Вернуться к форме',
};
