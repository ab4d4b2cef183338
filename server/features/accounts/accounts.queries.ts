import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { NewUser, User } from '../../db/types.js';
import { emailKey, usernameKey } from '../../lib/identity.js';
import { readAccessFor, type Viewer } from '../../policy/index.js';

/** A user by username or e-mail (as typed at login), or undefined. */
export function findUserByLogin(db: Database, login: string): Promise<User | undefined> {
  const q = db.selectFrom('users').selectAll();
  return (login.includes('@') ? q.where('email_key', '=', emailKey(login)) : q.where('username_key', '=', usernameKey(login))).executeTakeFirst();
}

export function findUserByUsername(db: Database, username: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('username_key', '=', usernameKey(username)).executeTakeFirst();
}

export function insertUser(db: Database, user: NewUser): Promise<User> {
  return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
}

export async function countUsers(db: Database): Promise<number> {
  const row = await db.selectFrom('users').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return row.n;
}

/** The user's latest topics that this viewer may see. */
export function listRecentTopicsBy(db: Database, viewer: Viewer | null, userId: number, limit = 10) {
  return db
    .selectFrom('topics')
    .innerJoin('categories', 'categories.id', 'topics.category_id')
    .select(['topics.id', 'topics.title', 'topics.slug', 'topics.reply_count', 'topics.created_at', 'categories.name as category_name', 'categories.color as category_color'])
    .where('topics.user_id', '=', userId)
    .where('topics.deleted_at', 'is', null)
    .where('categories.read_access', 'in', readAccessFor(viewer))
    .orderBy('topics.created_at', 'desc')
    .limit(limit)
    .execute();
}

/** The user's latest replies that this viewer may see (not deleted, not hidden). */
export function listRecentPostsBy(db: Database, viewer: Viewer | null, userId: number, limit = 10) {
  return db
    .selectFrom('posts')
    .innerJoin('topics', 'topics.id', 'posts.topic_id')
    .innerJoin('categories', 'categories.id', 'topics.category_id')
    .select(['posts.id', 'posts.post_number', 'posts.body_html', 'posts.created_at', 'topics.id as topic_id', 'topics.title', 'topics.slug'])
    .where('posts.user_id', '=', userId)
    .where('posts.post_number', '>', 1)
    .where('posts.deleted_at', 'is', null)
    .where('posts.hidden_at', 'is', null)
    .where('topics.deleted_at', 'is', null)
    .where('categories.read_access', 'in', readAccessFor(viewer))
    .orderBy('posts.created_at', 'desc')
    .limit(limit)
    .execute();
}
