import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Templates escape everything they print, except through `<%~ … %>`. That raw output must be one of: a partial
// (include), the layout's page body, an icon or avatar (made from fixed markup), a template-local helper whose name
// ends in _html, or a field whose name ends in _html — which by convention holds only sanitized, cooked HTML.
const VIEWS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../views');
const ALLOWED = [/^include\(/, /^it\.body$/, /^it\.(icon|avatar)_html\(/, /^[a-z]+_html\(/, /^[\w.]+_html$/];

function templates(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? templates(path.join(dir, e.name)) : e.name.endsWith('.eta') ? [path.join(dir, e.name)] : [],
  );
}

describe('raw output in templates', () => {
  it('prints raw only partials, icons, avatars and *_html fields', () => {
    const offending: string[] = [];
    const files = templates(VIEWS);
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(/<%~\s*([\s\S]*?)\s*%>/g)) {
        const expr = m[1]!;
        if (!ALLOWED.some((re) => re.test(expr))) offending.push(`${path.relative(VIEWS, file)}: ${expr}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
