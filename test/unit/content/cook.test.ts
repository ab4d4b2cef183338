import { describe, expect, it } from 'vitest';
import { cook, excerpt, quoteMarkdown } from '../../../server/content/cook.js';
import { dom, text } from '../../helpers/html.js';

const FORBIDDEN_ELEMENTS = 'script, iframe, frame, svg, math, object, embed, style, link, meta, base, form, input, button, textarea, video, audio, source';

/** What a browser does before reading a URL's scheme: drop ASCII whitespace and control characters. */
function schemeOf(url: string): string | null {
  // eslint-disable-next-line no-control-regex
  const squashed = url.replace(/[\u0000-\u0020\u007f]/g, '');
  return /^([a-z][a-z0-9+.-]*):/i.exec(squashed)?.[1]?.toLowerCase() ?? null;
}

/** Every problem that would make cooked HTML unsafe to print raw; empty when it is safe. */
function unsafeParts(html: string): string[] {
  const problems: string[] = [];
  const doc = dom(html);
  for (const el of Array.from(doc.querySelectorAll(FORBIDDEN_ELEMENTS))) problems.push(`<${el.tagName.toLowerCase()}>`);
  for (const el of Array.from(doc.querySelectorAll('*'))) {
    for (const { name, value } of Array.from(el.attributes)) {
      const attr = name.toLowerCase();
      if (attr.startsWith('on') || attr === 'style' || attr.startsWith('hx-') || attr.startsWith('data-') || attr === 'srcset' || attr === 'formaction') {
        problems.push(`${el.tagName.toLowerCase()}[${attr}]`);
      }
      if (attr === 'href' || attr === 'src') {
        const scheme = schemeOf(value);
        const allowed = attr === 'src' ? ['http', 'https'] : ['http', 'https', 'mailto'];
        if (scheme ? !allowed.includes(scheme) : /^[\\/]{2}/.test(value.trim())) problems.push(`${attr}=${value}`);
      }
    }
  }
  return problems;
}

describe('the XSS checker used below', () => {
  it('reports dangerous elements, attributes and URLs', () => {
    expect(unsafeParts('<p onclick="x" style="color:red" hx-get="/a">x</p>')).toEqual(['p[onclick]', 'p[style]', 'p[hx-get]']);
    expect(unsafeParts('<script>1</script><svg></svg><iframe></iframe>').sort()).toEqual(['<iframe>', '<script>', '<svg>']);
    expect(unsafeParts('<a href=" java\tscript:alert(1)">x</a>')).toEqual(['href= java\tscript:alert(1)']);
    expect(unsafeParts('<a href="//evil.com">x</a><img src="data:image/png;base64,AA">')).toHaveLength(2);
  });

  it('accepts http(s), mailto and relative URLs', () => {
    expect(unsafeParts('<a href="https://a.example/x">a</a><a href="mailto:a@b.c">b</a><a href="/t/1">c</a><img src="http://a.example/i.png">')).toEqual([]);
  });
});

describe('cook() refuses XSS payloads', () => {
  const payloads: Record<string, string> = {
    'script tag': '<script>alert(1)</script>',
    'script tag split across lines': '<scr\nipt>alert(1)</script>',
    'img onerror': '<img src=x onerror=alert(1)>',
    'svg onload': '<svg onload=alert(1)>',
    'svg inside a paragraph': 'hello <svg><script>alert(1)</script></svg>',
    iframe: '<iframe src="javascript:alert(1)"></iframe>',
    'object data': '<object data="javascript:alert(1)"></object>',
    'html block': '<div>\n<img src=x onerror=alert(1)>\n</div>',
    'raw anchor with javascript:': '<a href="javascript:alert(1)">x</a>',
    'javascript: link': '[x](javascript:alert(1))',
    'javascript: link, mixed case': '[x](JaVaScRiPt:alert(1))',
    'javascript: link, decimal entity': '[x](&#106;avascript:alert(1))',
    'javascript: link, padded decimal entity': '[x](&#0000106avascript:alert(1))',
    'javascript: link, hex entity': '[x](&#x6A;avascript:alert(1))',
    'javascript: link, &colon; entity': '[x](javascript&colon;alert(1))',
    'javascript: link, &#58; entity': '[x](javascript&#58;alert(1))',
    'javascript: link, percent-encoded letter': '[x](%6Aavascript:alert(1))',
    'javascript: link, percent-encoded colon': '[x](javascript%3Aalert(1))',
    'javascript: link, tab inside (angle brackets)': '[x](<java\tscript:alert(1)>)',
    'javascript: link, tab entity inside': '[x](jav&#x09;ascript:alert(1))',
    'javascript: link, newline inside': '[x](java\nscript:alert(1))',
    'javascript: link, newline entity inside': '[x](java&#10;script:alert(1))',
    'javascript: link, leading spaces': '[x](   javascript:alert(1))',
    'javascript: link, leading newline': '[x](\njavascript:alert(1))',
    'javascript: link, leading control character': '[x](\u0001javascript:alert(1))',
    'javascript: link in angle brackets': '[x](<javascript:alert(1)>)',
    'javascript: image': '![x](javascript:alert(1))',
    'vbscript: link': '[x](vbscript:msgbox(1))',
    'VBScript: link, mixed case': '[x](VbScRiPt:msgbox(1))',
    'data:text/html link': '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    'data:text/html image': '![x](data:text/html,<script>alert(1)</script>)',
    'data:image/svg+xml image': '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
    'data:image/png image': '![x](data:image/png;base64,iVBORw0KGgo=)',
    'file: link': '[x](file:///etc/passwd)',
    'protocol-relative link': '[x](//evil.example/x)',
    'protocol-relative image': '![x](//evil.example/x.png)',
    'reference link to javascript:': '[x][r]\n\n[r]: javascript:alert(1)',
    'reference link to javascript: in angle brackets': '[x][r]\n\n[r]: <javascript:alert(1)>',
    'collapsed reference link, upper case scheme': '[x][]\n\n[x]: JAVASCRIPT:alert(1) "t"',
    'reference image to data:': '![x][r]\n\n[r]: data:text/html,<script>alert(1)</script>',
    'autolink javascript:': '<javascript:alert(1)>',
    'autolink vbscript:': '<vbscript:msgbox(1)>',
    'autolink data:': '<data:text/html,<script>alert(1)</script>>',
    'bare javascript: text': 'javascript:alert(1)',
    'hx-get attribute': '<div hx-get="/admin" hx-trigger="load">x</div>',
    'hx-post attribute': '<button hx-post="/logout" hx-trigger="load">x</button>',
    'hx-on attribute': '<span hx-on:click="alert(1)" hx-on::load="alert(1)">x</span>',
    'data-hx attribute': '<div data-hx-get="/admin" data-hx-trigger="load">x</div>',
    'style attribute': '<p style="background:url(javascript:alert(1))">x</p>',
    'on* attribute on an allowed tag': '<a href="https://ok.example" onmouseover="alert(1)">x</a>',
    'on* attribute on a code tag': '<code onclick="alert(1)">x</code>',
    'title breakout': '[x](https://ok.example "\\" onmouseover=\\"alert(1)")',
    'href breakout': '[x](https://ok.example/"onmouseover="alert(1))',
    'image title breakout': '![x](https://ok.example/i.png "\\" onerror=\\"alert(1)")',
    'code fence info breakout': '```"><script>alert(1)</script>\ncode\n```',
    'code fence info with attributes': '```js onload=alert(1) style=x\ncode\n```',
    'linkified URL with quotes': 'https://ok.example/"onmouseover="alert(1)',
    'form with formaction': '<form><button formaction="javascript:alert(1)">x</button></form>',
    'meta refresh': '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    'base href': '<base href="javascript:alert(1)//">',
    'math with href': '<math><mi href="javascript:alert(1)">x</mi></math>',
    'html comment trick': '<!-- --><script>alert(1)</script><!-- -->',
  };

  for (const [name, markdown] of Object.entries(payloads)) {
    it(`neutralises ${name}`, () => {
      expect(unsafeParts(cook(markdown))).toEqual([]);
    });
  }

  it('shows raw HTML as text instead of dropping or running it', () => {
    const doc = dom(cook('<script>alert(1)</script>'));
    expect(doc.querySelector('script')).toBeNull();
    expect(text(doc.querySelector('p'))).toBe('<script>alert(1)</script>');
  });

  it('does not turn a javascript: link into an anchor at all', () => {
    for (const md of ['[x](javascript:alert(1))', '[x](&#106;avascript:alert(1))', '[x][r]\n\n[r]: javascript:alert(1)', '<javascript:alert(1)>']) {
      const links = Array.from(dom(cook(md)).querySelectorAll('a[href]'));
      expect(links.map((a) => a.getAttribute('href')), md).toEqual([]);
    }
  });

  it('drops a data: image source but keeps the image alt text', () => {
    const img = dom(cook('![logo](data:image/png;base64,iVBORw0KGgo=)')).querySelector('img');
    expect(img?.hasAttribute('src')).toBe(false);
    expect(img?.getAttribute('alt')).toBe('logo');
  });

  it('keeps a title that tries to break out inside the attribute', () => {
    const a = dom(cook('[x](https://ok.example "\\" onmouseover=\\"alert(1)")')).querySelector('a');
    expect(a?.getAttribute('href')).toBe('https://ok.example');
    expect(a?.getAttribute('title')).toBe('" onmouseover="alert(1)');
  });

  it('never outputs id or name attributes (no DOM clobbering)', () => {
    const html = cook('# Heading\n\n[x](https://a.example)\n\n![i](https://a.example/i.png)');
    const doc = dom(html);
    expect(doc.querySelectorAll('[id], [name]').length).toBe(0);
  });
});

describe('cook() renders markdown', () => {
  it('renders bold, italic and strikethrough', () => {
    const doc = dom(cook('**bold** _it_ ~~gone~~'));
    expect(text(doc.querySelector('strong'))).toBe('bold');
    expect(text(doc.querySelector('em'))).toBe('it');
    expect(text(doc.querySelector('s'))).toBe('gone');
  });

  it('renders a link with rel="nofollow ugc noopener" and no target', () => {
    const a = dom(cook('[docs](https://example.com/docs "The docs")')).querySelector('a');
    expect(a?.getAttribute('href')).toBe('https://example.com/docs');
    expect(a?.getAttribute('title')).toBe('The docs');
    expect(a?.getAttribute('rel')).toBe('nofollow ugc noopener');
    expect(a?.hasAttribute('target')).toBe(false);
    expect(text(a)).toBe('docs');
  });

  it('keeps relative and mailto links', () => {
    const hrefs = Array.from(dom(cook('[a](/t/1) [b](mailto:a@example.com) [c](#post-2)')).querySelectorAll('a')).map((a) => a.getAttribute('href'));
    expect(hrefs).toEqual(['/t/1', 'mailto:a@example.com', '#post-2']);
  });

  it('linkifies bare http(s) URLs and e-mail addresses', () => {
    const links = Array.from(dom(cook('See https://example.com/a?b=1&c=2 or write to team@example.com')).querySelectorAll('a'));
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.com/a?b=1&c=2', 'mailto:team@example.com']);
    expect(links.every((a) => a.getAttribute('rel') === 'nofollow ugc noopener')).toBe(true);
    expect(text(links[0])).toBe('https://example.com/a?b=1&c=2');
  });

  it('turns an http(s) autolink into a link', () => {
    const a = dom(cook('<https://example.com>')).querySelector('a');
    expect(a?.getAttribute('href')).toBe('https://example.com');
  });

  it('keeps the language class of a fenced code block', () => {
    const code = dom(cook('```ts\nconst x = 1 < 2;\n```')).querySelector('pre > code');
    expect(code?.getAttribute('class')).toBe('language-ts');
    expect(code?.textContent).toBe('const x = 1 < 2;\n');
  });

  it('drops a class that is not a plain language name', () => {
    const code = dom(cook('```' + 'x'.repeat(40) + '\ncode\n```')).querySelector('pre > code');
    expect(code?.hasAttribute('class')).toBe(false);
  });

  it('turns a single newline into a line break', () => {
    const p = dom(cook('first\nsecond')).querySelector('p');
    expect(p?.querySelectorAll('br').length).toBe(1);
    expect(text(p)).toBe('first second');
  });

  it('renders quotes', () => {
    const quote = dom(cook('> quoted\n> text')).querySelector('blockquote');
    expect(text(quote)).toBe('quoted text');
  });

  it('renders tables', () => {
    const doc = dom(cook('| Name | Count |\n|------|-------|\n| Anna | 3 |'));
    expect(Array.from(doc.querySelectorAll('table thead th')).map(text)).toEqual(['Name', 'Count']);
    expect(Array.from(doc.querySelectorAll('table tbody td')).map(text)).toEqual(['Anna', '3']);
  });

  it('renders lists and keeps an ordered list start', () => {
    const doc = dom(cook('3. three\n4. four\n\n- a\n- b'));
    expect(doc.querySelector('ol')?.getAttribute('start')).toBe('3');
    expect(doc.querySelectorAll('ul > li').length).toBe(2);
  });

  it('renders images lazily with their http(s) source', () => {
    const img = dom(cook('![cat](https://example.com/cat.png)')).querySelector('img');
    expect(img?.getAttribute('src')).toBe('https://example.com/cat.png');
    expect(img?.getAttribute('alt')).toBe('cat');
    expect(img?.getAttribute('loading')).toBe('lazy');
  });

  it('renders headings', () => {
    expect(text(dom(cook('## Section')).querySelector('h2'))).toBe('Section');
  });
});

describe('excerpt()', () => {
  it('strips tags and collapses whitespace', () => {
    expect(excerpt('<h1>Title</h1>\n<p>Some   <strong>bold</strong>\ntext</p>')).toBe('Title Some bold text');
  });

  it('returns plain text, with entities decoded (templates escape it once)', () => {
    expect(excerpt('<p>Tom &amp; Jerry &lt;3 &quot;cheese&quot;</p>')).toBe('Tom & Jerry <3 "cheese"');
    expect(excerpt(cook('Fish & chips <b>'))).toBe('Fish & chips <b>');
  });

  it('drops script and style content', () => {
    expect(excerpt('<p>a</p>\n<script>alert(1)</script>\n<style>p{}</style>\n<p>b</p>')).toBe('a b');
  });

  it('keeps text up to the limit unchanged', () => {
    const exact = 'a'.repeat(200);
    expect(excerpt(`<p>${exact}</p>`)).toBe(exact);
  });

  it('cuts longer text to at most max characters, ending with an ellipsis', () => {
    const out = excerpt(`<p>${'word '.repeat(100)}</p>`, 20);
    expect(out.length).toBeLessThanOrEqual(20);
    expect(out.endsWith('…')).toBe(true);
    expect(out).toBe('word word word word…');
  });

  it('returns an empty string for empty HTML', () => {
    expect(excerpt('')).toBe('');
  });
});

describe('quoteMarkdown()', () => {
  it('names the author and prefixes every line with "> "', () => {
    expect(quoteMarkdown('anna', 'first\nsecond')).toBe('@anna:\n> first\n> second\n\n');
  });

  it('trims surrounding blank lines of the quoted body', () => {
    expect(quoteMarkdown('anna', '\n\n  text  \n\n')).toBe('@anna:\n> text\n\n');
  });

  it('keeps blank lines inside the body quoted, so the quote stays one block', () => {
    expect(quoteMarkdown('bob', 'a\n\nb')).toBe('@bob:\n> a\n> \n> b\n\n');
    const doc = dom(cook(quoteMarkdown('bob', 'a\n\nb')));
    expect(doc.querySelectorAll('blockquote').length).toBe(1);
  });
});
