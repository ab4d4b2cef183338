import type { modCoreEn } from './mod-core.en.js';

/** Russian messages for moderation (core). */
export const modCoreRu: Record<keyof typeof modCoreEn, string> & Record<string, string> = {
};
