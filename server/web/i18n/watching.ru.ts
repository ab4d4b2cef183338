import type { watchingEn } from './watching.en.js';

/** Russian messages for watching. */
export const watchingRu: Record<keyof typeof watchingEn, string> & Record<string, string> = {
};
