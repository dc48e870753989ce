import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const VIEWS = path.resolve('views');

function templates(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? templates(path.join(dir, entry.name))
      : entry.name.endsWith('.hbs')
        ? [path.join(dir, entry.name)]
        : [],
  );
}

describe('views', () => {
  it('put every table in a region of its own that scrolls sideways, so no page does on a phone', () => {
    const loose: string[] = [];
    // The GOV.UK table partial itself is held to govuk-frontend's own markup (partials.test.ts); no page uses it yet.
    for (const file of templates(VIEWS).filter((f) => path.relative(VIEWS, f) !== path.join('partials', 'table.hbs'))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/<table\b/g)) {
        const before = text.slice(0, match.index).trimEnd();
        const opener = before.slice(before.lastIndexOf('<div'));
        const wrapped = /^<div class="app-table-scroll" tabindex="0" role="region" aria-label="[^"]+">$/.test(opener);
        if (!wrapped) loose.push(`${path.relative(VIEWS, file)}:${text.slice(0, match.index).split('\n').length}`);
      }
    }
    expect(
      loose,
      'tables outside <div class="app-table-scroll" tabindex="0" role="region" aria-label="…">',
    ).to.deep.equal([]);
  });
});
