/** English messages for moderation (posting). Spread into en.ts; ru must mirror every key. */
export const modPostingEn = {
} as const;
