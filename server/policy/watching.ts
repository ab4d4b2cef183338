import type { ReadAccess, Role } from '../db/types.js';
import { canReadCategory, canReadTopic, canSeePostBody, isSuspended, type PostState, STAFF_ROLES, type TopicState, type Viewer, readAccessFor } from './index.js';

/**
 * Watching, bookmarks and muting (part of the one policy module; re-exported from policy/index.ts).
 * Pure functions of (viewer, thing, now), like the rest of the policy.
 */

type MaybeViewer = Viewer | null;

/** A notification's recipient as the fan-out sees them: not the viewer, just their role and standing. */
export interface Recipient {
  role: Role;
  suspended_until: Date | null;
}

/** The read_access values a recipient of this role may read (what readAccessFor gives that account, not suspended). */
export function recipientReadAccess(role: Role): ReadAccess[] {
  return readAccessFor({ id: 0, username: '', role, trust_level: 0, created_at: new Date(0), silenced_until: null, suspended_until: null });
}

/**
 * Whether someone may be told about a post in this category: a suspended account hears nothing, and nobody is
 * told about what they could not open. The fan-out's SQL is built from recipientReadAccess, so both agree.
 */
export function canBeNotified(recipient: Recipient, category: { read_access: ReadAccess }, now = new Date()): boolean {
  if (recipient.suspended_until && recipient.suspended_until > now) return false;
  return recipientReadAccess(recipient.role).includes(category.read_access);
}

/** Choosing a topic's watch level: any working account that can read the topic (silence does not matter). */
export function canWatchTopic(viewer: MaybeViewer, topic: TopicState, now = new Date()): viewer is Viewer {
  return !!viewer && !isSuspended(viewer, now) && canReadTopic(viewer, topic) && !topic.deleted_at;
}

/** Choosing a category's watch level. */
export function canWatchCategory(viewer: MaybeViewer, category: { read_access: ReadAccess }, now = new Date()): viewer is Viewer {
  return !!viewer && !isSuspended(viewer, now) && canReadCategory(viewer, category);
}

/** Bookmarking a post the viewer can read (its body, not a placeholder). */
export function canBookmark(viewer: MaybeViewer, topic: TopicState, post: PostState, now = new Date()): viewer is Viewer {
  return !!viewer && !isSuspended(viewer, now) && canReadTopic(viewer, topic) && canSeePostBody(viewer, post);
}

/**
 * Muting another member. Not oneself, and not staff: what moderators say (warnings, decisions) must reach
 * everyone — Discourse refuses the same. Unmuting is always allowed (so a member who later became staff can be let go).
 */
export function canMuteUser(viewer: MaybeViewer, target: { id: number; role: Role }, now = new Date()): viewer is Viewer {
  return !!viewer && !isSuspended(viewer, now) && viewer.id !== target.id && !STAFF_ROLES.includes(target.role);
}

export function canUnmuteUser(viewer: MaybeViewer, target: { id: number }, now = new Date()): viewer is Viewer {
  return !!viewer && !isSuspended(viewer, now) && viewer.id !== target.id;
}
