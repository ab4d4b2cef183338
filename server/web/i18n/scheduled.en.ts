/** English messages for scheduled publishing. */
export const scheduledEn = {
  'scheduled.title': 'Scheduled topics',
  'scheduled.nav': 'Scheduled',
  'scheduled.lead': 'Write an announcement now and choose when it appears. Until then only staff see it here; it is published with the same notifications as any new topic.',
  'scheduled.pending': 'Waiting to be published',
  'scheduled.none': 'Nothing is scheduled.',
  'scheduled.pinned': 'will be pinned',
  'scheduled.cancel': 'Cancel',
  'scheduled.newTitle': 'Schedule a topic',
  'scheduled.editTitle': 'Edit the scheduled topic',
  'scheduled.when': 'Publish at (UTC)',
  'scheduled.pin': 'Pin it in its category when published',
  'scheduled.schedule': 'Schedule',
  'scheduled.future': 'Choose a date and time in the future.',
  'scheduled.cannot': 'Only brand staff schedule topics.',
} as const;
