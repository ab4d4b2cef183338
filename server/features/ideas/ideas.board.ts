import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { canUnvoteIdea, canVoteIdea, type Viewer } from '../../policy/index.js';
import type { Database } from '../../db/index.js';
import { NotFoundError } from '../../web/errors.js';
import { TOPICS_PER_PAGE, type TopicRow } from '../topics/topics.list.js';
import { decodeVotesCursor, encodeVotesCursor, type IdeaSort, listIdeaTopics } from './ideas.queries.js';
import { ALL_IDEA_STATUSES, type IdeaStatus } from './ideas.types.js';

export const IDEA_SORTS: readonly IdeaSort[] = ['activity', 'votes', 'newest'];

/**
 * One page of an ideas category: the order (latest activity by default, as in every category, or votes or
 * newest) and an optional status filter from the query string; unknown values fall back to the defaults, a
 * malformed cursor is not found (like the other lists). `query` is the URL's query part for tabs and "load more".
 */
export async function ideaBoardPage(db: Database, viewer: Viewer | null, categoryId: number, raw: { before?: string; sort?: string; status?: string }) {
  const sort: IdeaSort = IDEA_SORTS.includes(raw.sort as IdeaSort) ? (raw.sort as IdeaSort) : 'activity';
  const status = ALL_IDEA_STATUSES.includes(raw.status as IdeaStatus) ? (raw.status as IdeaStatus) : null;
  const after = raw.before ? (sort === 'votes' ? decodeVotesCursor(raw.before) : decodeCursor(raw.before)) : null;
  if (raw.before && !after) throw new NotFoundError();
  const rows = await listIdeaTopics(db, viewer, categoryId, { sort, status, after });
  const topics = rows.map((row) => ({ ...row, idea_vote: rowVote(viewer, row) }));
  const params = new URLSearchParams();
  if (sort !== 'activity') params.set('sort', sort);
  if (status) params.set('status', status);
  return { topics, sort, status, query: params.toString(), next: nextCursor(topics, sort) };
}

function nextCursor(rows: TopicRow[], sort: IdeaSort): string | null {
  const last = rows.at(-1);
  if (rows.length < TOPICS_PER_PAGE || !last) return null;
  if (sort === 'votes') return encodeVotesCursor(last);
  return encodeCursor(sort === 'newest' ? last.created_at : last.last_posted_at, last.id);
}

type IdeaListRow = Awaited<ReturnType<typeof listIdeaTopics>>[number];

/** The vote button of one row on the board, decided by the same policy as the idea's own page. */
export function rowVote(viewer: Viewer | null, row: IdeaListRow) {
  const state = { ...row, category: { read_access: row.read_access, post_access: row.post_access } };
  const voted = !!row.my_vote;
  return { voted, can: { vote: !voted && canVoteIdea(viewer, state), unvote: voted && canUnvoteIdea(viewer, state) } };
}
