import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { judgeEvidence, keptFileName } from '../../src/evidence/rules.js';
import { EvidenceRefused, EvidenceStorage } from '../../src/evidence/storage.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('evidence: what the store takes, judged by content', () => {
  it('takes documents, images, recordings and plain text by their first bytes', () => {
    const taken: [Buffer, string][] = [
      [bytes('%PDF-1.7\n'), 'application/pdf'],
      [bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'rest'), 'image/png'],
      [bytes([0xff, 0xd8, 0xff, 0xe0]), 'image/jpeg'],
      [bytes('GIF89a'), 'image/gif'],
      [bytes([0, 0, 0, 0x20], 'ftypisom'), 'video/mp4'],
      [bytes([0x1a, 0x45, 0xdf, 0xa3]), 'video/webm'],
      [bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt '), 'audio/wav'],
      [bytes('ID3', [4, 0]), 'audio/mpeg'],
      [
        bytes([0x50, 0x4b, 0x03, 0x04], '....[Content_Types].xml....word/document.xml'),
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      ],
      [Buffer.from('Notes of the discussion, in plain text: naïve café.\n'), 'text/plain; charset=utf-8'],
    ];
    for (const [head, mediaType] of taken)
      expect(judgeEvidence(head), mediaType).to.deep.include({ ok: true, mediaType });
  });

  it('refuses programs, scripts, web pages, archives, unknown binary and empty files, saying what they are', () => {
    const refused: [Buffer, string][] = [
      [bytes('MZ', [0x90, 0, 3]), 'a Windows program'],
      [bytes([0x7f, 0x45, 0x4c, 0x46, 2]), 'a Linux program'],
      [bytes([0xcf, 0xfa, 0xed, 0xfe]), 'a macOS program'],
      [bytes('#!/bin/sh\nrm -rf /\n'), 'a script'],
      [bytes('<!doctype html><HTML><body>'), 'a web page or a script'],
      [bytes('<svg xmlns="http://www.w3.org/2000/svg"><script>'), 'a web page or a script'],
      [bytes('<?php echo 1; ?>'), 'a web page or a script'],
      [bytes([0x50, 0x4b, 0x03, 0x04], 'payload/run.exe'), 'a ZIP archive'],
      [bytes([0, 1, 2, 3, 0xfe, 0xff]), 'not a kind the evidence store takes'],
      [Buffer.alloc(0), 'The selected file is empty'],
    ];
    for (const [head, words] of refused) {
      const judged = judgeEvidence(head);
      expect(judged.ok, words).to.equal(false);
      if (!judged.ok) expect(judged.reason).to.contain(words);
    }
  });

  it('takes UTF-8 text whose last character is cut off at the end of the bytes judged', () => {
    const text = Buffer.from('é'.repeat(10));
    expect(judgeEvidence(text.subarray(0, text.length - 1))).to.deep.include({ ok: true });
  });

  it('keeps a file’s own name, without its path or control characters', () => {
    expect(keptFileName('C:\\Users\\me\\report.pdf')).to.equal('report.pdf');
    expect(keptFileName('../../etc/passwd')).to.equal('passwd');
    expect(keptFileName('a\u0000b\r\nc.txt')).to.equal('abc.txt');
    expect(keptFileName('..')).to.equal('evidence');
  });
});

describe('evidence: the store on disk', () => {
  let root: string;
  let storage: EvidenceStorage;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-evidence-unit-'));
    storage = new EvidenceStorage(root);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('names a file by its SHA-256, owner-only, and keeps the same bytes once', async () => {
    const pdf = Buffer.from('%PDF-1.4\nthe same bytes twice\n');
    const first = await storage.receive(Readable.from([pdf]), 1024);
    const second = await storage.receive(Readable.from([pdf.subarray(0, 5), pdf.subarray(5)]), 1024);
    expect(second).to.deep.equal(first);
    expect(first.sha256).to.match(/^[0-9a-f]{64}$/);
    const stored = storage.pathOf(first.sha256);
    expect(fs.readFileSync(stored)).to.deep.equal(pdf);
    expect(fs.statSync(stored).mode & 0o777).to.equal(0o600);
    expect(storage.leftovers()).to.deep.equal([]);
  });

  it('refuses a file over the limit as it arrives, and leaves nothing behind', async () => {
    const big = Readable.from([Buffer.from('%PDF-1.4\n'), Buffer.alloc(4096, 0x41), Buffer.alloc(4096, 0x41)]);
    const refused = await storage.receive(big, 4096).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).to.be.instanceOf(EvidenceRefused);
    expect((refused as EvidenceRefused).status).to.equal(413);
    expect(storage.leftovers()).to.deep.equal([]);
    expect(fs.readdirSync(root).filter((d) => d !== 'incoming')).to.deep.equal([]);
  });

  it('leaves nothing behind when the upload is cut short', async () => {
    const cut = new PassThrough();
    const received = storage.receive(cut, 1024 * 1024);
    cut.write(Buffer.from('%PDF-1.4\npart of a file'));
    cut.destroy(new Error('the connection was lost'));
    const failed = await received.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((failed as Error).message).to.equal('the connection was lost');
    expect(storage.leftovers()).to.deep.equal([]);
    expect(fs.readdirSync(root).filter((d) => d !== 'incoming')).to.deep.equal([]);
  });
});
