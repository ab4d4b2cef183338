/** English messages for moderation (core). Spread into en.ts; ru must mirror every key. */
export const modCoreEn = {
} as const;
