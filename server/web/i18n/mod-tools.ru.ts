import type { modToolsEn } from './mod-tools.en.js';

/** Russian messages for moderation (tools). */
export const modToolsRu: Record<keyof typeof modToolsEn, string> & Record<string, string> = {
};
