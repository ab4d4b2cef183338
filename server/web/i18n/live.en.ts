/** English messages for live updates. */
export const liveEn = {
  'live.tooManyStreams': 'Live updates are already on in {max} of your windows. Close one of them and this page will catch up by itself in a minute or two.',
  'live.newReplies_one': '{count} new reply — show',
  'live.newReplies_other': '{count} new replies — show',
  'notifications.kind.reaction': '{actor} reacted to your post in “{topic}”.',
  'live.reactionOthers_one': '{actor} and {count} other person reacted to your post in “{topic}”.',
  'live.reactionOthers_other': '{actor} and {count} others reacted to your post in “{topic}”.',
} as const;
