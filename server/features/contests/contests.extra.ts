import { canCreateContest, canEditContest, canFinishContest, canSeeContestRanking, isContestOpen, type ContestTopicState, type Viewer } from '../../policy/index.js';
import { registerTopicExtra } from '../topics/topic-extras.js';
import { type ContestPanelRow, findContestPanel } from './contests.queries.js';

/** A contest as this viewer sees it, decided once by policy: the ranking only when they may see it, and their actions. */
export function contestView(viewer: Viewer | null, topic: ContestTopicState, row: ContestPanelRow, now = new Date()) {
  return {
    topic_id: row.topic_id,
    entry_deadline: row.entry_deadline,
    voting_mode: row.voting_mode,
    finished_at: row.finished_at,
    open: isContestOpen(row, now),
    entry_count: row.entry_count,
    winners: row.winners,
    ranking: canSeeContestRanking(viewer, row, now) ? row.ranking : null,
    can: { finish: canFinishContest(viewer, topic, row, now), edit: canEditContest(viewer, topic, row, now) },
  };
}

export type ContestView = ReturnType<typeof contestView>;

/**
 * The contest panel at the top of the topic (every page: the winners belong at the top). A topic that is not a
 * contest costs no query: the topic row already says whether it has a deadline (findTopicForViewer).
 */
registerTopicExtra('contest', async ({ db, viewer, topic, from }) => {
  if (!topic.contest_deadline) return from === 1 && canCreateContest(viewer, topic) ? { view: null, canCreate: true } : undefined;
  const row = await findContestPanel(db, topic.id);
  return row && { view: contestView(viewer, topic, row), canCreate: false };
});
