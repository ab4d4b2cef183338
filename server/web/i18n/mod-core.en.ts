/** English messages for moderation (core: navigation, sanctions as the member sees them, audit action names). */
export const modCoreEn = {
  'nav.moderation': 'Moderation',
  'sanction.silencedUntil': 'Your account is silenced until {until}: you can read and react, but not post.',
  'sanction.silencedForever': 'Your account is silenced: you can read and react, but not post.',
  'sanction.reason': 'Reason: {reason}',
} as const;
