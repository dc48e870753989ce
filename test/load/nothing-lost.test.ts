import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  checkNothingLost,
  plannedSubmissions,
  runGradingLoad,
  signInAssessors,
  type NothingLostReport,
} from '../../bench/grading-load.js';
import { createLoadDatabase } from '../../bench/load-setup.js';
import { startServer, type ServerProcess } from '../../bench/load-process.js';

/*
 * The load bench's lost-write check (bench/grading-load.ts) at a small scale, for correctness
 * only: nothing here depends on how fast anything is. The real app runs in its own process
 * over a temporary database file (WAL); 10 assessors, signed in through the sign-in form,
 * submit 200 gradings through the grading form, 50 at a time, and 20 of the bookings are sent
 * twice at once. Then the database is read back and compared with every answer.
 */

const BOOKINGS = 200;
const DUPLICATE_EVERY = 10;

describe('Load: nothing lost under concurrent grading submissions', function () {
  // Starting the server process and the sign-ins (each a deliberately slow password hash) take a few seconds.
  this.timeout(60_000);

  let dir: string;
  let server: ServerProcess | undefined;
  let report: NothingLostReport;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-load-test-'));
    // 20 apprentices of the provider (10 accepted) and 90 accepted elsewhere: 2 bookings each, 200 in all.
    const fixture = await createLoadDatabase(path.join(dir, 'load.sqlite'), {
      providerApprentices: 20,
      otherAccepted: 90,
      assessors: 10,
      results: 0,
    });
    expect(fixture.bookings).to.have.length(BOOKINGS);
    server = await startServer('app', fixture.file);
    const sessions = await signInAssessors(server.base, fixture, fixture.bookings);
    // No warm-up and no time limit: every submission is sent, and the run ends when all are answered.
    const run = await runGradingLoad(
      server.base,
      sessions,
      plannedSubmissions(fixture.plan, fixture.bookings, DUPLICATE_EVERY),
      { connections: 50, warmupSeconds: 0, maxWarmupSeconds: 0, seconds: 600 },
    );
    const { errors } = await server.stop();
    server = undefined;
    report = checkNothingLost(fixture.file, run.outcomes, errors);
  });

  after(async () => {
    if (server) await server.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends every booking once and every tenth twice, and every request is answered', () => {
    expect(report.sent).to.equal(BOOKINGS + BOOKINGS / DUPLICATE_EVERY);
    expect(report.bookings).to.equal(BOOKINGS);
    expect(report.duplicatePairs).to.equal(BOOKINGS / DUPLICATE_EVERY);
    expect(report.otherAnswers, 'answers other than 303 accepted or 409 already submitted').to.deep.equal({});
    expect(report.serverErrors).to.equal(0);
  });

  it('accepts each booking exactly once and stores exactly the accepted gradings', () => {
    expect(report.accepted).to.equal(BOOKINGS);
    expect(report.submittedInDatabase).to.equal(report.accepted);
    expect(report.lost, 'accepted but not stored').to.deep.equal([]);
    expect(report.unacknowledged, 'stored without being accepted').to.deep.equal([]);
  });

  it('stores each accepted grading whole: its decisions and notes as sent, its grade, its booking completed, one audit entry, one attempt', () => {
    expect(report.notWhole).to.deep.equal([]);
  });

  it('duplicates nothing', () => {
    expect(report.duplicated).to.deep.equal([]);
  });

  it('refuses the second of each double submission with 409, saying it was already submitted', () => {
    expect(report.refusedAsAlreadySubmitted).to.equal(BOOKINGS / DUPLICATE_EVERY);
    expect(report.pairsOneAcceptedOneRefused).to.equal(report.duplicatePairs);
  });
});
