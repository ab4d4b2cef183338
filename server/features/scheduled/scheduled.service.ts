import './scheduled.types.js';
import { sql } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Job } from '../../jobs/runner.js';
import type { Viewer } from '../../policy/index.js';
import { FormError } from '../../web/forms.js';
import { insertTopic, prepareTopic } from '../topics/topics.service.js';

/**
 * Scheduled publishing: brand staff write a topic now and choose when it appears (optionally pinned). Until then it
 * lives in scheduled_topics, seen only by staff, who may edit or cancel it. `publishDue` creates the topic through
 * the same insert as any new topic (so it counts and notifies the same), exactly once even with many instances:
 * each due row is locked with FOR UPDATE SKIP LOCKED and marked published in the transaction that creates it.
 */

export interface ScheduleInput {
  category_id: number;
  title: string;
  body: string;
  publish_at: Date | null;
  pin: boolean;
}

/** The same checks as a new topic (title, body, category the author may post in), plus a time in the future; every error at once. */
async function validate(db: Database, viewer: Viewer, input: ScheduleInput, now: Date) {
  const errors: FormError['fields'] = {};
  if (!input.publish_at || input.publish_at.getTime() <= now.getTime()) errors.publish_at = { key: 'scheduled.future' };
  try {
    const topic = await prepareTopic(db, viewer, input);
    if (Object.keys(errors).length) throw new FormError(errors);
    return { title: topic.title, body: topic.body, categoryId: topic.category.id };
  } catch (err) {
    if (err instanceof FormError) throw new FormError({ ...err.fields, ...errors });
    throw err;
  }
}

export async function scheduleTopic(db: Database, viewer: Viewer, input: ScheduleInput, now = new Date()): Promise<number> {
  const v = await validate(db, viewer, input, now);
  const row = await db
    .insertInto('scheduled_topics')
    .values({ user_id: viewer.id, category_id: v.categoryId, title: v.title, body_md: v.body, publish_at: input.publish_at!, pin: input.pin })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Edits a pending scheduled topic; false when it is no longer pending (published or cancelled meanwhile). */
export async function updateScheduled(db: Database, viewer: Viewer, id: number, input: ScheduleInput, now = new Date()): Promise<boolean> {
  const v = await validate(db, viewer, input, now);
  const res = await db
    .updateTable('scheduled_topics')
    .set({ category_id: v.categoryId, title: v.title, body_md: v.body, publish_at: input.publish_at!, pin: input.pin, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function cancelScheduled(db: Database, id: number): Promise<boolean> {
  const res = await db.updateTable('scheduled_topics').set({ status: 'cancelled', updated_at: sql`now()` }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Publishes what is due, one row per transaction; returns the new topic ids. Safe to run from every instance at once. */
export async function publishDue(db: Database, limit = 20): Promise<number[]> {
  const published: number[] = [];
  for (let i = 0; i < limit; i++) {
    const topicId = await db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('scheduled_topics')
        .selectAll()
        .where('status', '=', 'pending')
        .where('publish_at', '<=', sql<Date>`now()`)
        .orderBy('publish_at')
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!due) return null;
      const { topic } = await insertTopic(trx, due.user_id, { categoryId: due.category_id, title: due.title, body: due.body_md });
      if (due.pin) await trx.updateTable('topics').set({ pinned_at: sql`now()` }).where('id', '=', topic.id).execute();
      await trx.updateTable('scheduled_topics').set({ status: 'published', topic_id: topic.id, updated_at: sql`now()` }).where('id', '=', due.id).execute();
      return topic.id;
    });
    if (topicId === null) break;
    published.push(topicId);
  }
  return published;
}

export const publishScheduledJob: Job = { name: 'publish-scheduled', intervalMs: 15_000, run: async (db) => void (await publishDue(db)) };
