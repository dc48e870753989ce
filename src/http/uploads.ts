import type { RequestHandler } from 'express';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import multer from 'multer';
import { HttpError } from './errors.js';

/**
 * Parses a multipart form with one file, for the upload pages only, and only for a signed-in
 * user of a role that may upload there: others are refused before a byte is read into memory. The
 * CSRF check that follows reads the `_csrf` field of the parsed form as for any other form.
 */
/** Where large uploads are written as they arrive: a folder of this process's own, so nothing else shares it. */
export const UPLOAD_DIR = path.join(os.tmpdir(), `epa-uploads-${process.pid}`);

export function acceptUpload(
  field: string,
  maxBytes: number,
  roles: readonly string[],
  options: { toDisk?: boolean } = {},
): RequestHandler {
  // A large file (the national catalogue) goes to a temporary file as it arrives, never into memory
  // whole; it is removed when the response ends, whatever happened (a CSRF refusal included).
  const parse = multer({
    storage: options.toDisk
      ? multer.diskStorage({
          destination: (_req, _file, done) =>
            fs.mkdir(UPLOAD_DIR, { recursive: true, mode: 0o700 }, (error) => done(error, UPLOAD_DIR)),
        })
      : multer.memoryStorage(),
    limits: { fileSize: maxBytes, files: 1, fields: 5, fieldSize: 4096 },
  }).single(field);
  return (req, res, next) => {
    const user = res.locals.currentUser;
    if (!user) throw new HttpError(401, 'Sign in to continue');
    if (!roles.includes(user.role)) throw new HttpError(403, 'You do not have permission to do this');
    if (!req.is('multipart/form-data')) return next();
    if (options.toDisk)
      res.once('close', () => {
        if (req.file?.path) fs.rm(req.file.path, { force: true }, () => undefined);
      });
    parse(req, res, (error?: unknown) => next(error === undefined ? undefined : uploadError(error, maxBytes)));
  };
}

/**
 * Why an upload could not be read, in words a person can act on. Multer names the limit a form
 * broke; anything else is the multipart parser's (busboy) failure on a body that is not a whole
 * multipart form (no boundary, a broken part header, cut short): the sender's fault, never a 500.
 */
function uploadError(error: unknown, maxBytes: number): HttpError {
  if (error instanceof multer.MulterError) {
    switch (error.code) {
      case 'LIMIT_FILE_SIZE':
        return new HttpError(413, `The selected file must be smaller than ${Math.round(maxBytes / (1024 * 1024))} MB`);
      case 'LIMIT_FIELD_VALUE':
        return new HttpError(413, 'A field of the form is too large: go back, refresh the page and try again');
      case 'LIMIT_FILE_COUNT':
      case 'LIMIT_UNEXPECTED_FILE':
        return new HttpError(400, 'Select one file, in the form’s file field, and send the form again');
      default:
        return new HttpError(400, 'The form has more fields than it should: go back, refresh the page and try again');
    }
  }
  return new HttpError(
    400,
    'The upload could not be read: it was incomplete or malformed. Go back, select the file and try again',
  );
}

/** The first bytes of kinds of file people upload by mistake, and what to call them. */
const SIGNATURES: [number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x25, 0x50, 0x44, 0x46, 0x2d], 'a PDF'],
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP file, such as an Excel workbook'],
  [[0xd0, 0xcf, 0x11, 0xe0], 'an Office file, such as an Excel 97-2003 workbook'],
];

/**
 * What an uploaded file plainly is when it is not text (judged by its content, never by its
 * name or type, which browsers and people get wrong): an image, a PDF, a spreadsheet, a program
 * or other binary data. Undefined for text, UTF-16 text included (its reader says how to save it).
 */
export function binaryKindOf(data: Buffer): string | undefined {
  for (const [signature, kind] of SIGNATURES) if (signature.every((byte, i) => data[i] === byte)) return kind;
  const head = data.subarray(0, 4096);
  const utf16 = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
  if (utf16 || !head.includes(0)) return undefined;
  return head[0] === 0x4d && head[1] === 0x5a ? 'a Windows program' : 'not a text file';
}
