import { DateTime } from 'luxon';
import { systemClock } from '../src/clock.js';
import { validUlns } from '../src/apprentices/uln.js';
import { DEFAULT_HASH_COST, hashPassword } from '../src/auth/passwords.js';
import { addMonths } from '../src/calendar.js';
import { openDatabase } from '../src/db/connection.js';
import { DEMO_EMPLOYERS, DEMO_PASSWORD, DEMO_PROVIDERS } from '../src/demo/index.js';
import { loadCatalogue } from '../src/catalogue/load.js';
import { employers, providers } from '../src/db/schema.js';
import { isoInstant, todayInLondon, ZONE } from '../src/dates.js';
import type { PlanFile } from '../src/plans/schema.js';
import { getPlanForStandard } from '../src/plans/store.js';
import { fill } from './outcomes.js';

/*
 * The load bench's database (and the lost-write test's, at a smaller size): a real file in WAL
 * mode with the catalogue, the demo providers and employers, one training provider's
 * apprentices at every gateway stage with their evidence, and many assessors with confirmed
 * bookings that have already taken place, ready to grade. Written with prepared statements in
 * one transaction, as bench/outcomes.ts does, because the stores would take minutes.
 */

export interface LoadSize {
  /** Apprentices of the dashboard's provider (UKPRN 10061234), at every stage; half accepted, with two bookings each. */
  providerApprentices: number;
  /** Further accepted apprentices at the other demo providers, two bookings each, for the write load. */
  otherAccepted: number;
  assessors: number;
  /** Apprentices with a released result, across 200 other providers (bench/outcomes.ts): the outcomes dashboard's data. */
  results: number;
}

/** What the lost-write test loads: a provider of 1,500 apprentices, and 7,500 bookings to grade across 60 assessors. */
export const BENCH_SIZE: LoadSize = { providerApprentices: 1500, otherAccepted: 3000, assessors: 60, results: 0 };

/** `npm run bench` measures at both: 13,000 apprentices with 10,000 results, and ten times that. */
export const LOAD_SIZES: { small: LoadSize; large: LoadSize } = {
  small: { providerApprentices: 1_000, otherAccepted: 2_000, assessors: 60, results: 10_000 },
  large: { providerApprentices: 10_000, otherAccepted: 2_000, assessors: 60, results: 100_000 },
};

/** Everyone the load signs in as, besides the assessors: one of each role. */
export const LOAD_USERS = {
  admin: 'admin@load-bench.example',
  qualityAssurer: 'qa@load-bench.example',
  provider: 'provider@load-bench.example',
  employer: 'employer@load-bench.example',
} as const;

export interface GradableBooking {
  id: number;
  apprenticeId: number;
  methodId: 'project' | 'discussion';
  assessorUserId: number;
}

export interface LoadFixture {
  file: string;
  password: string;
  provider: { email: string; ukprn: string; apprentices: number };
  assessors: { id: number; email: string }[];
  /** Confirmed bookings that have taken place, both methods of an apprentice one after the other. */
  bookings: GradableBooking[];
  /** The gateway stage each of the provider's apprentices was set up in. */
  stages: Record<Stage, number>;
  /** The plan of ST0815 v1.0 as stored: its criteria are what the assessors decide. */
  plan: PlanFile;
  /** ULNs of the provider's accepted apprentices (up to 50): the apprentice pages the load opens. */
  acceptedUlns: string[];
  /** The employer user's organisation. */
  employerId: string;
  /** Every apprentice in the database. */
  apprentices: number;
}

type Stage = 'not_ready' | 'ready' | 'submitted' | 'rejected' | 'accepted';

/** One in twenty of each kind: four ways of not being ready, ready, awaiting a decision, rejected, accepted. */
function kindOf(i: number): { stage: Stage; missing?: 'maths' | 'declaration' | 'item' | 'time' } {
  const k = i % 20;
  if (k < 4) return { stage: 'not_ready', missing: (['maths', 'declaration', 'item', 'time'] as const)[k] };
  if (k < 7) return { stage: 'ready' };
  if (k < 9) return { stage: 'submitted' };
  if (k < 10) return { stage: 'rejected' };
  return { stage: 'accepted' };
}

const FAMILY_NAMES = [
  'Abbott',
  'Begum',
  'Campbell',
  'Davies',
  'Evans',
  'Fletcher',
  'Gill',
  'Hughes',
  'Iqbal',
  'Jones',
  'Khan',
  'Lewis',
  'Morgan',
  'Nowak',
  'O’Brien',
  'Patel',
  'Quinn',
  'Roberts',
  'Singh',
  'Thomas',
  'Usman',
  'Walker',
  'Young',
];
const GIVEN_NAMES = [
  'Aisha',
  'Ben',
  'Chloe',
  'Dylan',
  'Emma',
  'Faisal',
  'Grace',
  'Harry',
  'Isla',
  'Jack',
  'Kiran',
  'Leah',
  'Mo',
  'Nia',
  'Owen',
  'Priya',
  'Rhys',
  'Sara',
  'Tom',
  'Zofia',
];
const SLOTS = ['09:00', '11:00', '13:30', '15:30'];

/**
 * Creates the database at `file` (which must not exist yet) and returns what the load needs to know
 * about it. The server it is measured with runs in its own process on the machine's clock, so the
 * data is dated by that clock too.
 */
export async function createLoadDatabase(file: string, size: LoadSize): Promise<LoadFixture> {
  const now = () => systemClock.now();
  const db = openDatabase(file);
  loadCatalogue(db);
  db.insert(providers).values(DEMO_PROVIDERS).run();
  db.insert(employers).values(DEMO_EMPLOYERS).run();
  const passwordHash = await hashPassword(DEMO_PASSWORD, DEFAULT_HASH_COST);
  const c = db.$client;
  const sv = (
    c.prepare("select id from standard_versions where reference = 'ST0815' and version = '1.0'").get() as { id: number }
  ).id;
  const today = todayInLondon(now());
  const day = (daysAgo: number) => DateTime.fromISO(today, { zone: ZONE }).minus({ days: daysAgo }).toISODate()!;

  const insertUser = c.prepare(
    'insert into users (email, name, role, provider_ukprn, password_hash) values (?, ?, ?, ?, ?) returning id',
  );
  const insertProfile = c.prepare('insert into assessor_profiles (user_id, per_day, per_week) values (?, 4, 16)');
  const insertCompetence = c.prepare('insert into assessor_standards (user_id, standard_version_id) values (?, ?)');
  const insertHours = c.prepare(
    "insert into assessor_working_hours (user_id, weekday, start, end) values (?, ?, '08:00', '18:00')",
  );
  const insertApprentice = c.prepare(
    "insert into apprentices (uln, given_names, family_name, date_of_birth, start_date, planned_end_date, standard_version_id, provider_ukprn, employer_id, weekly_hours, english_maths_choice) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'employer_requires') returning id",
  );
  const insertQualification = c.prepare(
    "insert into qualifications (apprentice_id, subject, type, level, grade, achieved_on, certificate_reference) values (?, ?, 'gcse', 2, ?, '2016-08-18', 'LOAD-BENCH')",
  );
  const insertOffTheJob = c.prepare(
    "insert into off_the_job_hours (apprentice_id, date, hours, activity) values (?, ?, ?, 'Representing a member at a grievance hearing')",
  );
  const insertItem = c.prepare(
    'insert into gateway_items_provided (apprentice_id, item_id, reference) values (?, ?, ?)',
  );
  const insertDeclaration = c.prepare(
    'insert into gateway_declarations (apprentice_id, employer_confirmed_at, provider_confirmed_at, apprentice_confirmed_at) values (?, ?, ?, ?)',
  );
  const insertSubmission = c.prepare(
    "insert into gateway_submissions (apprentice_id, attempt, status, submitted_on, evaluation, decided_at, decision_reason, epa_period_start, epa_period_end) values (?, 1, ?, ?, '{}', ?, ?, ?, ?) returning id",
  );
  const insertBooking = c.prepare(
    "insert into bookings (apprentice_id, submission_id, method_id, attempt, assessor_user_id, starts_at, ends_at, local_start, mode, link, status, created_at, updated_at) values (?, ?, ?, 1, ?, ?, ?, ?, 'remote', 'https://meet.example/epa', 'confirmed', ?, ?) returning id",
  );

  const stages: Record<Stage, number> = { not_ready: 0, ready: 0, submitted: 0, rejected: 0, accepted: 0 };
  const assessors: { id: number; email: string }[] = [];
  const bookings: GradableBooking[] = [];
  const providerEmail = LOAD_USERS.provider;
  const acceptedUlns: string[] = [];
  const total = size.providerApprentices + size.otherAccepted;
  const ulns = validUlns(total, 700_000_000);

  c.transaction(() => {
    insertUser.run(providerEmail, 'Load bench provider', 'provider', DEMO_PROVIDERS[0]!.ukprn, passwordHash);
    insertUser.run(LOAD_USERS.admin, 'Load bench administrator', 'admin', null, passwordHash);
    insertUser.run(LOAD_USERS.qualityAssurer, 'Load bench quality assurer', 'quality_assurer', null, passwordHash);
    c.prepare(
      "insert into users (email, name, role, employer_id, password_hash) values (?, 'Load bench employer', 'employer', ?, ?)",
    ).run(LOAD_USERS.employer, DEMO_EMPLOYERS[0]!.id, passwordHash);
    for (let n = 0; n < size.assessors; n++) {
      const email = `assessor-${n}@load-bench.example`;
      const { id } = insertUser.get(
        email,
        `${GIVEN_NAMES[n % GIVEN_NAMES.length]} ${FAMILY_NAMES[(n * 7) % FAMILY_NAMES.length]}`,
        'assessor',
        null,
        passwordHash,
      ) as { id: number };
      insertProfile.run(id);
      insertCompetence.run(id, sv);
      for (let weekday = 1; weekday <= 5; weekday++) insertHours.run(id, weekday);
      assessors.push({ id, email });
    }

    for (let i = 0; i < total; i++) {
      const own = i < size.providerApprentices;
      const kind = own ? kindOf(i) : { stage: 'accepted' as const };
      if (own) stages[kind.stage]++;
      const start = DateTime.fromISO(today).minus({ months: kind.missing === 'time' ? 5 : 19, days: i % 60 });
      const startDate = start.toISODate()!;
      const { id } = insertApprentice.get(
        ulns[i],
        GIVEN_NAMES[i % GIVEN_NAMES.length],
        `${FAMILY_NAMES[(i * 7) % FAMILY_NAMES.length]}${i >= FAMILY_NAMES.length ? `-${Math.floor(i / FAMILY_NAMES.length)}` : ''}`,
        start.minus({ years: 24, days: 40 }).toISODate(),
        startDate,
        start.plus({ months: 18 }).toISODate(),
        sv,
        own ? DEMO_PROVIDERS[0]!.ukprn : DEMO_PROVIDERS[1 + (i % 2)]!.ukprn,
        DEMO_EMPLOYERS[i % DEMO_EMPLOYERS.length]!.id,
        i % 5 === 0 ? 30 : 37.5,
      ) as { id: number };

      // Evidence: GCSEs, seven hours a week off the job until two weeks ago (the other providers' apprentices
      // record theirs monthly: nobody reads their dashboard here), the plan's items, the declaration.
      insertQualification.run(id, 'english', '5');
      if (kind.missing !== 'maths') insertQualification.run(id, 'maths', '4');
      const step = own ? { weeks: 1 } : { months: 1 };
      for (let d = start.plus({ days: 3 }); d <= DateTime.fromISO(today).minus({ days: 14 }); d = d.plus(step))
        insertOffTheJob.run(id, d.toISODate(), own ? 7 : 31);
      insertItem.run(id, 'portfolio', 'portfolios/evidence.pdf');
      if (kind.missing !== 'item') insertItem.run(id, 'project-proposal', 'proposals/campaign.pdf');
      // A rejection clears the declaration (a resubmission is a new gateway), so a rejected apprentice stays rejected.
      if (kind.stage !== 'rejected')
        insertDeclaration.run(
          id,
          `${startDate}T09:00:00.000Z`,
          `${startDate}T09:00:00.000Z`,
          kind.missing === 'declaration' ? null : `${startDate}T09:00:00.000Z`,
        );

      if (kind.stage === 'submitted') insertSubmission.run(id, 'submitted', day(3 + (i % 10)), null, null, null, null);
      if (kind.stage === 'rejected')
        insertSubmission.run(
          id,
          'rejected',
          day(30),
          `${day(25)}T10:00:00.000Z`,
          'The portfolio does not show S15 to S17',
          null,
          null,
        );
      if (kind.stage !== 'accepted') continue;
      if (own && acceptedUlns.length < 50) acceptedUlns.push(ulns[i]!);

      // Accepted 40 to 84 days ago; the project on day 28 to 30 of the EPA period and the discussion two days later, both over.
      const acceptedAgo = 40 + (i % 45);
      const epaStart = day(acceptedAgo);
      const { id: submissionId } = insertSubmission.get(
        id,
        'accepted',
        day(acceptedAgo + 5),
        `${epaStart}T10:00:00.000Z`,
        null,
        epaStart,
        addMonths(epaStart, 3),
      ) as { id: number };
      const createdAt = `${day(acceptedAgo - 1)}T10:00:00.000Z`;
      for (const [m, methodId] of (['project', 'discussion'] as const).entries()) {
        const local = DateTime.fromISO(`${day(acceptedAgo - 28 - (i % 3) - 2 * m)}T${SLOTS[(i + m) % SLOTS.length]}`, {
          zone: ZONE,
        });
        const assessor = assessors[(bookings.length + 1) % assessors.length]!;
        const booking = insertBooking.get(
          id,
          submissionId,
          methodId,
          assessor.id,
          isoInstant(local),
          isoInstant(local.plus({ minutes: methodId === 'project' ? 60 : 75 })),
          local.toFormat("yyyy-MM-dd'T'HH:mm"),
          createdAt,
          createdAt,
        ) as { id: number };
        bookings.push({ id: booking.id, apprenticeId: id, methodId, assessorUserId: assessor.id });
      }
    }
  })();
  if (size.results > 0) fill(db, size.results, 50);
  const plan = getPlanForStandard(db, sv)!;
  const apprentices = (c.prepare('select count(*) as n from apprentices').get() as { n: number }).n;
  c.close();
  return {
    plan,
    file,
    password: DEMO_PASSWORD,
    provider: { email: providerEmail, ukprn: DEMO_PROVIDERS[0]!.ukprn, apprentices: size.providerApprentices },
    assessors,
    bookings,
    stages,
    acceptedUlns,
    employerId: DEMO_EMPLOYERS[0]!.id,
    apprentices,
  };
}
