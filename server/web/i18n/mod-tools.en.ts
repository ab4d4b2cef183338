/** English messages for moderation (tools). Spread into en.ts; ru must mirror every key. */
export const modToolsEn = {
} as const;
