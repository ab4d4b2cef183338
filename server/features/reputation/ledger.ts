import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/types.js';

/**
 * The reputation ledger. `users.reputation` always equals the sum of the user's `reputation_events.delta`.
 *
 * Credits that come from a post are kept by RECONCILIATION rather than by "+1 here, −1 there":
 * `reconcilePostReputation(trx, postId)` works out the credits the post should carry now (none while it
 * is deleted or hidden), compares them with the net the ledger already holds per source for that post,
 * and writes only the differences — each as an event, with users.reputation moved by the same delta in
 * the same transaction. Because the post row is locked while this runs, the result is exact whatever
 * happened (a reaction toggled twenty times at once, a post deleted while people react, a restore).
 *
 * Who contributes credits: the CREDIT_PROVIDERS below. Each provider owns source prefixes (e.g. 'reaction:')
 * and, given the locked post, returns the credits it should carry now. Reconciliation only ever touches
 * ledger sources whose prefix some provider owns, so a source nobody claims is left alone.
 *
 * Adding a cause (e.g. accepted answers): write a provider that reads the state from the database (so every
 * caller — a reaction toggle, a delete, a restore — computes the same credits) and register it with
 * registerCreditProvider() from a module the app always loads (or list it in CREDIT_PROVIDERS). Every event
 * a post carries must have `post_id` = that post. A process that has not loaded a provider leaves that
 * provider's sources as they are (never strips them), so a missing registration cannot corrupt the ledger.
 */

export type Trx = Transaction<DB>;

/** The post as reconciliation sees it (its row locked). */
export interface LedgerPost {
  id: number;
  topic_id: number;
  post_number: number;
  user_id: number;
  deleted_at: Date | null;
  hidden_at: Date | null;
}

/** One credit a post should carry now. */
export interface DesiredCredit {
  /** Unique per credit and starting with one of its provider's prefixes, e.g. `reaction:42`, `accept:17`. */
  source: string;
  /** Who is credited. */
  user_id: number;
  delta: number;
  /** Recorded when the credit is first given, e.g. 'reaction', 'accepted_answer'. */
  reason: string;
  /** Who caused it (the reacting user, the asker who accepted), if anyone. */
  actor_id: number | null;
}

export interface CreditProvider {
  /** Source prefixes this provider owns, e.g. ['reaction:'] or ['accept:', 'accept_own:']. */
  prefixes: string[];
  /** Reason recorded when one of its credits disappears while the post stays live (e.g. 'reaction_removed'). */
  removedReason: string;
  /** The credits the live post should carry now (not called for a deleted or hidden post). */
  credits(trx: Trx, post: LedgerPost): Promise<DesiredCredit[]>;
}

/** One credit per reaction on the post, to its author, worth the weight the reaction was given with. */
export const reactionCredits: CreditProvider = {
  prefixes: ['reaction:'],
  removedReason: 'reaction_removed',
  async credits(trx, post) {
    const rows = await trx.selectFrom('reactions').select(['id', 'user_id', 'weight']).where('post_id', '=', post.id).where('weight', '!=', 0).execute();
    return rows.map((r) => ({ source: `reaction:${r.id}`, user_id: post.user_id, delta: r.weight, reason: 'reaction', actor_id: r.user_id }));
  },
};

/** Every provider, consulted by every reconciliation. */
export const CREDIT_PROVIDERS: CreditProvider[] = [reactionCredits];

/** Adds a provider to every reconciliation (once; idempotent). Refuses prefixes another provider already owns. */
export function registerCreditProvider(provider: CreditProvider): void {
  if (CREDIT_PROVIDERS.includes(provider)) return;
  const clash = provider.prefixes.find((prefix) => CREDIT_PROVIDERS.some((p) => p.prefixes.some((o) => o.startsWith(prefix) || prefix.startsWith(o))));
  if (clash) throw new Error(`credit source prefix ${clash} is already owned by another provider`);
  CREDIT_PROVIDERS.push(provider);
}

/** The ledger's net for one (source, user) of a post, with its latest reason and actor. */
export interface LedgerNet {
  source: string;
  user_id: number;
  net: number;
  last_reason: string | null;
  actor_id: number | null;
}

export interface PlannedEvent {
  user_id: number;
  delta: number;
  reason: string;
  source: string;
  post_id: number;
  actor_id: number | null;
}

/** An event as written: post-bound credits carry their post, other events none. */
export type LedgerEvent = Omit<PlannedEvent, 'post_id'> & { post_id: number | null };

/**
 * Pure: the events that turn the ledger's `current` nets into the `desired` credits (nothing is desired
 * while the post is not live). `removedReason(source)` names why a credit went away from a live post.
 */
export function planLedgerEvents(postId: number, live: boolean, desired: DesiredCredit[], current: LedgerNet[], removedReason: (source: string) => string): PlannedEvent[] {
  const key = (source: string, userId: number) => `${userId}\u0000${source}`;
  const want = new Map<string, DesiredCredit>();
  if (live) {
    for (const c of desired) {
      const k = key(c.source, c.user_id);
      const prev = want.get(k);
      want.set(k, prev ? { ...prev, delta: prev.delta + c.delta } : c);
    }
  }
  const have = new Map(current.map((n) => [key(n.source, n.user_id), n]));
  const out: PlannedEvent[] = [];
  for (const k of new Set([...want.keys(), ...have.keys()])) {
    const w = want.get(k);
    const h = have.get(k);
    const diff = (w?.delta ?? 0) - (h?.net ?? 0);
    if (diff === 0) continue;
    const source = (w ?? h)!.source;
    let reason: string;
    if (!live) reason = 'post_removed';
    else if (!w || w.delta === 0) reason = removedReason(source);
    else if (!h || h.net === 0) reason = h?.last_reason === 'post_removed' ? 'post_restored' : w.reason;
    else reason = 'adjusted';
    out.push({ user_id: (w ?? h)!.user_id, delta: diff, reason, source, post_id: postId, actor_id: w?.actor_id ?? h?.actor_id ?? null });
  }
  return out;
}

/** Applies ledger events and moves users.reputation by the same deltas (users in id order, so concurrent callers never deadlock). */
export async function applyEvents(trx: Trx, events: LedgerEvent[]): Promise<void> {
  if (!events.length) return;
  await trx.insertInto('reputation_events').values(events).execute();
  const byUser = new Map<number, number>();
  for (const e of events) byUser.set(e.user_id, (byUser.get(e.user_id) ?? 0) + e.delta);
  for (const [userId, delta] of [...byUser].sort((a, b) => a[0] - b[0])) {
    if (delta !== 0) await trx.updateTable('users').set({ reputation: sql`reputation + ${delta}` }).where('id', '=', userId).execute();
  }
}

/**
 * Brings the ledger in line with what the post deserves now (see the module comment) and returns the events
 * written. Call inside the transaction that changed the post or its reactions, with the post row locked
 * (it is locked again here, which is free for the holder, so a forgetful caller is still safe).
 * `providers` defaults to every provider; passing a subset reconciles only the sources those own.
 */
export async function reconcilePostReputation(trx: Trx, postId: number, providers: CreditProvider[] = CREDIT_PROVIDERS): Promise<PlannedEvent[]> {
  const post = await trx
    .selectFrom('posts')
    .select(['id', 'topic_id', 'post_number', 'user_id', 'deleted_at', 'hidden_at'])
    .where('id', '=', postId)
    .forUpdate()
    .executeTakeFirst();
  if (!post) return [];
  const live = !post.deleted_at && !post.hidden_at;
  const owner = (source: string) => providers.find((p) => p.prefixes.some((prefix) => source.startsWith(prefix)));
  const desired: DesiredCredit[] = [];
  if (live) {
    for (const provider of providers) {
      for (const credit of await provider.credits(trx, post)) {
        if (owner(credit.source) !== provider) throw new Error(`credit source ${credit.source} is outside its provider's prefixes`);
        desired.push(credit);
      }
    }
  }
  const { rows } = await sql<LedgerNet>`
    select source, user_id, sum(delta)::int as net,
           (array_agg(reason order by id desc))[1] as last_reason,
           (array_agg(actor_id order by id desc))[1] as actor_id
    from reputation_events where post_id = ${postId}
    group by source, user_id`.execute(trx);
  const current = rows.filter((r) => owner(r.source));
  const events = planLedgerEvents(postId, live, desired, current, (source) => owner(source)?.removedReason ?? 'removed');
  await applyEvents(trx, events);
  return events;
}

/** Records one event that belongs to no post's reconciliation (e.g. a staff adjustment; source must not use a provider's prefix). */
export async function addReputationEvent(trx: Trx, event: { user_id: number; delta: number; reason: string; source: string; actor_id?: number | null }): Promise<void> {
  if (CREDIT_PROVIDERS.some((p) => p.prefixes.some((prefix) => event.source.startsWith(prefix)))) {
    throw new Error(`source ${event.source} is managed by reconciliation`);
  }
  await applyEvents(trx, [{ ...event, post_id: null, actor_id: event.actor_id ?? null }]);
}
