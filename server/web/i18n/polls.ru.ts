import type { pollsEn } from './polls.en.js';

/** Russian messages for polls. */
export const pollsRu: Record<keyof typeof pollsEn, string> & Record<string, string> = {
};
