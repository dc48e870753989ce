/*
 * What the evidence store takes, judged by a file's content, never by its name or the type the
 * browser claims (both are whatever the sender says): documents, images, audio and video that an
 * assessment uses, and plain text. Programs, scripts, web pages and archives are refused, since a
 * download could run them.
 */

export type Judgement = { ok: true; mediaType: string; kind: string } | { ok: false; reason: string };

const starts = (head: Buffer, bytes: number[], at = 0) => bytes.every((b, i) => head[at + i] === b);
const ascii = (head: Buffer, from: number, to: number) => head.subarray(from, to).toString('latin1');

/** Signatures of what is taken: the first bytes, and what the file is. */
const TAKEN: { test: (head: Buffer) => boolean; mediaType: string; kind: string }[] = [
  { test: (h) => ascii(h, 0, 5) === '%PDF-', mediaType: 'application/pdf', kind: 'a PDF' },
  {
    test: (h) => starts(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    mediaType: 'image/png',
    kind: 'a PNG image',
  },
  { test: (h) => starts(h, [0xff, 0xd8, 0xff]), mediaType: 'image/jpeg', kind: 'a JPEG image' },
  {
    test: (h) => ascii(h, 0, 6) === 'GIF87a' || ascii(h, 0, 6) === 'GIF89a',
    mediaType: 'image/gif',
    kind: 'a GIF image',
  },
  { test: (h) => ascii(h, 4, 8) === 'ftyp', mediaType: 'video/mp4', kind: 'an MP4 or QuickTime recording' },
  { test: (h) => starts(h, [0x1a, 0x45, 0xdf, 0xa3]), mediaType: 'video/webm', kind: 'a WebM recording' },
  {
    test: (h) => ascii(h, 0, 4) === 'RIFF' && ascii(h, 8, 12) === 'WAVE',
    mediaType: 'audio/wav',
    kind: 'a WAV recording',
  },
  {
    test: (h) => ascii(h, 0, 3) === 'ID3' || (h[0] === 0xff && [0xfb, 0xf3, 0xf2].includes(h[1] ?? 0)),
    mediaType: 'audio/mpeg',
    kind: 'an MP3 recording',
  },
];

/** Office documents are ZIP archives that name their parts: Word, Excel and PowerPoint are taken, any other archive is not. */
const OFFICE: { part: string; mediaType: string; kind: string }[] = [
  {
    part: 'word/',
    mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    kind: 'a Word document',
  },
  {
    part: 'xl/',
    mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    kind: 'an Excel workbook',
  },
  {
    part: 'ppt/',
    mediaType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    kind: 'a PowerPoint presentation',
  },
];

/** Signatures of what is refused, and what to call it. */
const REFUSED: [(head: Buffer) => boolean, string][] = [
  [(h) => ascii(h, 0, 2) === 'MZ', 'a Windows program'],
  [(h) => starts(h, [0x7f, 0x45, 0x4c, 0x46]), 'a Linux program'],
  [
    (h) =>
      [
        [0xfe, 0xed, 0xfa, 0xce],
        [0xfe, 0xed, 0xfa, 0xcf],
        [0xce, 0xfa, 0xed, 0xfe],
        [0xcf, 0xfa, 0xed, 0xfe],
        [0xca, 0xfe, 0xba, 0xbe],
      ].some((s) => starts(h, s)),
    'a macOS program',
  ],
  [(h) => ascii(h, 0, 2) === '#!', 'a script'],
];

/** Markup that a browser or a shell would run, in a file that is otherwise text. */
const ACTIVE_TEXT =
  /<\s*(script|html|svg|iframe|object|embed)\b|<\?php|<%|^\s*(@echo|function\s|sub\s|import\s|#include)/im;

export const TAKEN_KINDS =
  'PDF, Word, Excel or PowerPoint documents, PNG, JPEG or GIF images, MP3, WAV, MP4 or WebM recordings, or plain text';

/** What a file is, judged by its first bytes (at least its first 4 KB, or all of a shorter file). */
export function judgeEvidence(head: Buffer): Judgement {
  if (head.length === 0) return { ok: false, reason: 'The selected file is empty' };
  for (const [test, kind] of REFUSED)
    if (test(head))
      return { ok: false, reason: `The selected file is ${kind}, which the evidence store does not take` };
  for (const taken of TAKEN) if (taken.test(head)) return { ok: true, mediaType: taken.mediaType, kind: taken.kind };
  if (starts(head, [0x50, 0x4b, 0x03, 0x04])) {
    const names = ascii(head, 0, head.length);
    const office = OFFICE.find((o) => names.includes(o.part));
    return office
      ? { ok: true, mediaType: office.mediaType, kind: office.kind }
      : { ok: false, reason: 'The selected file is a ZIP archive: upload the files in it one at a time' };
  }
  const text = utf8Text(head);
  if (text !== undefined && !head.includes(0)) {
    if (ACTIVE_TEXT.test(text))
      return {
        ok: false,
        reason: 'The selected file is a web page or a script, which the evidence store does not take',
      };
    return { ok: true, mediaType: 'text/plain; charset=utf-8', kind: 'a text file' };
  }
  return { ok: false, reason: `The selected file is not a kind the evidence store takes: upload ${TAKEN_KINDS}` };
}

/** The bytes as UTF-8 text, or undefined when they are not (a character cut off at the end of the head is fine). */
function utf8Text(head: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    return undefined;
  }
}

/** A file name to keep and offer for download: its last path part, one line, at most 200 characters. */
export function keptFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = [...base]
    .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f)
    .join('')
    .trim()
    .slice(0, 200);
  return clean === '' || clean === '.' || clean === '..' ? 'evidence' : clean;
}

/** Every media type a stored file is sent with (without parameters): what a download may be. */
export const STORED_MEDIA_TYPES: readonly string[] = [
  ...TAKEN.map((t) => t.mediaType),
  ...OFFICE.map((o) => o.mediaType),
  'text/plain',
];

/** The kinds of file the EPAO sets a size limit for (its settings): documents (and text), images, recordings. */
export const FILE_CLASSES = ['document', 'image', 'recording'] as const;
export type FileClass = (typeof FILE_CLASSES)[number];
export const FILE_CLASS_LABELS: Record<FileClass, string> = {
  document: 'documents',
  image: 'images',
  recording: 'recordings',
};

/** Which of the EPAO's size limits a file of this type comes under. */
export function classOf(mediaType: string): FileClass {
  if (mediaType.startsWith('image/')) return 'image';
  if (mediaType.startsWith('audio/') || mediaType.startsWith('video/')) return 'recording';
  return 'document';
}

/** A size in words, as limits are set: whole megabytes, or gigabytes from 1,024 MB. */
export const megabytesInWords = (mb: number) => (mb >= 1024 && mb % 1024 === 0 ? `${mb / 1024} GB` : `${mb} MB`);
