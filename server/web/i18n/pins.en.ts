/** English messages for pins. */
export const pinsEn = {
  'pins.title': 'Pin the topic',
  'pins.menu': 'Pin…',
  'pins.scope': 'Where',
  'pins.scope.category': 'At the top of its category',
  'pins.scope.global': 'At the top of the home page and every category',
  'pins.until': 'Until (UTC, optional)',
  'pins.untilHint': 'Leave empty to keep it pinned until someone unpins it.',
  'pins.untilFuture': 'Choose a date and time in the future, or leave it empty.',
  'pins.untilShort': 'until {until}',
  'pins.submit': 'Pin',
  'pins.global': 'Pinned for everyone',
  'pins.dismiss': 'Hide',
  'pins.dismissLabel': 'Hide the pinned topic “{title}” for me',
  'pins.globalStaffOnly': 'Only brand staff pin topics for everyone or take such pins down.',
} as const;
