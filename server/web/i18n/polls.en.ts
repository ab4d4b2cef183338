/** English messages for polls. */
export const pollsEn = {
} as const;
