import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../db/index.js';
import { parseId } from '../../lib/ids.js';
import { NotFoundError } from '../../web/errors.js';
import type { FieldErrors } from '../../web/forms.js';
import { render } from '../../web/render.js';
import { findTopicForViewer, type TopicView } from '../topics/topics.queries.js';
import { topicUrl } from '../topics/topics.routes.js';
import { findPollForTopic, type PollRow } from './polls.queries.js';
import { MAX_OPTIONS } from './polls.service.js';
import { pollView } from './polls.view.js';

/** The topic if this viewer may read it, else not found. */
export async function loadPollTopic(db: Database, request: FastifyRequest, rawId: string): Promise<TopicView> {
  const id = parseId(rawId);
  const topic = id ? await findTopicForViewer(db, request.viewer, id) : undefined;
  if (!topic) throw new NotFoundError();
  return topic;
}

/** The topic and its poll (with the viewer's ballot), else not found. */
export async function loadTopicPoll(db: Database, request: FastifyRequest, rawId: string): Promise<{ topic: TopicView; poll: PollRow }> {
  const topic = await loadPollTopic(db, request, rawId);
  const poll = await findPollForTopic(db, topic.id, request.viewer?.id ?? null);
  if (!poll) throw new NotFoundError();
  return { topic, poll };
}

/** The poll alone: its own page without JavaScript, the #poll fragment for htmx. */
export function renderPoll(request: FastifyRequest, reply: FastifyReply, topic: TopicView, poll: PollRow, opts: { errors?: FieldErrors; selected?: number[]; status?: number } = {}) {
  const data = { topic, poll: pollView(request.viewer, topic, poll), errors: opts.errors ?? {}, selected: opts.selected ?? null, topicLink: pollUrl(topic) };
  return render(request, reply, { page: 'polls/show', fragment: 'polls/_poll', title: poll.question, status: opts.status, data });
}

/** The topic's address with the poll in view. A topic whose slug is "poll" would land on /t/:id/poll, so it uses /t/:id. */
export function pollUrl(topic: { id: number; slug: string }): string {
  return `${topic.slug === 'poll' ? `/t/${topic.id}` : topicUrl(topic)}#poll`;
}

export interface FormValues {
  question: string;
  options: string[];
  kind: string;
  max_choices: string;
  closes_at: string;
  results: string;
}

function asList(v: unknown): string[] {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => String(x ?? ''));
}

/** The submitted poll form as strings, to fill the form again (every row kept, blank ones too). */
export function pollFormValues(body: unknown): FormValues {
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (k: string) => asList(b[k])[0] ?? '';
  return { question: str('question'), options: asList(b.options), kind: str('kind') || 'single', max_choices: str('max_choices'), closes_at: str('closes_at'), results: str('results') || 'always' };
}

/** A published poll as form values, for the edit form. */
export function pollValues(poll: PollRow): FormValues {
  const maxed = poll.multiple && poll.max_choices < poll.options.length;
  return {
    question: poll.question,
    options: poll.options.map((o) => o.label),
    kind: poll.multiple ? 'multiple' : 'single',
    max_choices: maxed ? String(poll.max_choices) : '',
    closes_at: poll.closes_at ? poll.closes_at.toISOString().slice(0, 16) : '',
    results: poll.results_visibility,
  };
}

/** What the edit form shows: everything (no votes yet) or only the question and close date, with the options as text. */
export interface EditMode {
  limited: boolean;
  options: string[];
}

/** The new-poll form, or the edit form when `edit` is given (same template, same fields). */
export function renderPollForm(request: FastifyRequest, reply: FastifyReply, topic: TopicView, values: FormValues, errors: FieldErrors = {}, status = 200, edit?: EditMode) {
  const rows = Math.min(MAX_OPTIONS, Math.max(4, values.options.length));
  const options = Array.from({ length: rows }, (_, i) => values.options[i] ?? '');
  const data = { topic, values: { ...values, options }, errors, topicLink: pollUrl(topic), canAddRow: rows < MAX_OPTIONS, edit: edit ?? null };
  const title = request.i18n.t(edit ? 'polls.edit.title' : 'polls.new.title');
  return render(request, reply, { page: 'polls/new', title, status, data });
}
