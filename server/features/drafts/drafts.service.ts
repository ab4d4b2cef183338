import type { Database } from '../../db/index.js';
import { parseId } from '../../lib/ids.js';
import * as q from './drafts.queries.js';

/**
 * Drafts: a member's half-written new topic or reply, kept on the server (saved by the forms as they type) and put
 * back into the form when it is shown again. One per member and place; posting (or discarding) removes it.
 */

export const NEW_TOPIC = 'new_topic';
export const TITLE_MAX = 300;
export const BODY_MAX = 50_000;

/** The place a draft belongs to. */
export type DraftPlace = { kind: 'new_topic' } | { kind: 'reply'; topicId: number };

export function replyKey(topicId: number): string {
  return `topic:${topicId}`;
}

/** 'new_topic' or 'topic:<id>' → the place, or null for anything else. */
export function parseKey(raw: unknown): DraftPlace | null {
  if (raw === NEW_TOPIC) return { kind: 'new_topic' };
  if (typeof raw !== 'string' || !raw.startsWith('topic:')) return null;
  const topicId = parseId(raw.slice('topic:'.length));
  return topicId ? { kind: 'reply', topicId } : null;
}

export function keyOf(place: DraftPlace): string {
  return place.kind === 'new_topic' ? NEW_TOPIC : replyKey(place.topicId);
}

export interface DraftInput {
  title?: string;
  body?: string;
  category_id?: string;
}

/**
 * Saves what the form holds; a form emptied of text leaves no draft behind. Returns when it was saved, or null
 * when there was nothing to keep. (Lengths are checked by the route's schema.)
 */
export async function saveDraft(db: Database, userId: number, place: DraftPlace, input: DraftInput): Promise<Date | null> {
  const title = place.kind === 'new_topic' ? (input.title ?? '') : '';
  const body = input.body ?? '';
  const key = keyOf(place);
  if (!title.trim() && !body.trim()) {
    await q.deleteDraft(db, userId, key);
    return null;
  }
  const categoryId = place.kind === 'new_topic' ? parseId(input.category_id) : null;
  return q.upsertDraft(db, userId, key, { title, body, categoryId });
}

/** Removes the member's draft for a place (discarded, or posted). */
export function discardDraft(db: Database, userId: number, key: string): Promise<void> {
  return q.deleteDraft(db, userId, key);
}

/**
 * The new-topic form's values: the saved draft under what the request asks for (a category chosen by the link
 * wins over the draft's). `draft_saved_at` tells the form that a draft was restored.
 */
export async function newTopicValues(db: Database, userId: number, given: Record<string, string>): Promise<Record<string, string>> {
  const draft = await q.findDraft(db, userId, NEW_TOPIC);
  if (!draft) return given;
  const fromDraft = { category_id: draft.category_id ? String(draft.category_id) : '', title: draft.title, body: draft.body, draft_saved_at: draft.updated_at.toISOString() };
  const overrides = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== ''));
  return { ...fromDraft, ...overrides };
}

/**
 * The reply form's text when it is asked for on its own (a quote, or the page without JavaScript): the saved draft
 * first, then the quote, so quoting never wipes out what the member had written.
 */
export async function replyFormBody(db: Database, userId: number, topicId: number, quote: string | undefined): Promise<string> {
  const draft = await q.findDraft(db, userId, replyKey(topicId));
  if (!draft?.body.trim()) return quote ?? '';
  return quote ? `${draft.body.trimEnd()}\n\n${quote}` : draft.body;
}
