import { Router, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { pageFor, userOf } from '../auth/authorize.js';
import { AREA_ROLES } from '../auth/roles.js';
import type { Clock } from '../clock.js';
import { dateLabel, isoInstant, londonTime } from '../dates.js';
import { QUALIFICATION_TYPE_LABELS } from '../gateway/model.js';
import type { CurrentUser } from '../users/store.js';
import type { Result } from '../validation/result.js';
import type { Db } from '../db/connection.js';
import { HttpError } from '../http/errors.js';
import { formErrors } from '../http/forms.js';
import { LIMITS } from '../http/limits.js';
import { refusalError, valueOrThrow } from '../http/results.js';
import { paths, routes } from '../paths.js';
import { TAKEN_KINDS, classOf, megabytesInWords, type FileClass } from './rules.js';
import { epaoSettingsOf } from '../grading/store.js';
import {
  attachEvidenceFile,
  evidenceFileFor,
  evidenceRecord,
  filesOf,
  gatewayItemOf,
  qualificationOf,
  unreferenced,
  type EvidenceRecord,
} from './service.js';
import type { EvidenceRecordType } from './store.js';
import type { ApprenticeDetail } from '../apprentices/store.js';
import { EvidenceRefused, type EvidenceStorage, type StoredFile } from './storage.js';

/** What the upload leaves on the request: the file received, or why it was refused. */
type Received = { stored: StoredFile; originalName: string } | { refused: string; status: 413 | 422 };
type WithEvidence = Request & { evidence?: Received };

/**
 * Reads an evidence upload as a stream into the store, only for someone who may add to the record
 * of `recordType` in the URL (checked before a byte is read). A file the store refuses reaches the
 * page as a refusal, to show with the form; one received but not attached (a CSRF refusal, a
 * failed write) is removed from disk when the response ends.
 */
export function acceptEvidence(
  db: Db,
  storage: EvidenceStorage,
  recordType: EvidenceRecordType,
  clock: Clock,
): RequestHandler {
  const engine: multer.StorageEngine = {
    _handleFile(req, file, done) {
      // The EPAO's limit for the file's kind, read when the upload starts (the store's 2 GB is the ceiling).
      const limits = sizeLimits(epaoSettingsOf(db));
      storage
        .receive(file.stream, (mediaType) => limits[classOf(mediaType)])
        .then(
          (stored) => {
            (req as WithEvidence).evidence = { stored, originalName: file.originalname };
            done(null, { size: stored.size });
          },
          (error: unknown) => {
            if (!(error instanceof EvidenceRefused)) return done(error);
            (req as WithEvidence).evidence = { refused: error.message, status: error.status };
            done(null, {});
          },
        );
    },
    _removeFile(_req, _file, done) {
      done(null);
    },
  };
  const parse = multer({
    storage: engine,
    // Browsers send a file's name as UTF-8 bytes without saying so.
    defParamCharset: 'utf8',
    limits: { fileSize: LIMITS.evidenceFileBytes, files: 1, fields: 5, fieldSize: 4096 },
  }).single('evidenceFile');
  return (req, res, next) => {
    const user = res.locals.currentUser;
    if (!user) throw new HttpError(401, 'Sign in to continue');
    // A booking's assessor adds its evidence (a recording) too, and a case's documents come from those who see it; every other record is the provider's and administrators'.
    const uploaders: readonly string[] =
      recordType === 'booking'
        ? [...AREA_ROLES.apprenticeEditors, 'assessor']
        : recordType === 'case'
          ? AREA_ROLES.cases
          : AREA_ROLES.apprenticeEditors;
    if (!uploaders.includes(user.role)) throw new HttpError(403, 'You do not have permission to do this');
    const target = evidenceRecord(db, user, recordType, req.params, 'edit', isoInstant(clock.now()));
    if (!target.ok) throw refusalError(target);
    if (!req.is('multipart/form-data')) return next();
    res.once('close', () => {
      const received = (req as WithEvidence).evidence;
      if (received && 'stored' in received && unreferenced(db, received.stored.sha256))
        void storage.remove(received.stored.sha256);
    });
    parse(req, res, (error?: unknown) => {
      if (error instanceof multer.MulterError && error.code === 'LIMIT_FILE_SIZE')
        return next(new HttpError(413, `The selected file must be smaller than ${LIMITS.evidenceFileLabel}`));
      if (error instanceof multer.MulterError)
        return next(new HttpError(400, 'Select one file, in the form’s file field, and send the form again'));
      if (error)
        return next(
          new HttpError(
            400,
            'The upload could not be read: it was incomplete or malformed. Go back, select the file and try again',
          ),
        );
      next();
    });
  };
}

const sizeWords = (bytes: number) =>
  bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 2 ** 20).toFixed(1)} MB`;

/**
 * Answers an upload to a record of `recordType` (read by acceptEvidence): the record's page again
 * with the refusal (`render`, with the form's errors and a status), or the file attached and the
 * user sent back to the record's files (`back`).
 */
export function attachUpload(
  db: Db,
  clock: Clock,
  recordType: EvidenceRecordType,
  render: (res: Response, params: unknown, locals: object, status: number) => void,
  back: (record: EvidenceRecord) => string,
): RequestHandler {
  return (req, res) => {
    const received = receivedEvidence(req);
    if (!received)
      return render(res, req.params, formErrors([{ path: 'evidenceFile', message: 'Select a file to upload' }]), 400);
    if ('refused' in received)
      return render(
        res,
        req.params,
        formErrors([{ path: 'evidenceFile', message: received.refused }]),
        received.status,
      );
    const done = attachReceived(db, clock, recordType, req.params, res, received);
    if (!done.ok) throw refusalError(done);
    res.redirect(`${back(done.value)}?uploaded=1#files`);
  };
}

/** Attaches a file the upload received to the record the URL names, for the signed-in user (pages and API alike). */
export function attachReceived(
  db: Db,
  clock: Clock,
  recordType: EvidenceRecordType,
  params: unknown,
  res: Response,
  received: { stored: StoredFile; originalName: string },
) {
  return attachEvidenceFile(
    db,
    userOf(res),
    recordType,
    params,
    { ...received.stored, originalName: received.originalName },
    isoInstant(clock.now()),
  );
}

/** The EPAO's size limit for each kind of file, in bytes (at most the store's ceiling). */
export function sizeLimits(settings: {
  evidenceDocumentMb: number;
  evidenceImageMb: number;
  evidenceRecordingMb: number;
}) {
  const bytes = (mb: number) => Math.min(LIMITS.evidenceFileBytes, mb * 2 ** 20);
  return {
    document: bytes(settings.evidenceDocumentMb),
    image: bytes(settings.evidenceImageMb),
    recording: bytes(settings.evidenceRecordingMb),
  } satisfies Record<FileClass, number>;
}

/** The limits in words, for a form's hint: "documents up to 100 MB, images up to 50 MB, recordings up to 2 GB". */
export function limitWords(db: Db): string {
  const settings = epaoSettingsOf(db);
  return [
    ['documents', settings.evidenceDocumentMb],
    ['images', settings.evidenceImageMb],
    ['recordings', settings.evidenceRecordingMb],
  ]
    .map(([what, mb]) => `${what} up to ${megabytesInWords(mb as number)}`)
    .join(', ');
}

/**
 * What the evidence-files partial shows of a record: its files, each with its download link, and,
 * for someone who may add to it (`uploadAction`), the upload form with what it takes.
 */
export function filesForPage(db: Db, record: Parameters<typeof filesOf>[1], uploadAction: string | null, hint = '') {
  return {
    files: filesOf(db, record).map((f) => ({
      ...f,
      size: sizeWords(f.size),
      uploadedAt: londonTime(f.uploadedAt),
      href: paths.evidenceFile(String(f.id)),
    })),
    uploadAction,
    hint,
    taken: TAKEN_KINDS,
    maxSize: limitWords(db),
  };
}

/**
 * Sends a stored file as a download (for the pages and the API alike): an attachment under its own
 * name, safely encoded, with the type judged when it arrived, `nosniff`, and a Content-Security-Policy
 * that runs nothing should a browser show it anyway. Streamed from disk, never read into memory.
 */
export function sendEvidenceFile(
  storage: EvidenceStorage,
  file: { sha256: string; fileName: string; mediaType: string; size: number },
  res: Response,
  next: (error?: unknown) => void,
): void {
  const stream = storage.open(file.sha256);
  stream.once('error', (error) =>
    res.headersSent ? res.destroy(error) : next(new HttpError(404, 'The file is missing from the evidence store')),
  );
  stream.once('open', () => {
    res.attachment(file.fileName);
    res.set({
      'Content-Type': file.mediaType,
      'Content-Length': String(file.size),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    });
    stream.pipe(res);
  });
}

/** What the upload left on the request (read by acceptEvidence): the file received, a refusal, or nothing. */
export const receivedEvidence = (req: Request): Received | undefined => (req as WithEvidence).evidence;

/** The evidence store's pages: a gateway item's upload, and every file's download. */
export function evidencePages(db: Db, storage: EvidenceStorage, clock: Clock): Router {
  const router = Router();
  const editors = pageFor(...AREA_ROLES.apprenticeEditors);
  // Assessors and quality assurers too: they see their assessments' evidence, and quality assurers sit on appeal panels (evidenceFileFor keeps each file to those who see its record).
  const downloaders = pageFor(...AREA_ROLES.apprentices, 'assessor', 'quality_assurer');

  router.post(
    routes.gatewayItemFiles,
    editors,
    attachUpload(
      db,
      clock,
      'gateway_item',
      (res, params, locals, status) =>
        renderGatewayItem(res, db, valueOrThrow(gatewayItemOf(db, userOf(res), params, 'edit')), locals, status),
      (record) => paths.gatewayItem(record.apprentice!.uln, record.recordKey),
    ),
  );

  router.post(
    routes.qualificationFiles,
    editors,
    attachUpload(
      db,
      clock,
      'qualification',
      (res, params, locals, status) =>
        renderQualification(
          res,
          db,
          userOf(res),
          valueOrThrow(qualificationOf(db, userOf(res), params, 'edit')),
          locals,
          status,
        ),
      (record) => paths.qualification(record.apprentice!.uln, record.recordKey),
    ),
  );

  router.get(routes.evidenceFile, downloaders, (req, res, next) =>
    sendEvidenceFile(storage, valueOrThrow(evidenceFileFor(db, userOf(res), req.params.id)), res, next),
  );

  return router;
}

/**
 * A gateway item's page: where it is (its form is in apprentices/evidence-pages), its files and
 * the upload form, with `locals` (values, errors, a flash) over the defaults.
 */
export function renderGatewayItem(
  res: Response,
  db: Db,
  { apprentice: a, item }: { apprentice: ApprenticeDetail; item: { id: string; name: string } },
  locals: object = {},
  status = 200,
): void {
  res.status(status).render('apprentices/gateway-item', {
    title: item.name,
    a,
    item,
    values: {},
    evidence: filesForPage(
      db,
      { apprentice: a, recordType: 'gateway_item', recordKey: item.id },
      paths.gatewayItemFiles(a.uln, item.id),
      'The assessment organisation sees it with the apprentice’s record. Uploading records the item as in place.',
    ),
    backLink: paths.apprentice(a.uln),
    ...locals,
  });
}

/**
 * An English or maths qualification's page: what it is, and its certificate's files, with the
 * upload form for someone who may add to the apprentice's record.
 */
export function renderQualification(
  res: Response,
  db: Db,
  user: CurrentUser,
  { apprentice: a, qualification: q }: ReturnType<typeof qualificationOf> extends Result<infer T> ? T : never,
  locals: object = {},
  status = 200,
): void {
  const subject = q.subject === 'english' ? 'English' : 'Maths';
  const editable = qualificationOf(db, user, { uln: a.uln, id: String(q.id) }, 'edit').ok;
  res.status(status).render('apprentices/qualification-files', {
    title: `${subject}: ${QUALIFICATION_TYPE_LABELS[q.type]}`,
    a,
    q: { ...q, subject, typeLabel: QUALIFICATION_TYPE_LABELS[q.type], achievedOn: dateLabel(q.achievedOn) },
    evidence: filesForPage(
      db,
      { apprentice: a, recordType: 'qualification', recordKey: String(q.id) },
      editable ? paths.qualificationFiles(a.uln, String(q.id)) : null,
      'A scan or photograph of the certificate, or the awarding body’s confirmation of the result.',
    ),
    backLink: `${paths.apprentice(a.uln)}#evidence`,
    ...locals,
  });
}
