/** English messages for watching. */
export const watchingEn = {
} as const;
