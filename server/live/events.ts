import { type Kysely, sql } from 'kysely';

/** The one NOTIFY channel every instance listens on (live/hub.ts). */
export const LIVE_CHANNEL = 'veche_events';

/**
 * What travels on the channel. Only ids, never content: a listener decides per stream whether its viewer may know,
 * and the browser fetches anything to show through an ordinary permission-checked GET.
 * - user: something changed for this user's bell (a notification).
 * - post: a new post in a topic (its id, number and author).
 * - sessions: sessions of these users ended (null: of many users — recheck every stream).
 * - topics: these topics' pages changed (null: anything may have) — sent by triggers (migration 0027) for the
 *   guest page cache.
 */
export type LiveEvent =
  | { type: 'user'; user: number }
  | { type: 'post'; topic: number; post: number; n: number; author: number }
  | { type: 'sessions'; users: number[] | null }
  | { type: 'topics'; topics: number[] | null };

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** Parses a NOTIFY payload; anything malformed is ignored (returns null). */
export function parseEvent(payload: string | undefined): LiveEvent | null {
  if (!payload || payload.length > 8000) return null;
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(payload) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  if (v.kind === 'post') {
    return isId(v.topic) && isId(v.post) && isId(v.n) && isId(v.author) ? { type: 'post', topic: v.topic, post: v.post, n: v.n, author: v.author } : null;
  }
  if (v.kind === 'session_ended') {
    if (v.users === undefined) return { type: 'sessions', users: null };
    return Array.isArray(v.users) && v.users.every(isId) ? { type: 'sessions', users: v.users } : null;
  }
  if (v.kind === 'topics') {
    if (v.topics === undefined) return { type: 'topics', topics: null };
    return Array.isArray(v.topics) && v.topics.every(isId) ? { type: 'topics', topics: v.topics } : null;
  }
  if (typeof v.kind === 'string' && isId(v.user)) return { type: 'user', user: v.user };
  return null;
}

/**
 * Announces a new post to the topic's open pages, and refreshes the bells of everyone its fan-out just told
 * (notifyForNewPost writes its rows in one INSERT … SELECT, so they are found by the post). Call inside the posting
 * transaction, after the fan-out: PostgreSQL delivers both at commit, or never.
 */
export async function announceNewPost(trx: Kysely<any>, post: { id: number; topic_id: number; post_number: number; user_id: number }): Promise<void> {
  const payload = JSON.stringify({ kind: 'post', topic: post.topic_id, post: post.id, n: post.post_number, author: post.user_id });
  await sql`select pg_notify(${LIVE_CHANNEL}, ${payload})`.execute(trx);
  await sql`
    select pg_notify(${LIVE_CHANNEL}, json_build_object('kind', 'notification', 'user', n.user_id)::text)
    from notifications n where n.post_id = ${post.id} and n.read_at is null`.execute(trx);
}
