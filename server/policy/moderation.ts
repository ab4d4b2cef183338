import type { FlagReason, Role } from '../db/types.js';
import { canPost, canReadTopic, isBrandStaff, isLivePost, isStaff, isSuspended, isUnverified, type PostState, type TopicState, type Viewer } from './index.js';

/**
 * Moderation permissions (part of the one policy module; re-exported from policy/index.ts).
 * Pure functions of (viewer, thing, now), like the rest of the policy.
 */

type MaybeViewer = Viewer | null;

/** Moderators, staff and admins who are not suspended: the /mod area and its tools. */
export function canModerate(viewer: MaybeViewer, now = new Date()): viewer is Viewer {
  return isStaff(viewer, now);
}

/** Members from trust level 1 flag other people's live posts they can read; staff flag at any level. */
export function canFlag(viewer: MaybeViewer, topic: TopicState, post: PostState & { deleted_at: Date | null }, now = new Date()): viewer is Viewer {
  if (!viewer || isSuspended(viewer, now) || isUnverified(viewer) || !canReadTopic(viewer, topic) || post.deleted_at || topic.deleted_at) return false;
  if (viewer.id === post.user_id) return false;
  return viewer.trust_level >= 1 || isStaff(viewer, now);
}

/** A flag's base weight: 1 + the flagger's trust level; staff flags weigh 5. */
export function flagBaseWeight(flagger: Pick<Viewer, 'role' | 'trust_level'>): number {
  return flagger.role === 'member' ? 1 + flagger.trust_level : 5;
}

/**
 * The accuracy bonus: flaggers whose handled flags were mostly agreed with weigh more (up to +3), once they have
 * a record (at least 5 handled flags). Mostly wrong flaggers get no bonus (never a negative weight).
 */
export function flagAccuracyBonus(agreed: number, disagreed: number): number {
  const handled = agreed + disagreed;
  if (handled < 5) return 0;
  const accuracy = agreed / handled;
  if (accuracy >= 0.9) return 3;
  if (accuracy >= 0.75) return 2;
  if (accuracy >= 0.6) return 1;
  return 0;
}

/** A flag's full weight. */
export function flagWeight(flagger: Pick<Viewer, 'role' | 'trust_level'> & { flags_agreed: number; flags_disagreed: number }): number {
  return flagBaseWeight(flagger) + flagAccuracyBonus(flagger.flags_agreed, flagger.flags_disagreed);
}

/** Daily flag limit: the base × 1 (TL0–1), 1.5 (TL2), 2 (TL3), 3 (TL4); staff are not limited. */
export function dailyFlagLimit(base: number, trustLevel: number): number {
  const factor = [1, 1, 1.5, 2, 3][Math.min(4, Math.max(0, trustLevel))]!;
  return Math.floor(base * factor);
}

/**
 * Who may handle a flagged post or a held post: moderators and up, but never alone on their own post —
 * a moderator's own post is handled by staff or admins.
 */
export function canHandleReview(viewer: MaybeViewer, postAuthor: { id: number }, now = new Date()): viewer is Viewer {
  return canModerate(viewer, now) && viewer.id !== postAuthor.id;
}

const RANK: Record<Role, number> = { member: 0, moderator: 1, staff: 2, admin: 3 };

/**
 * Silencing and suspending: moderators sanction members; staff and admins also sanction moderators;
 * admins also sanction staff. Nobody sanctions themselves or an admin.
 */
export function canSanction(viewer: MaybeViewer, target: { id: number; role: Role }, now = new Date()): viewer is Viewer {
  if (!canModerate(viewer, now) || viewer.id === target.id || target.role === 'admin') return false;
  if (target.role === 'member') return true;
  return RANK[viewer.role] > RANK[target.role] && viewer.role !== 'moderator';
}

/** Lock, close, move, merge, split, pin in category, slow mode: moderators and up on topics they can read. */
export function canUseTopicTools(viewer: MaybeViewer, topic: TopicState, now = new Date()): viewer is Viewer {
  return canModerate(viewer, now) && canReadTopic(viewer, topic);
}

/** Hiding a live post (and restoring a hidden one) is for moderators on posts they can read — not their own. */
export function canHidePost(viewer: MaybeViewer, topic: TopicState, post: PostState, now = new Date()): viewer is Viewer {
  return canUseTopicTools(viewer, topic, now) && isLivePost(topic, post) && viewer.id !== post.user_id;
}

export function canUnhidePost(viewer: MaybeViewer, topic: TopicState, post: PostState, now = new Date()): viewer is Viewer {
  return canUseTopicTools(viewer, topic, now) && !!post.hidden_at && !post.deleted_at && viewer.id !== post.user_id;
}

/** Slow mode and posting limits do not apply to staff. */
export function isExemptFromLimits(viewer: MaybeViewer, now = new Date()): boolean {
  return isStaff(viewer, now);
}

/**
 * Whether a flag hides the post at once: the item's score reached the threshold, or a spam flag from a TL3+
 * member (or staff) on a TL0 author's post. Pure, so the rule is unit-tested on its own.
 */
export function autoHideRule(input: {
  score: number;
  threshold: number;
  reason: FlagReason;
  flagger: { role: Role; trust_level: number };
  authorTrustLevel: number;
}): 'score' | 'trusted_spam' | null {
  const trusted = input.flagger.role !== 'member' || input.flagger.trust_level >= 3;
  if (input.reason === 'spam' && trusted && input.authorTrustLevel === 0) return 'trusted_spam';
  if (input.score >= input.threshold) return 'score';
  return null;
}

/** Writing (posting, flag notes) needs an account that is neither suspended nor silenced. */
export { canPost };

/** The site banner speaks for the brand: brand staff and admins set and clear it. */
export function canManageBanner(viewer: MaybeViewer, now = new Date()): viewer is Viewer {
  return isBrandStaff(viewer, now);
}

/** Scheduled publishing speaks for the brand too: brand staff and admins. */
export function canScheduleTopics(viewer: MaybeViewer, now = new Date()): viewer is Viewer {
  return isBrandStaff(viewer, now);
}

/**
 * Pins: moderators and up pin a topic in its category (keeping order is their job); a global pin — on the home
 * page and every category — speaks for the brand, so it is for brand staff and admins.
 */
export function canPinTopic(viewer: MaybeViewer, topic: TopicState, scope: 'category' | 'global', now = new Date()): viewer is Viewer {
  if (!canUseTopicTools(viewer, topic, now) || topic.deleted_at) return false;
  return scope === 'category' || isBrandStaff(viewer, now);
}
