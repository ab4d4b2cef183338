import { describe, expect, it } from 'vitest';
import { cook } from '../../server/content/cook.js';
import { blockedDomain, extractLinks, hostInDomain, maxLinksToOneHost } from '../../server/features/moderation/links.js';
import { approvalNeeded, cookForSave, evaluateContent } from '../../server/features/moderation/posting-rules.js';
import { censorHtml, censorText, fold, maskWord, WordList } from '../../server/features/moderation/word-filter.js';
import { changedFields, normalizeDomain, parseModerationForm, formFromModeration } from '../../server/features/settings/moderation.form.js';
import { DEFAULT_SETTINGS, type ModerationSettings } from '../../server/features/settings/settings.js';
import type { Viewer } from '../../server/policy/index.js';

const settings = (over: Partial<ModerationSettings> = {}): ModerationSettings => ({ ...structuredClone(DEFAULT_SETTINGS.moderation), ...over });
const viewer = (over: Partial<Viewer> = {}): Viewer => ({
  id: 1, username: 'u', role: 'member', trust_level: 1, created_at: new Date('2026-01-01'), silenced_until: null, suspended_until: null, ...over,
});
const draft = (body: string, title?: string) => ({ body, title, html: cook(body) });

describe('word matching', () => {
  it('matches whole words, case-insensitively, in Russian and English, with ё read as е', () => {
    const list = new WordList(['spam', 'ёлка', 'плохое слово']);
    expect(list.firstMatch('Buy SPAM now')).toBe('spam');
    expect(list.firstMatch('spammer and antispam')).toBeNull();
    expect(list.firstMatch('Зелёная ЕЛКА стоит')).toBe('ёлка');
    expect(list.firstMatch('это Плохое   слово!')).toBe('плохое слово');
    expect(list.firstMatch('плохое, но слово')).toBeNull();
    expect(list.firstMatch('неплохое слово')).toBeNull();
  });

  it('treats admin input as plain text: regex metacharacters match literally and cannot hang', () => {
    const list = new WordList(['(a+)+$', 'c++', '.*']);
    expect(list.firstMatch('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!')).toBeNull();
    // Punctuation is not a word character: "c++" is the word "c"; ".*" has no word and matches nothing.
    expect(list.firstMatch('I write c every day')).toBe('c++');
    expect(new WordList(['.*']).empty).toBe(true);
    const started = Date.now();
    new WordList(Array.from({ length: 500 }, (_, i) => `w${i} x`)).matches('w1 '.repeat(20_000));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('folds compatibility forms and case', () => {
    expect(fold('ＳＰＡＭ')).toBe('spam');
    expect(fold('ЁЖ')).toBe('еж');
  });
});

describe('censoring', () => {
  it('masks inner letters and keeps the rest of the text', () => {
    expect(maskWord('плохо')).toBe('п***о');
    expect(maskWord('ab')).toBe('a*');
    expect(maskWord('a')).toBe('*');
    const list = new WordList(['плохо', 'bad word']);
    expect(censorText('Это ПЛОХО, a bad  word here; плохой', list)).toBe('Это П***О, a b*d  w**d here; плохой');
  });

  it('masks text in cooked HTML but never tags, attributes or character references', () => {
    const list = new WordList(['amp', 'href', 'bad']);
    const html = cook('A [bad link](https://example.com/bad) & more bad');
    const out = censorHtml(html, list);
    expect(out).toContain('href="https://example.com/bad"');
    expect(out).toContain('&amp;');
    expect(out).toContain('>b*d link</a>');
    expect(out).toContain('more b*d');
  });

  it('cookForSave masks the HTML only (the markdown is kept by the caller)', () => {
    expect(cookForSave(settings({ words_censor: ['darn'] }), 'Oh **darn** it')).toBe('<p>Oh <strong>d**n</strong> it</p>\n');
  });
});

describe('links and images', () => {
  it('counts absolute links and images with their hosts, ignoring local links', () => {
    const html = cook('See https://www.Example.com/a and [b](http://sub.example.com/b) and [local](/t/1) ![x](https://img.test/p.png)');
    expect(extractLinks(html)).toEqual({ links: ['example.com', 'sub.example.com'], images: ['img.test'] });
  });

  it('checks domains with their subdomains, not look-alikes', () => {
    expect(hostInDomain('a.b.spam.test', 'spam.test')).toBe(true);
    expect(hostInDomain('notspam.test', 'spam.test')).toBe(false);
    expect(blockedDomain(['ok.test', 'x.spam.test'], ['spam.test'])).toBe('spam.test');
    expect(maxLinksToOneHost(['a.test', 'b.test', 'a.test'])).toBe(2);
  });
});

describe('evaluateContent', () => {
  const tl0 = viewer({ trust_level: 0 });
  it('refuses a blocked word in the title or body, naming it', () => {
    const s = settings({ words_block: ['casino'] });
    expect(evaluateContent(s, viewer(), draft('fine', 'Best CASINO offers'))).toEqual({ refuse: { field: 'title', key: 'posting.rule.blockedWord', params: { word: 'casino' } } });
    expect(evaluateContent(s, viewer(), draft('a casino here'))).toMatchObject({ refuse: { field: 'body' } });
  });

  it('limits links and images for TL0 only, and blocks domains for everyone but staff', () => {
    const s = settings({ blocked_domains: ['spam.test'] });
    const three = draft('https://a.test https://b.test https://c.test');
    expect(evaluateContent(s, tl0, three)).toMatchObject({ refuse: { key: 'posting.rule.tooManyLinks', params: { limit: 2 } } });
    expect(evaluateContent(s, viewer(), three)).toEqual({ hold: null });
    expect(evaluateContent(s, tl0, draft('![a](https://a.test/1.png) ![b](https://a.test/2.png)'))).toMatchObject({ refuse: { key: 'posting.rule.tooManyImages' } });
    const spam = draft('go to https://www.shop.spam.test/');
    expect(evaluateContent(s, viewer({ trust_level: 4 }), spam)).toMatchObject({ refuse: { key: 'posting.rule.blockedDomain', params: { domain: 'spam.test' } } });
    expect(evaluateContent(s, viewer({ role: 'moderator' }), spam)).toEqual({ hold: null });
  });

  it('holds approval words and many links to one site by a TL0 member', () => {
    const s = settings({ words_approve: ['crypto'], new_user_max_links: 5 });
    expect(evaluateContent(s, viewer(), draft('about Crypto'))).toEqual({ hold: 'word:crypto' });
    expect(evaluateContent(s, tl0, draft('https://a.test/1 https://a.test/2 https://a.test/3'))).toEqual({ hold: 'links' });
    expect(evaluateContent(s, tl0, draft('https://a.test/1 https://a.test/2 https://b.test/3'))).toEqual({ hold: null });
  });

  it('approvalNeeded: TL0 first posts, category levels, staff never', () => {
    const s = settings({ approve_first_posts: 2 });
    expect(approvalNeeded(s, tl0, { post_count: 1 }, { approval_below_tl: 0 })).toBe('new_user');
    expect(approvalNeeded(s, tl0, { post_count: 2 }, { approval_below_tl: 0 })).toBeNull();
    expect(approvalNeeded(s, viewer({ trust_level: 1 }), { post_count: 0 }, { approval_below_tl: 2 })).toBe('category');
    expect(approvalNeeded(s, viewer({ trust_level: 2 }), { post_count: 0 }, { approval_below_tl: 2 })).toBeNull();
    expect(approvalNeeded(s, viewer({ role: 'moderator', trust_level: 0 }), { post_count: 0 }, { approval_below_tl: 5 })).toBeNull();
  });
});

describe('the admin form', () => {
  it('round-trips the settings in force and reads one item per line', () => {
    const v = formFromModeration(settings());
    v.words_block = ' Casino \n\nплохое  слово\ncasino';
    v.blocked_domains = 'https://www.Spam.test/path\n*.evil.test';
    const parsed = parseModerationForm(v);
    expect(parsed).toMatchObject({ settings: { words_block: ['casino', 'плохое слово'], blocked_domains: ['www.spam.test', 'evil.test'] } });
    expect(normalizeDomain('HTTP://Example.COM.')).toBe('example.com');
  });

  it('reports each bad field', () => {
    const v = { ...formFromModeration(settings()), auto_hide_score: '0', topics_per_day_0: 'x', blocked_domains: 'not a domain', words_censor: 'a'.repeat(101) };
    const parsed = parseModerationForm(v);
    expect('errors' in parsed && Object.keys(parsed.errors).sort()).toEqual(['auto_hide_score', 'blocked_domains', 'topics_per_day_0', 'words_censor']);
  });

  it('changedFields lists only what changed', () => {
    expect(changedFields(settings(), settings({ auto_hide_score: 9 }))).toEqual({ before: { auto_hide_score: 8 }, after: { auto_hide_score: 9 } });
  });
});
