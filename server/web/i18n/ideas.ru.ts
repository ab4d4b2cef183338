import type { ideasEn } from './ideas.en.js';

/** Russian messages for ideas. */
export const ideasRu: Record<keyof typeof ideasEn, string> & Record<string, string> = {
};
