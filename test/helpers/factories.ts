import type { Database } from '../../server/db/index.js';
import type { Category, Role, User } from '../../server/db/types.js';
import { emailKey, usernameKey } from '../../server/lib/identity.js';
import type { Viewer } from '../../server/policy/index.js';
import { hashPassword } from '../../server/features/accounts/passwords.js';
import * as topics from '../../server/features/topics/topics.service.js';
import { DEFAULT_PASSWORD } from './client.js';

let seq = 0;
let hashed: Promise<string> | null = null;
const unique = (prefix: string) => `${prefix}${process.pid % 1000}x${++seq}`;

export interface UserOptions {
  username?: string;
  email?: string;
  role?: Role;
  trust_level?: number;
  silenced_until?: Date | null;
  suspended_until?: Date | null;
  suspended_reason?: string | null;
  created_at?: Date;
}

/** Inserts a user whose password is DEFAULT_PASSWORD (hashed once per process). */
export async function createUser(db: Database, opts: UserOptions = {}): Promise<User> {
  hashed ??= hashPassword(DEFAULT_PASSWORD);
  const username = opts.username ?? unique('user');
  const email = opts.email ?? `${username}@example.com`;
  return db
    .insertInto('users')
    .values({
      username,
      username_key: usernameKey(username),
      email,
      email_key: emailKey(email),
      password_hash: await hashed,
      role: opts.role ?? 'member',
      trust_level: opts.trust_level ?? 1,
      silenced_until: opts.silenced_until ?? null,
      suspended_until: opts.suspended_until ?? null,
      suspended_reason: opts.suspended_reason ?? null,
      ...(opts.created_at ? { created_at: opts.created_at } : {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function asViewer(user: User): Viewer {
  const { id, username, role, trust_level, created_at, silenced_until, suspended_until } = user;
  return { id, username, role, trust_level, created_at, silenced_until, suspended_until };
}

export async function createCategory(db: Database, opts: Partial<Omit<Category, 'id'>> = {}): Promise<Category> {
  const slug = opts.slug ?? unique('cat-');
  return db
    .insertInto('categories')
    .values({
      name: opts.name ?? `Category ${slug}`,
      slug,
      description: opts.description ?? '',
      kind: opts.kind ?? 'discussion',
      read_access: opts.read_access ?? 'everyone',
      post_access: opts.post_access ?? 'members',
      parent_id: opts.parent_id ?? null,
      position: opts.position ?? 100 + seq,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Creates a topic through the real service (counters and all). */
export async function createTopic(db: Database, author: User, category: Category, opts: { title?: string; body?: string } = {}) {
  return topics.createTopic(db, asViewer(author), {
    category_id: category.id,
    title: opts.title ?? `A topic about things ${unique('')}`,
    body: opts.body ?? 'The first post of this topic.',
  });
}

export async function createReply(db: Database, author: User, topicId: number, body = 'A reply.') {
  return topics.replyToTopic(db, asViewer(author), topicId, { body });
}
