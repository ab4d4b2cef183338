/** English messages for ideas. */
export const ideasEn = {
} as const;
