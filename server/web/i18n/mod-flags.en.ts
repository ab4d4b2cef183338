/** English messages for moderation (flags). Spread into en.ts; ru must mirror every key. */
export const modFlagsEn = {
} as const;
