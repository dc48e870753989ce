/** Size limits of what the app accepts, in one place. */
export const LIMITS = {
  /** A URL-encoded form or a JSON API body. */
  bodyBytes: 1024 * 1024,
  bodyLabel: '1 MB',
  /**
   * An off-the-job hours log: 2,000 entries with the longest descriptions are about 1.1 MB. It is
   * read on the request thread, so a larger file is refused before it is read.
   */
  hoursFileBytes: 2 * 1024 * 1024,
  hoursFileLabel: '2 MB',
  /** An assessment plan file. */
  planFileBytes: 1024 * 1024,
  /** A CSV of apprentices (roughly 100,000 rows). */
  csvFileBytes: 20 * 1024 * 1024,
  csvFileLabel: '20 MB',
  /** The national catalogue's standards file (about 80 MB today), written to a temporary file as it arrives. */
  catalogueFileBytes: 250 * 1024 * 1024,
  /** A file in the evidence store (a recording of an assessment may be this large): streamed to disk, never held in memory. */
  evidenceFileBytes: 2 * 1024 * 1024 * 1024,
  evidenceFileLabel: '2 GB',
  /** Apprentices in one import (a CSV file or a JSON array): more are refused before any row is read. */
  importRows: 100_000,
  /** Imports running at once in worker threads, and imports waiting for a turn; one more is refused (503). */
  importsAtOnce: 2,
  importsWaiting: 4,
  /** How long an upload's body may stop arriving before it is refused (408) and its import stopped. */
  uploadIdleMs: 30_000,
} as const;
