import type { Database } from '../../db/index.js';
import { parseId } from '../../lib/ids.js';
import { NotFoundError } from '../../web/errors.js';
import { findTopicForViewer } from '../topics/topics.queries.js';
import type { Viewer } from '../../policy/index.js';

/** A post together with its topic (and category access), if the viewer may read the topic. */
export async function findPostForViewer(db: Database, viewer: Viewer | null, postId: number) {
  const post = await db
    .selectFrom('posts')
    .innerJoin('users', 'users.id', 'posts.user_id')
    .selectAll('posts')
    .select(['users.username', 'users.display_name'])
    .where('posts.id', '=', postId)
    .executeTakeFirst();
  if (!post) return undefined;
  const topic = await findTopicForViewer(db, viewer, post.topic_id);
  if (!topic) return undefined;
  return { post, topic };
}

export type FoundPost = NonNullable<Awaited<ReturnType<typeof findPostForViewer>>>;

/** The post (from a raw URL id) with its topic, or "not found" — for routes acting on a post the viewer may read. */
export async function requirePostForViewer(db: Database, viewer: Viewer | null, rawId: string): Promise<FoundPost> {
  const id = parseId(rawId);
  const found = id && (await findPostForViewer(db, viewer, id));
  if (!found) throw new NotFoundError();
  return found;
}

/** Every earlier version of a post, oldest first, with the name of who wrote each. */
export function listRevisions(db: Database, postId: number) {
  return db
    .selectFrom('post_revisions')
    .innerJoin('users', 'users.id', 'post_revisions.editor_id')
    .select(['post_revisions.revision', 'post_revisions.body_html', 'post_revisions.created_at', 'users.username as editor_username'])
    .where('post_revisions.post_id', '=', postId)
    .orderBy('post_revisions.revision')
    .execute();
}

export async function findUsername(db: Database, id: number): Promise<string | undefined> {
  return (await db.selectFrom('users').select('username').where('id', '=', id).executeTakeFirst())?.username;
}
