import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const standardFonts = `${path.join(path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts')}${path.sep}`;

/** The PDF's text, every page, with runs of white space as one space (pdf.js's legacy build reads it in Node without a canvas). */
export async function pdfText(data: Buffer): Promise<string> {
  const pdf = await getDocument({ data: new Uint8Array(data), standardFontDataUrl: standardFonts, verbosity: 0 })
    .promise;
  const pages: string[] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const content = await (await pdf.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await pdf.destroy();
  return pages.join(' ').replace(/\s+/g, ' ');
}

/*
 * poppler-utils read the PDF as other readers do (installed by .ci/run when missing): pdftotext
 * for the text of each page (pages end with a form feed), pdffonts for what fonts are embedded,
 * pdfinfo for the document's properties and, with -struct-text, its tagged structure.
 */
function withFile<T>(pdf: Buffer, read: (file: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'pdf-'));
  const file = path.join(dir, 'document.pdf');
  try {
    writeFileSync(file, pdf);
    return read(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const run = (command: string, args: string[]) => execFileSync(command, args, { encoding: 'utf8' });

/** The text as pdftotext reads it, pages separated by form feeds. */
export function popplerText(pdf: Buffer): string {
  return withFile(pdf, (file) => run('pdftotext', ['-enc', 'UTF-8', file, '-']));
}

export interface PdfFont {
  name: string;
  type: string;
  embedded: boolean;
  subset: boolean;
  unicode: boolean;
}

/** The fonts pdffonts finds, with whether each is embedded, subset and mapped to Unicode. */
export function pdfFonts(pdf: Buffer): PdfFont[] {
  const lines = withFile(pdf, (file) => run('pdffonts', [file]))
    .split('\n')
    .slice(2)
    .filter((line) => line.trim() !== '');
  return lines.map((line) => {
    const words = line.trim().split(/\s+/);
    const [emb, sub, uni] = words.slice(-5, -2);
    return {
      name: words[0]!,
      type: words.slice(1, -6).join(' '),
      embedded: emb === 'yes',
      subset: sub === 'yes',
      unicode: uni === 'yes',
    };
  });
}

/** pdfinfo's properties (Title, Tagged, Pages, …). */
export function pdfInfo(pdf: Buffer): Record<string, string> {
  return Object.fromEntries(
    withFile(pdf, (file) => run('pdfinfo', ['-enc', 'UTF-8', file]))
      .split('\n')
      .flatMap((line) => {
        const at = line.indexOf(':');
        return at > 0 ? [[line.slice(0, at).trim(), line.slice(at + 1).trim()] as const] : [];
      }),
  );
}

/** The tagged structure tree with each element's text, as pdfinfo -struct-text prints it. */
export function pdfStructure(pdf: Buffer): string {
  return withFile(pdf, (file) => run('pdfinfo', ['-enc', 'UTF-8', '-struct-text', file]));
}
