import { DateTime } from 'luxon';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchAdmin, serveBenchApp, signInCookie } from './gateway.js';
import { SYSTEM_ACTOR } from '../src/audit/audit.js';
import { validUlns } from '../src/apprentices/uln.js';
import { addDays, daysBetween } from '../src/calendar.js';
import { openDatabase, type Db } from '../src/db/connection.js';
import { DEMO_EMPLOYERS, DEMO_PASSWORD } from '../src/demo/index.js';
import { loadCatalogue } from '../src/catalogue/load.js';
import { createApiToken } from '../src/users/store.js';
import { random } from '../src/scheduler/random.js';

const RESULTS = 100_000;
const ASSESSORS = 50;
const PROVIDERS = 200;
const GRADES = ['Distinction', 'Pass', 'Pass', 'Pass', 'Fail', 'Withdrawn'] as const;

/**
 * `count` graded results (100,000 unless told) across 50 assessors and 200 providers, written
 * with prepared statements in one transaction: apprentices, accepted gateways, two bookings and
 * two gradings each, and the attempt with its overall grade. Every `pendingEvery`-th grading, if
 * given, is sampled and waits for moderation. Ends with ANALYZE, as a live database would have had.
 */
export function fill(db: Db, count = RESULTS, pendingEvery = 0): void {
  const rand = random(7);
  const c = db.$client;
  const sv = (
    c.prepare("select id from standard_versions where reference = 'ST0815' and version = '1.0'").get() as { id: number }
  ).id;
  const providers = Array.from({ length: PROVIDERS }, (_, i) => String(20_000_000 + i));
  const insertProvider = c.prepare('insert into providers (ukprn, name) values (?, ?)');
  const insertEmployer = c.prepare('insert or ignore into employers (id, name) values (?, ?)');
  const insertUser = c.prepare(
    "insert into users (email, name, role, password_hash) values (?, ?, 'assessor', 'x') returning id",
  );
  const insertApprentice = c.prepare(
    "insert into apprentices (uln, given_names, family_name, date_of_birth, start_date, planned_end_date, standard_version_id, provider_ukprn, employer_id, weekly_hours) values (?, 'Bench', ?, '1995-01-01', '2023-01-01', '2024-07-01', ?, ?, ?, 37.5) returning id",
  );
  const insertSubmission = c.prepare(
    "insert into gateway_submissions (apprentice_id, attempt, status, submitted_on, evaluation, epa_period_start, epa_period_end) values (?, 1, 'accepted', ?, '{}', ?, ?) returning id",
  );
  const insertBooking = c.prepare(
    "insert into bookings (apprentice_id, submission_id, method_id, attempt, assessor_user_id, starts_at, ends_at, local_start, mode, status, created_at) values (?, ?, ?, 1, ?, ?, ?, ?, 'remote', 'completed', ?) returning id",
  );
  const insertAttempt = c.prepare(
    "insert into epa_attempts (apprentice_id, number, kind, started_on, first_booking_on, days_to_booking, combined_grade, overall_grade, result_on, result_month, days_to_result, released_at) values (?, 1, 'first', ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id",
  );
  const insertAttemptMethod = c.prepare(
    "insert into attempt_methods (attempt_id, method_id, mode) values (?, ?, 'first')",
  );
  const insertGrading = c.prepare(
    "insert into gradings (booking_id, attempt_id, method_id, assessor_user_id, status, outcome, grade, assessor_grade, submitted_at, moderation, sample_reason) values (?, ?, ?, ?, 'submitted', ?, ?, ?, ?, ?, ?)",
  );
  const ulns = validUlns(count, 800_000_000);
  c.transaction(() => {
    providers.forEach((ukprn, i) => insertProvider.run(ukprn, `Bench provider ${i}`));
    for (const e of DEMO_EMPLOYERS) insertEmployer.run(e.id, e.name);
    const assessors = Array.from(
      { length: ASSESSORS },
      (_, i) => (insertUser.get(`bench-assessor-${i}@example.org`, `Bench assessor ${i}`) as { id: number }).id,
    );
    for (let i = 0; i < count; i++) {
      const gateway = addDays('2024-01-01', Math.floor(rand() * 700));
      const apprentice = (
        insertApprentice.get(
          ulns[i],
          `Family${i % 997}`,
          sv,
          providers[i % PROVIDERS],
          DEMO_EMPLOYERS[i % DEMO_EMPLOYERS.length]!.id,
        ) as { id: number }
      ).id;
      const submission = (insertSubmission.get(apprentice, gateway, gateway, addDays(gateway, 92)) as { id: number })
        .id;
      const grade = GRADES[Math.floor(rand() * GRADES.length)]!;
      const resultOn = addDays(gateway, 30 + Math.floor(rand() * 60));
      const toBooking = 3 + Math.floor(rand() * 10);
      const bookedOn = addDays(gateway, toBooking);
      const attempt = (
        insertAttempt.get(
          apprentice,
          gateway,
          bookedOn,
          toBooking,
          grade,
          grade,
          resultOn,
          resultOn.slice(0, 7),
          daysBetween(gateway, resultOn),
          `${resultOn}T12:00:00.000Z`,
        ) as { id: number }
      ).id;
      for (const [m, method] of ['project', 'discussion'].entries()) {
        const day = addDays(gateway, 28 + m * 5);
        const assessor = assessors[(i + m * 7) % ASSESSORS]!;
        const booking = (
          insertBooking.get(
            apprentice,
            submission,
            method,
            assessor,
            `${day}T09:00:00.000Z`,
            `${day}T10:00:00.000Z`,
            `${day}T09:00`,
            `${bookedOn}T10:00:00.000Z`,
          ) as { id: number }
        ).id;
        insertAttemptMethod.run(attempt, method);
        const methodGrade = grade === 'Withdrawn' ? null : grade === 'Fail' && m === 1 ? 'Pass' : grade;
        const sampled = pendingEvery > 0 && (2 * i + m) % pendingEvery === 0;
        insertGrading.run(
          booking,
          attempt,
          method,
          assessor,
          grade === 'Withdrawn' && m === 0 ? 'withdrawn' : 'graded',
          methodGrade,
          methodGrade,
          `${resultOn}T12:00:00.000Z`,
          sampled ? 'pending' : 'not_sampled',
          sampled ? 'random' : null,
        );
      }
    }
  })();
  c.exec('analyze');
}

function stats(timings: number[]) {
  const sorted = [...timings].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, p90: sorted[Math.floor(sorted.length * 0.9)]! };
}

/** The outcomes dashboard page and GET /api/v1/reports/outcomes over HTTP, at 100,000 results. */
export async function runOutcomesBench(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-bench-outcomes-'));
  const db = openDatabase(path.join(dir, 'outcomes.sqlite'));
  try {
    loadCatalogue(db);
    const started = performance.now();
    fill(db);
    console.log(
      `Outcomes (${RESULTS} graded results, ${ASSESSORS} assessors, ${PROVIDERS} providers; generated in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    const email = 'bench-admin@example.org';
    const admin = await benchAdmin(db, email);
    const { token } = createApiToken(db, admin.id, SYSTEM_ACTOR, DateTime.utc(), 90);

    const { base, server } = await serveBenchApp(db);
    try {
      const cookie = await signInCookie(base, email, DEMO_PASSWORD);
      const measure = async (url: string, headers: Record<string, string>, check: (body: string) => boolean) => {
        const timings: number[] = [];
        for (let i = 0; i < 21; i++) {
          const t = performance.now();
          const res = await fetch(`${base}${url}`, { headers });
          const body = await res.text();
          timings.push(performance.now() - t);
          if (res.status !== 200 || !check(body)) throw new Error(`${url} answered ${res.status}`);
        }
        return stats(timings);
      };
      const page = await measure('/reports', { cookie }, (html) => html.includes('Results by grade'));
      const filtered = await measure(
        '/reports?standard=ST0815%2F1.0&from=2024-06-01&to=2024-12-31&provider=20000007',
        { cookie },
        (html) => html.includes('Results by grade'),
      );
      const api = await measure(
        '/api/v1/reports/outcomes',
        { authorization: `Bearer ${token}` },
        (body) => (JSON.parse(body) as { figures: { results: number } }).figures.results === RESULTS,
      );
      console.log(
        `  Dashboard page, all results: median ${page.median.toFixed(1)} ms, p90 ${page.p90.toFixed(1)} ms (target median under 200 ms)`,
      );
      console.log(
        `  Dashboard page, filtered by standard, dates and provider: median ${filtered.median.toFixed(1)} ms, p90 ${filtered.p90.toFixed(1)} ms`,
      );
      console.log(
        `  GET /api/v1/reports/outcomes: median ${api.median.toFixed(1)} ms, p90 ${api.p90.toFixed(1)} ms (target median under 200 ms)`,
      );
    } finally {
      server.close();
    }
  } finally {
    db.$client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
