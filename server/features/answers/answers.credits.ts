import { CREDIT_PROVIDERS, type CreditProvider, type DesiredCredit } from '../reputation/ledger.js';

/**
 * The reputation an accepted answer carries, as a ledger credit provider (see reputation/ledger.ts).
 * It reads the state from the topic row, so every reconciliation of the answer — an accept, a change, an unaccept,
 * a delete or restore of the post, a reaction toggle — computes the same credits:
 *  - `accept:<post>`: the answer's author earns the accepted_answer weight (not for answering their own question);
 *  - `accept_own:<post>`: the asker earns accept_own when they themselves accepted someone else's answer.
 * A deleted question carries no answer credits (deleting its first post reconciles the accepted answer too).
 * Weights are those stored on the topic when the answer was accepted, so a later settings change rewrites nothing.
 */
export const acceptedAnswerCredits: CreditProvider = {
  prefixes: ['accept:', 'accept_own:'],
  removedReason: 'answer_unaccepted',
  async credits(trx, post) {
    const topic = await trx
      .selectFrom('topics')
      .select(['user_id', 'solved_post_id', 'solved_by_id', 'solved_credit', 'solved_own_credit', 'deleted_at'])
      .where('id', '=', post.topic_id)
      .executeTakeFirst();
    if (!topic || topic.deleted_at || topic.solved_post_id !== post.id || post.user_id === topic.user_id) return [];
    const out: DesiredCredit[] = [
      { source: `accept:${post.id}`, user_id: post.user_id, delta: topic.solved_credit, reason: 'accepted_answer', actor_id: topic.solved_by_id },
    ];
    if (topic.solved_by_id === topic.user_id) {
      out.push({ source: `accept_own:${post.id}`, user_id: topic.user_id, delta: topic.solved_own_credit, reason: 'accept_own', actor_id: topic.solved_by_id });
    }
    return out;
  },
};

/**
 * Joins the ledger's providers (once per process). The ledger's comment asks for new causes to be listed in
 * CREDIT_PROVIDERS; that file belongs to the reputation feature, so this module adds itself on import instead —
 * imported by the answers service, which app.ts loads, so every reconciliation in the app (deletes included) sees it.
 */
export function registerAnswerCredits(): void {
  const owned = CREDIT_PROVIDERS.some((p) => p.prefixes.some((prefix) => acceptedAnswerCredits.prefixes.includes(prefix)));
  if (!owned) CREDIT_PROVIDERS.push(acceptedAnswerCredits);
}

registerAnswerCredits();
