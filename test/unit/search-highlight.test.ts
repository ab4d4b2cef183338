import { describe, expect, it } from 'vitest';
import { MARK_END, MARK_START, snippetHtml } from '../../server/features/search/highlight.js';

const m = (s: string) => `${MARK_START}${s}${MARK_END}`;

describe('search snippets', () => {
  it('turns the markers into <mark> and escapes everything else', () => {
    expect(snippetHtml(`a <b> & "c" ${m('роутер')} 'd'`)).toBe('a &lt;b&gt; &amp; &quot;c&quot; <mark>роутер</mark> &#39;d&#39;');
  });

  it('never lets a marker-like text open a tag: unbalanced markers are closed or dropped', () => {
    expect(snippetHtml(`${MARK_START}open`)).toBe('<mark>open</mark>');
    expect(snippetHtml(`close${MARK_END} only`)).toBe('close only');
    expect(snippetHtml(`${MARK_START}${MARK_START}x${MARK_END}${MARK_END}`)).toBe('<mark>x</mark>');
  });

  it('reads as text: common markdown punctuation goes, links keep their words, control characters are dropped', () => {
    expect(snippetHtml('## Title\n> quoted **bold** [link text](https://x.test) `code`\u0007')).toBe('Title quoted bold link text code');
  });
});
