import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type Role = 'member' | 'moderator' | 'staff' | 'admin';
export type CategoryKind = 'discussion' | 'questions' | 'ideas' | 'announcements';
export type ReadAccess = 'everyone' | 'members' | 'staff';
export type PostAccess = 'members' | 'staff';

export interface UsersTable {
  id: Generated<number>;
  username: string;
  username_key: string;
  email: string;
  email_key: string;
  password_hash: string;
  role: Generated<Role>;
  trust_level: Generated<number>;
  reputation: Generated<number>;
  display_name: string | null;
  locale: 'ru' | 'en' | null;
  topic_count: Generated<number>;
  post_count: Generated<number>;
  silenced_until: NullableTimestamp;
  suspended_until: NullableTimestamp;
  suspended_reason: string | null;
  created_at: Timestamp;
  last_seen_at: NullableTimestamp;
  /** Profile "about me": markdown as typed, HTML cooked from it on save (0004_profiles). */
  bio_md: Generated<string>;
  bio_html: Generated<string>;
  bio_cook_version: Generated<number>;
  /** Set by staff: the automatic trust rules leave a locked level alone (0005_trust_levels). */
  trust_level_locked: Generated<boolean>;
  /** When the trust level last changed (TL3's demotion grace period counts from it). */
  trust_level_changed_at: NullableTimestamp;
  /** Flag outcomes of this user's flags (0008_moderation): accuracy adds weight to new flags. */
  flags_agreed: Generated<number>;
  flags_disagreed: Generated<number>;
  silenced_reason: string | null;
  /** The id of the site banner this member closed (0015_banner); a new banner shows again. */
  dismissed_banner_id: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface SessionsTable {
  token_hash: string;
  user_id: number;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
}

export interface CategoriesTable {
  id: Generated<number>;
  parent_id: number | null;
  name: string;
  slug: string;
  description: Generated<string>;
  color: Generated<string>;
  kind: Generated<CategoryKind>;
  read_access: Generated<ReadAccess>;
  post_access: Generated<PostAccess>;
  position: Generated<number>;
  topic_count: Generated<number>;
  post_count: Generated<number>;
  last_posted_at: NullableTimestamp;
  last_topic_id: number | null;
  /** Posts by members below this trust level wait for approval (0: none do). 0008_moderation. */
  approval_below_tl: Generated<number>;
  created_at: Timestamp;
}

export interface TopicsTable {
  id: Generated<number>;
  category_id: number;
  user_id: number;
  title: string;
  slug: string;
  pinned_at: NullableTimestamp;
  locked_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  last_post_number: Generated<number>;
  reply_count: Generated<number>;
  view_count: Generated<number>;
  last_posted_at: Timestamp;
  last_post_user_id: number | null;
  /** The accepted answer (a reply), who accepted it and when; null while the question is unsolved. */
  solved_post_id: number | null;
  solved_by_id: number | null;
  solved_at: NullableTimestamp;
  /** Reputation weights in force when the answer was accepted (what the ledger credits while it stays accepted). */
  solved_credit: Generated<number>;
  solved_own_credit: Generated<number>;
  /** Closed: no new replies from anyone (unlike locked, which still lets staff reply). 0008_moderation. */
  closed_at: NullableTimestamp;
  /** Per-topic slow mode: one post per user per this many seconds (0: off). */
  slow_mode_seconds: Generated<number>;
  /** Set when merged into another topic: the old URL redirects there. */
  merged_into_id: number | null;
  /** Set while the opening post is hidden: out of lists, search and digests for all but staff (migration 0025). */
  unlisted_at: NullableTimestamp;
  /** A global pin shows on the home page and every category too; a pin may end by itself (0018_pins). */
  pinned_globally: Generated<boolean>;
  pinned_until: NullableTimestamp;
  created_at: Timestamp;
}

export interface PostsTable {
  id: Generated<number>;
  topic_id: number;
  post_number: number;
  user_id: number;
  reply_to_post_id: number | null;
  body_md: string;
  body_html: string;
  cook_version: number;
  revision_count: Generated<number>;
  edited_at: NullableTimestamp;
  last_editor_id: number | null;
  deleted_at: NullableTimestamp;
  deleted_by_id: number | null;
  hidden_at: NullableTimestamp;
  hidden_reason: string | null;
  /** kind → number of reactions, kept exact by the reactions service (the post row locked). */
  reaction_counts: ColumnType<Record<string, number>, string | undefined, string>;
  /** Marked by its staff author as the brand's official answer (at most one per topic). */
  official_at: NullableTimestamp;
  official_by_id: number | null;
  /** Who hid it (null with hidden_at set: hidden automatically by flags). */
  hidden_by_id: number | null;
  created_at: Timestamp;
}

/** The search index: one row per post, kept by triggers (migrations/0028_post_search.ts); never written by the app. */
export interface PostSearchTable {
  post_id: number;
  topic_id: number;
  category_id: number;
  user_id: number;
  post_number: number;
  created_at: Timestamp;
  /** The post and its topic are neither deleted nor hidden. */
  visible: boolean;
  unlisted: boolean;
  /** tsvector, read as its text form. */
  vector: string;
}

export interface PostRevisionsTable {
  id: Generated<number>;
  post_id: number;
  revision: number;
  body_md: string;
  body_html: string;
  editor_id: number;
  created_at: Timestamp;
}

export interface RateLimitsTable {
  key: string;
  window_started_at: Timestamp;
  hits: number;
}

export interface SettingsTable {
  key: string;
  /** JSON; written as a JSON string. */
  value: ColumnType<unknown, string, string>;
  updated_at: Timestamp;
}

export interface ReactionsTable {
  id: Generated<number>;
  post_id: number;
  user_id: number;
  kind: string;
  /** The kind's weight when the reaction was given; the reputation it earns the post's author. */
  weight: number;
  created_at: Timestamp;
}

export interface ReputationEventsTable {
  id: Generated<number>;
  user_id: number;
  delta: number;
  reason: string;
  /** What the credit is for, e.g. `reaction:<reactionId>`; the ledger's net per source is what reconciliation compares. */
  source: string;
  post_id: number | null;
  actor_id: number | null;
  created_at: Timestamp;
}

/** Built-in badges have a key (rule and texts in code); custom ones carry their own texts (0006_badges). */
export interface BadgesTable {
  id: Generated<number>;
  key: string | null;
  icon: string;
  name_en: Generated<string>;
  name_ru: Generated<string>;
  description_en: Generated<string>;
  description_ru: Generated<string>;
  position: Generated<number>;
  created_by: number | null;
  created_at: Timestamp;
}

export interface UserBadgesTable {
  id: Generated<number>;
  user_id: number;
  badge_id: number;
  granted_at: Timestamp;
  granted_by: number | null;
  reason: string | null;
  post_id: number | null;
}

export interface BadgeEventsTable {
  id: Generated<number>;
  badge_id: number;
  user_id: number;
  action: 'grant' | 'revoke';
  actor_id: number | null;
  reason: Generated<string>;
  created_at: Timestamp;
}

/** Per user per topic: the highest post number read (0005_trust_levels). */
export interface TopicReadsTable {
  user_id: number;
  topic_id: number;
  last_read_post_number: number;
  updated_at: Timestamp;
}

export interface UserVisitsTable {
  user_id: number;
  /** A UTC day, 'YYYY-MM-DD' on the way in. */
  day: ColumnType<Date, string, string>;
}

export interface UserStatsTable {
  user_id: number;
  topics_entered: Generated<number>;
  posts_read: Generated<number>;
  time_read_seconds: Generated<number>;
  days_visited: Generated<number>;
  updated_at: Timestamp;
}

export interface JobRunsTable {
  name: string;
  started_at: Timestamp;
  finished_at: NullableTimestamp;
  error: string | null;
}

export type FlagReason = 'spam' | 'abuse' | 'off_topic' | 'staff' | 'other';

export interface FlagsTable {
  id: Generated<number>;
  post_id: number;
  user_id: number;
  reason: FlagReason;
  note: Generated<string>;
  /** The flag's weight when it was made (1 + trust level, staff 5, plus the accuracy bonus). */
  weight: number;
  status: Generated<'open' | 'agreed' | 'disagreed'>;
  review_item_id: number | null;
  created_at: Timestamp;
  handled_at: NullableTimestamp;
  handled_by_id: number | null;
}

/** One queue item per flagged post while pending; score = sum of its open flags' weights. */
export interface ReviewItemsTable {
  id: Generated<number>;
  post_id: number;
  score: Generated<number>;
  status: Generated<'pending' | 'agreed' | 'disagreed'>;
  deferred_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  handled_at: NullableTimestamp;
  handled_by_id: number | null;
  outcome_reason: string | null;
}

/** A post or topic held for approval; created for real only when approved. */
export interface QueuedPostsTable {
  id: Generated<number>;
  user_id: number;
  topic_id: number | null;
  category_id: number | null;
  title: string | null;
  body_md: string;
  reply_to_post_id: number | null;
  held_reason: string;
  status: Generated<'pending' | 'approved' | 'rejected'>;
  created_at: Timestamp;
  handled_at: NullableTimestamp;
  handled_by_id: number | null;
  rejected_reason: string | null;
  post_id: number | null;
}

export type SanctionKind = 'silence' | 'suspend';

export interface SanctionsTable {
  id: Generated<number>;
  user_id: number;
  kind: SanctionKind;
  reason: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  actor_id: number | null;
  lifted_at: NullableTimestamp;
  lifted_by_id: number | null;
}

/** The audit log (append-only: a trigger refuses updates and deletes). */
export interface ModerationActionsTable {
  id: Generated<number>;
  /** null: the system (auto-hide, expiry). */
  actor_id: number | null;
  action: string;
  target_user_id: number | null;
  topic_id: number | null;
  post_id: number | null;
  reason: Generated<string>;
  details: ColumnType<Record<string, unknown>, string | undefined, never>;
  created_at: Timestamp;
}

export interface NotificationsTable {
  id: Generated<number>;
  user_id: number;
  kind: string;
  actor_id: number | null;
  topic_id: number | null;
  post_id: number | null;
  /** Whatever the kind's message needs (e.g. { reason }, { badge }); rendered in the reader's language. */
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  read_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface OutboxTable {
  id: Generated<number>;
  kind: string;
  to_address: string;
  locale: 'ru' | 'en';
  payload: ColumnType<Record<string, unknown>, string | undefined, string>;
  run_at: Timestamp;
  attempts: Generated<number>;
  last_error: string | null;
  sent_at: NullableTimestamp;
  failed_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface PasswordResetsTable {
  token_hash: string;
  user_id: number;
  fingerprint: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface PinDismissalsTable {
  user_id: number;
  topic_id: number;
  created_at: Timestamp;
}

export interface DB {
  pin_dismissals: PinDismissalsTable;
  outbox: OutboxTable;
  password_resets: PasswordResetsTable;
  notifications: NotificationsTable;
  flags: FlagsTable;
  review_items: ReviewItemsTable;
  queued_posts: QueuedPostsTable;
  sanctions: SanctionsTable;
  moderation_actions: ModerationActionsTable;
  users: UsersTable;
  sessions: SessionsTable;
  categories: CategoriesTable;
  topics: TopicsTable;
  posts: PostsTable;
  post_search: PostSearchTable;
  post_revisions: PostRevisionsTable;
  rate_limits: RateLimitsTable;
  settings: SettingsTable;
  reactions: ReactionsTable;
  reputation_events: ReputationEventsTable;
  topic_reads: TopicReadsTable;
  user_visits: UserVisitsTable;
  user_stats: UserStatsTable;
  job_runs: JobRunsTable;
  badges: BadgesTable;
  user_badges: UserBadgesTable;
  badge_events: BadgeEventsTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Category = Selectable<CategoriesTable>;
export type CategoryUpdate = Updateable<CategoriesTable>;
export type Topic = Selectable<TopicsTable>;
export type Post = Selectable<PostsTable>;
export type PostRevision = Selectable<PostRevisionsTable>;
export type Reaction = Selectable<ReactionsTable>;
export type ReputationEvent = Selectable<ReputationEventsTable>;
export type Badge = Selectable<BadgesTable>;
