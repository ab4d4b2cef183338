import { describe, expect, it } from 'vitest';
import type { Role } from '../../server/db/types.js';
import { verificationRequired } from '../../server/features/accounts/verification.rules.js';
import {
  canEditPost, canFlag, canKeepReplyDraft, canKeepTopicDraft, canPost, canReact, canReply, canStartTopic, canVote, canVoteIdea, isUnverified,
  type PostState, type TopicState, type Viewer,
} from '../../server/policy/index.js';

const NOW = new Date();
const DAY = 86400_000;

function viewer(role: Role, state: Partial<Viewer> = {}): Viewer {
  return { id: 1, username: 'someone', role, trust_level: 2, created_at: new Date(NOW.getTime() - 30 * DAY), silenced_until: null, suspended_until: null, ...state };
}

const category = { read_access: 'everyone' as const, post_access: 'members' as const };
const topic: TopicState = { category, locked_at: null, closed_at: null, deleted_at: null, reply_count: 1 };
const othersPost: PostState = { user_id: 2, post_number: 1, created_at: NOW, deleted_at: null, hidden_at: null };
const ownPost: PostState = { ...othersPost, user_id: 1 };
const idea = { ...topic, category_kind: 'ideas' as const, idea_status: 'new' };
const poll = { closes_at: null, closed_at: null, results_visibility: 'always' as const };

describe('an unconfirmed address', () => {
  const waiting = viewer('member', { email_unverified: true });
  const confirmed = viewer('member');

  it('reads but does not write: no topic, reply, edit, reaction, flag, poll or idea vote', () => {
    expect(isUnverified(waiting)).toBe(true);
    expect(canPost(waiting)).toBe(false);
    expect(canStartTopic(waiting, category)).toBe(false);
    expect(canReply(waiting, topic)).toBe(false);
    expect(canEditPost(waiting, topic, ownPost, 24)).toBe(false);
    expect(canReact(waiting, topic, othersPost)).toBe(false);
    expect(canFlag(waiting, topic, othersPost)).toBe(false);
    expect(canVote(waiting, topic, poll)).toBe(false);
    expect(canVoteIdea(waiting, idea)).toBe(false);
  });

  it('changes nothing for a confirmed member (the flag absent means confirmed)', () => {
    expect(isUnverified(confirmed)).toBe(false);
    expect(canPost(confirmed)).toBe(true);
    expect(canStartTopic(confirmed, category)).toBe(true);
    expect(canReply(confirmed, topic)).toBe(true);
    expect(canReact(confirmed, topic, othersPost)).toBe(true);
    expect(canFlag(confirmed, topic, othersPost)).toBe(true);
    expect(canVote(confirmed, topic, poll)).toBe(true);
    expect(canVoteIdea(confirmed, idea)).toBe(true);
    expect(isUnverified(null)).toBe(false);
  });

  it('still keeps drafts (private text), unlike a suspended account or a guest', () => {
    expect(canKeepTopicDraft(waiting)).toBe(true);
    expect(canKeepReplyDraft(waiting, topic)).toBe(true);
    const suspended = viewer('member', { suspended_until: new Date(NOW.getTime() + DAY) });
    expect(canKeepTopicDraft(suspended)).toBe(false);
    expect(canKeepTopicDraft(null)).toBe(false);
    expect(canKeepReplyDraft(confirmed, { ...topic, category: { ...category, read_access: 'staff' } })).toBe(false);
    expect(canKeepReplyDraft(confirmed, { ...topic, deleted_at: NOW })).toBe(false);
  });
});

describe('whether confirmation is asked', () => {
  it('auto: only with SMTP; on and off: as set', () => {
    expect(verificationRequired({ require_email_verification: 'auto' }, { smtpUrl: 'smtp://mail:25' })).toBe(true);
    expect(verificationRequired({ require_email_verification: 'auto' }, { smtpUrl: null })).toBe(false);
    expect(verificationRequired({}, { smtpUrl: 'smtp://mail:25' })).toBe(true);
    expect(verificationRequired({ require_email_verification: 'on' }, { smtpUrl: null })).toBe(true);
    expect(verificationRequired({ require_email_verification: 'off' }, { smtpUrl: 'smtp://mail:25' })).toBe(false);
  });
});
