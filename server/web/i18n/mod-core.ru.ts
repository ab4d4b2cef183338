import type { modCoreEn } from './mod-core.en.js';

/** Russian messages for moderation (core). */
export const modCoreRu: Record<keyof typeof modCoreEn, string> & Record<string, string> = {
  'nav.moderation': 'Модерация',
  'sanction.silencedUntil': 'Ваша учётная запись ограничена до {until}: можно читать и ставить реакции, но не писать.',
  'sanction.silencedForever': 'Ваша учётная запись ограничена: можно читать и ставить реакции, но не писать.',
  'sanction.reason': 'Причина: {reason}',
};
