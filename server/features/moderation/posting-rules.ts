import { cook } from '../../content/cook.js';
import { isExemptFromLimits, type Viewer } from '../../policy/index.js';
import type { MessageKey } from '../../web/i18n/index.js';
import type { ModerationSettings } from '../settings/settings.js';
import { blockedDomain, extractLinks, maxLinksToOneHost } from './links.js';
import { censorHtml, censorText, WordList } from './word-filter.js';

/**
 * The content rules of pre-moderation as pure functions of (settings, author, text): which posts are refused,
 * which wait for approval, and how censored words are masked. Staff are exempt from every rule but censoring
 * (masking is presentation, and a staff post has nobody above it to approve it).
 */

export interface DraftPost {
  /** A new topic's title (absent for replies). */
  title?: string;
  body: string;
  /** The body cooked without censoring (links and images are counted on it). */
  html: string;
}

export interface Refusal {
  field: 'title' | 'body';
  key: MessageKey;
  params?: Record<string, string | number>;
}

export type ContentVerdict = { refuse: Refusal } | { hold: string | null };

/** Lists are compiled once per settings object (settings are cached per instance for a few seconds). */
const compiled = new WeakMap<ModerationSettings, { block: WordList; approve: WordList; censor: WordList }>();

export function wordLists(s: ModerationSettings): { block: WordList; approve: WordList; censor: WordList } {
  let lists = compiled.get(s);
  if (!lists) {
    lists = { block: new WordList(s.words_block), approve: new WordList(s.words_approve), censor: new WordList(s.words_censor) };
    compiled.set(s, lists);
  }
  return lists;
}

/** Refused (422, naming the rule), held for approval (with the held_reason), or free to appear. */
export function evaluateContent(s: ModerationSettings, viewer: Viewer, draft: DraftPost, now = new Date()): ContentVerdict {
  if (isExemptFromLimits(viewer, now)) return { hold: null };
  const lists = wordLists(s);
  const title = draft.title ?? '';
  const blockedTitle = lists.block.firstMatch(title);
  if (blockedTitle) return { refuse: { field: 'title', key: 'posting.rule.blockedWord', params: { word: blockedTitle } } };
  const blockedBody = lists.block.firstMatch(draft.body);
  if (blockedBody) return { refuse: { field: 'body', key: 'posting.rule.blockedWord', params: { word: blockedBody } } };

  const { links, images } = extractLinks(draft.html);
  const domain = blockedDomain([...links, ...images], s.blocked_domains);
  if (domain) return { refuse: { field: 'body', key: 'posting.rule.blockedDomain', params: { domain } } };
  const isNew = viewer.trust_level === 0;
  if (isNew && links.length > s.new_user_max_links) return { refuse: { field: 'body', key: 'posting.rule.tooManyLinks', params: { limit: s.new_user_max_links } } };
  if (isNew && images.length > s.new_user_max_images) return { refuse: { field: 'body', key: 'posting.rule.tooManyImages', params: { limit: s.new_user_max_images } } };

  const held = lists.approve.firstMatch(title, draft.body);
  if (held) return { hold: `word:${held}` };
  if (isNew && s.new_user_same_domain_links > 0 && maxLinksToOneHost(links) >= s.new_user_same_domain_links) return { hold: 'links' };
  return { hold: null };
}

/**
 * Pre-moderation by who writes where: a TL0 member's first N posts (N = approve_first_posts, counted by their
 * published posts), and anyone below the category's approval_below_tl. Staff are never held.
 */
export function approvalNeeded(
  s: ModerationSettings,
  viewer: Viewer,
  author: { post_count: number },
  category: { approval_below_tl: number },
  now = new Date(),
): 'new_user' | 'category' | null {
  if (isExemptFromLimits(viewer, now)) return null;
  if (viewer.trust_level < category.approval_below_tl) return 'category';
  if (viewer.trust_level === 0 && author.post_count < s.approve_first_posts) return 'new_user';
  return null;
}

/**
 * What is stored for a post: markdown as written (the author edits it unmasked) and HTML cooked once with
 * censored words masked. Titles have no source/HTML pair, so a censored title is stored masked.
 */
export function cookForSave(s: ModerationSettings, body: string): string {
  return censorHtml(cook(body), wordLists(s).censor);
}

export function censorTitle(s: ModerationSettings, title: string): string {
  return censorText(title, wordLists(s).censor);
}
