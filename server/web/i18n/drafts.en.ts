/** English messages for drafts. */
export const draftsEn = {
  'drafts.title': 'Draft',
  'drafts.save': 'Save draft',
  'drafts.saved': 'Draft saved',
  'drafts.restored': 'Your saved draft is back in the form.',
  'drafts.discard': 'Discard draft',
  'drafts.discardConfirm': 'Discard this draft? The text will be lost.',
  'drafts.tooLong': 'The draft was not saved: {detail}',
  'drafts.back': 'Back to the form',
} as const;
