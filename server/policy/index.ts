import type { Category, CategoryKind, PostAccess, ReadAccess, Role } from '../db/types.js';

/**
 * Every permission decision lives here as a pure, synchronous function of (viewer, thing, now).
 * Queries apply the same rules through the helpers that these functions are built on
 * (readAccessFor, postAccessFor), so the page and the list can never disagree.
 */
export interface Viewer {
  id: number;
  username: string;
  /** Shown in the header; not used by any decision. */
  display_name?: string | null;
  role: Role;
  trust_level: number;
  created_at: Date;
  silenced_until: Date | null;
  /** Shown to the silenced member with the end date; not used by any decision. */
  silenced_reason?: string | null;
  /** The id of the site banner this member closed; not used by any decision. */
  dismissed_banner_id?: number | null;
  /** The header bell's number; not used by any decision. */
  unread_notifications?: number;
  suspended_until: Date | null;
  /** Whether the member keeps any draft (pages skip the draft lookup otherwise); not used by any decision. */
  has_drafts?: boolean;
  /** The forum asks for a confirmed address and this account has not confirmed one yet: it reads, but does not write or react. */
  email_unverified?: boolean;
}

type MaybeViewer = Viewer | null;

export const STAFF_ROLES: readonly Role[] = ['moderator', 'staff', 'admin'];

/** Staff rights belong to a working account: a suspended moderator is treated as a guest. */
export function isStaff(viewer: MaybeViewer, now = new Date()): boolean {
  return !!viewer && STAFF_ROLES.includes(viewer.role) && !isSuspended(viewer, now);
}

export function isAdmin(viewer: MaybeViewer): boolean {
  return viewer?.role === 'admin';
}

export function isSuspended(viewer: MaybeViewer, now = new Date()): boolean {
  return !!viewer?.suspended_until && viewer.suspended_until > now;
}

export function isSilenced(viewer: MaybeViewer, now = new Date()): boolean {
  return !!viewer?.silenced_until && viewer.silenced_until > now;
}

/** The read_access values this viewer may read; used verbatim in SQL. */
export function readAccessFor(viewer: MaybeViewer): ReadAccess[] {
  if (!viewer || isSuspended(viewer)) return ['everyone'];
  return isStaff(viewer) ? ['everyone', 'members', 'staff'] : ['everyone', 'members'];
}

/** The post_access values under which this viewer may start topics; used verbatim in SQL. */
export function postAccessFor(viewer: MaybeViewer): PostAccess[] {
  if (!viewer) return [];
  return isStaff(viewer) ? ['members', 'staff'] : ['members'];
}

export function canReadCategory(viewer: MaybeViewer, category: Pick<Category, 'read_access'>): boolean {
  return readAccessFor(viewer).includes(category.read_access);
}

/** Signed in, but waiting to confirm the address the forum asked for (a guest is not "unverified"). */
export function isUnverified(viewer: MaybeViewer): boolean {
  return !!viewer?.email_unverified;
}

/** Whether the viewer may write at all (signed in, not suspended, not silenced, address confirmed if asked). */
export function canPost(viewer: MaybeViewer, now = new Date()): viewer is Viewer {
  return !!viewer && !isSuspended(viewer, now) && !isSilenced(viewer, now) && !isUnverified(viewer);
}

export function canStartTopic(viewer: MaybeViewer, category: Pick<Category, 'read_access' | 'post_access'>, now = new Date()): boolean {
  return canPost(viewer, now) && canReadCategory(viewer, category) && postAccessFor(viewer).includes(category.post_access);
}

export interface TopicState {
  category: Pick<Category, 'read_access' | 'post_access'>;
  locked_at: Date | null;
  /** Closed topics take no replies from anyone (staff reopen first); locked ones still take staff replies. */
  closed_at?: Date | null;
  deleted_at: Date | null;
  reply_count: number;
  /** A contest's entry deadline (contests feature); past it, only staff reply. */
  contest_deadline?: Date | null;
}

export function canReadTopic(viewer: MaybeViewer, topic: TopicState): boolean {
  if (!canReadCategory(viewer, topic.category)) return false;
  return !topic.deleted_at || isStaff(viewer);
}

/**
 * Whether unlisted topics (the opening post hidden by moderation) appear in this viewer's lists, search and digests:
 * staff only, so they can review them. Their address still opens for whoever may read the topic.
 */
export function canSeeUnlisted(viewer: MaybeViewer, now = new Date()): boolean {
  return isStaff(viewer, now);
}

export function canReply(viewer: MaybeViewer, topic: TopicState, now = new Date()): boolean {
  if (!canPost(viewer, now) || !canReadTopic(viewer, topic) || topic.deleted_at || topic.closed_at) return false;
  // A contest stops taking entries by itself at its deadline; staff may still post (results, notes).
  if (topic.contest_deadline && topic.contest_deadline <= now && !isStaff(viewer, now)) return false;
  return !topic.locked_at || isStaff(viewer);
}

export interface PostState {
  user_id: number;
  post_number: number;
  created_at: Date;
  deleted_at: Date | null;
  hidden_at: Date | null;
}

/** Whether the viewer may see the post's content (deleted/hidden posts show a placeholder otherwise). */
export function canSeePostBody(viewer: MaybeViewer, post: PostState): boolean {
  if (!post.deleted_at && !post.hidden_at) return true;
  return isStaff(viewer) || (!!viewer && !post.deleted_at && viewer.id === post.user_id);
}

/** Authors edit within their window (unlimited for TL2+); staff edit anything, any time. */
export function canEditPost(viewer: MaybeViewer, topic: TopicState, post: PostState, editWindowHours: number, now = new Date()): boolean {
  if (!canPost(viewer, now) || !canReadTopic(viewer, topic) || post.deleted_at) return false;
  if (isStaff(viewer)) return true;
  if (viewer.id !== post.user_id || topic.locked_at) return false;
  // A contest entry is judged as it stood at the deadline: after it, entries (and any later reply) stay as they are.
  if (topic.contest_deadline && post.post_number > 1 && topic.contest_deadline <= now) return false;
  if (viewer.trust_level >= 2) return true;
  return now.getTime() - post.created_at.getTime() <= editWindowHours * 3600_000;
}

export function canDeletePost(viewer: MaybeViewer, topic: TopicState, post: PostState, now = new Date()): boolean {
  if (!viewer || isSuspended(viewer, now) || !canReadTopic(viewer, topic) || post.deleted_at) return false;
  if (isStaff(viewer)) return true;
  if (viewer.id !== post.user_id || topic.locked_at) return false;
  // Deleting the first post deletes the topic: an author may do that only before anyone has replied.
  return post.post_number > 1 || topic.reply_count === 0;
}

export function canRestorePost(viewer: MaybeViewer, topic: TopicState, post: PostState, now = new Date()): boolean {
  return isStaff(viewer) && !isSuspended(viewer, now) && canReadTopic(viewer, topic) && !!post.deleted_at;
}

/** Anyone who can see a post's body can see its edit history. */
export function canViewRevisions(viewer: MaybeViewer, topic: TopicState, post: PostState): boolean {
  return canReadTopic(viewer, topic) && canSeePostBody(viewer, post);
}

/** Reactions belong to live posts: not deleted, not hidden, in a topic that is not deleted. */
export function isLivePost(topic: Pick<TopicState, 'deleted_at'>, post: Pick<PostState, 'deleted_at' | 'hidden_at'>): boolean {
  return !topic.deleted_at && !post.deleted_at && !post.hidden_at;
}

/**
 * Members react to other people's live posts in topics they can read. Silence still allows reacting
 * (a silenced member reads and reacts, but does not write); a suspended account is a guest.
 */
export function canReact(viewer: MaybeViewer, topic: TopicState, post: PostState, now = new Date()): viewer is Viewer {
  if (!viewer || isSuspended(viewer, now) || isUnverified(viewer) || !canReadTopic(viewer, topic)) return false;
  return isLivePost(topic, post) && viewer.id !== post.user_id;
}

/** "Who reacted" is shown to whoever may see the post's content. */
export function canViewReactions(viewer: MaybeViewer, topic: TopicState, post: PostState): boolean {
  return canReadTopic(viewer, topic) && canSeePostBody(viewer, post);
}

/** The /admin area (categories, users, settings) is for admins only. */
export function canAccessAdmin(viewer: MaybeViewer): boolean {
  return isAdmin(viewer) && !isSuspended(viewer);
}

/** Creating custom badges and granting or revoking them belongs to the admin area. */
export function canManageBadges(viewer: MaybeViewer): viewer is Viewer {
  return canAccessAdmin(viewer);
}

/** Admins change other people's roles, never their own (so the last admin cannot lock everyone out by accident). */
export function canChangeRole(viewer: MaybeViewer, target: { id: number }): boolean {
  return canAccessAdmin(viewer) && viewer!.id !== target.id;
}

/**
 * Setting and locking trust levels (TL4 is only ever given this way) belongs to brand staff and admins — on
 * /admin/users for admins and on a member's moderation page (/mod/users/:id) for staff. Community moderators
 * keep order but do not vouch for members. Like roles, never one's own.
 */
export function canSetTrustLevel(viewer: MaybeViewer, target: { id: number }): boolean {
  return isBrandStaff(viewer) && viewer!.id !== target.id;
}

/** Own account settings (password, language): any signed-in account that is not suspended. */
export function canEditOwnSettings(viewer: MaybeViewer, now = new Date()): viewer is Viewer {
  return !!viewer && !isSuspended(viewer, now);
}

/** What others read on a profile (display name, bio) is published text: a silenced member may not change it. */
export function canEditOwnProfileText(viewer: MaybeViewer, now = new Date()): viewer is Viewer {
  return canEditOwnSettings(viewer, now) && !isSilenced(viewer, now);
}

/**
 * Roles that speak for the brand (official answers). Moderators are community volunteers: they keep order
 * and may settle a question's accepted answer, but what they write is not the company's word.
 */
export const BRAND_ROLES: readonly Role[] = ['staff', 'admin'];

export function isBrandStaff(viewer: MaybeViewer, now = new Date()): boolean {
  return !!viewer && BRAND_ROLES.includes(viewer.role) && !isSuspended(viewer, now);
}

/** A topic as the questions-and-answers rules see it. */
export interface QuestionState extends TopicState {
  user_id: number;
  category_kind: CategoryKind;
  solved_post_id: number | null;
}

export interface AnswerPostState extends PostState {
  id: number;
  official_at: Date | null;
}

/** A topic in a category of kind `questions` is a question. */
export function isQuestion(topic: Pick<QuestionState, 'category_kind'>): boolean {
  return topic.category_kind === 'questions';
}

/**
 * Who settles a question's accepted answer: its author, or moderators/staff/admins. Silence does not block it:
 * a silenced member reads and reacts but does not write, and choosing the answer to one's own question writes no
 * content (like a reaction). A suspended account is a guest. In a locked topic only staff change it.
 */
export function canManageAcceptedAnswer(viewer: MaybeViewer, topic: QuestionState, now = new Date()): viewer is Viewer {
  if (!viewer || isSuspended(viewer, now) || !canReadTopic(viewer, topic) || topic.deleted_at || !isQuestion(topic)) return false;
  if (isStaff(viewer, now)) return true;
  return viewer.id === topic.user_id && !topic.locked_at;
}

/** Only a live reply (never the question itself) can be the accepted answer. */
export function canAcceptAnswer(viewer: MaybeViewer, topic: QuestionState, post: AnswerPostState, now = new Date()): viewer is Viewer {
  return canManageAcceptedAnswer(viewer, topic, now) && post.post_number > 1 && isLivePost(topic, post);
}

/** Unmarking works whatever became of the accepted post (so a deleted answer can be let go); unmarking what is not accepted changes nothing. */
export function canUnacceptAnswer(viewer: MaybeViewer, topic: QuestionState, now = new Date()): viewer is Viewer {
  return canManageAcceptedAnswer(viewer, topic, now);
}

/** Brand staff mark their OWN live reply as the official answer, in any category; a silenced account does not speak for the brand. */
export function canMarkOfficial(viewer: MaybeViewer, topic: TopicState, post: AnswerPostState, now = new Date()): viewer is Viewer {
  if (!isBrandStaff(viewer, now) || !canPost(viewer, now) || !canReadTopic(viewer, topic)) return false;
  return viewer.id === post.user_id && post.post_number > 1 && isLivePost(topic, post);
}

/** Any brand staff may withdraw an official answer (e.g. one whose author has left the team). */
export function canUnmarkOfficial(viewer: MaybeViewer, topic: TopicState, post: AnswerPostState, now = new Date()): viewer is Viewer {
  return isBrandStaff(viewer, now) && canReadTopic(viewer, topic) && !!post.official_at;
}

/** The answer buttons a post shows this viewer (state decides which of each pair applies). */
export function answerActions(viewer: MaybeViewer, topic: QuestionState, post: AnswerPostState, now = new Date()) {
  const accepted = topic.solved_post_id === post.id;
  return {
    accept: !accepted && canAcceptAnswer(viewer, topic, post, now),
    unaccept: accepted && canUnacceptAnswer(viewer, topic, now),
    official: !post.official_at && canMarkOfficial(viewer, topic, post, now),
    unofficial: canUnmarkOfficial(viewer, topic, post, now),
  };
}

export * from './moderation.js';
export * from './ideas.js';
export * from './watching.js';
export * from './polls.js';
export * from './drafts.js';
export * from './contests.js';
