import type { modFlagsEn } from './mod-flags.en.js';

/** Russian messages for moderation (flags). */
export const modFlagsRu: Record<keyof typeof modFlagsEn, string> & Record<string, string> = {
};
