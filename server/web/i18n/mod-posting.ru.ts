import type { modPostingEn } from './mod-posting.en.js';

/** Russian messages for moderation (posting). */
export const modPostingRu: Record<keyof typeof modPostingEn, string> & Record<string, string> = {
};
