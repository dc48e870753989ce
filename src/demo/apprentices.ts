import { fullName } from '../names.js';
import { DateTime } from 'luxon';
import { eq } from 'drizzle-orm';
import type { Actor } from '../audit/audit.js';
import { validUlns } from '../apprentices/uln.js';
import {
  addApprentices,
  addOffTheJobHours,
  addQualification,
  confirmDeclaration,
  findApprenticeByUln,
  recordPlanItem,
  type ApprenticeDetail,
} from '../apprentices/store.js';
import type { ApprenticeInput, QualificationInput } from '../apprentices/schema.js';
import { ZONE } from '../dates.js';
import { decideSubmission, submitForGateway } from '../gateway/store.js';
import { CHECK_CODES } from '../gateway/model.js';
import type { Db } from '../db/connection.js';
import { apprentices, flexibilityJudgements, users } from '../db/schema.js';
import {
  addEarlierEpisode,
  addLearningBreak,
  recordFlexibility,
  recordPriorLearning,
} from '../apprentices/circumstance-store.js';
import type { EnglishMathsChoice } from '../gateway/model.js';

/** The demonstration plan in the reformed shape (src/demo/index.ts loads it beside the demo EPA plan); some demo apprentices follow it. */
export const DEMO_REFORMED_PLAN_ID = 'ST0815-1.0-reformed-demo';

/** What a demo apprentice has done so far, so that every gateway state shows on the dashboard. */
interface DemoStory {
  given: string;
  family: string;
  ukprn: string;
  employerId: string;
  /** Months between the start and today. */
  monthsIn: number;
  age: number;
  weeklyHours?: number;
  /** Off-the-job hours a week logged so far. */
  otjPerWeek: number;
  english?: Omit<QualificationInput, 'subject' | 'achievedOn'> | null;
  maths?: Omit<QualificationInput, 'subject' | 'achievedOn'> | null;
  /** An English and maths flexibility judgement: evidenced, or carried over from the old EHC plan flag without its evidence. */
  flexibility?: 'evidenced' | 'unevidenced';
  bsl?: boolean;
  choice?: EnglishMathsChoice | null;
  /** A break in learning of so many days, starting so many months after the start. */
  learningBreak?: { monthsIn: number; days: number; reason: string };
  /** A restart: an earlier episode of so many months, ending a month before this start. */
  earlierEpisode?: { months: number; provider: string; reason: string };
  /** Recognised prior learning, in off-the-job hours. */
  priorLearning?: { hours: number; reason: string };
  /** On the reformed demonstration plan rather than the version's default (the demo EPA plan). */
  reformed?: boolean;
  items?: boolean;
  declared?: boolean;
  /** Gateway history: submitted (awaiting), accepted or rejected, so many days ago. */
  gateway?: { outcome: 'submitted' | 'accepted' | 'rejected'; daysAgo: number; reason?: string };
}

const GCSE5 = { type: 'gcse', level: 2, grade: '5', certificateReference: 'AQA-GCSE-0000' } as const;
const GCSE4 = { type: 'gcse', level: 2, grade: '4', certificateReference: 'OCR-GCSE-0000' } as const;
const GCSE3 = { type: 'gcse', level: 2, grade: '3', certificateReference: 'EDX-GCSE-0000' } as const;
const FS2 = { type: 'functional_skills', level: 2, grade: 'Pass', certificateReference: 'CG-FS2-0000' } as const;
const EL3 = { type: 'entry_level', level: 3, grade: 'Pass', certificateReference: 'NCFE-EL3-0000' } as const;
const BSL = { type: 'bsl', level: 2, grade: 'Pass', certificateReference: 'SIG-BSL2-0000' } as const;

const P1 = '10061234',
  P2 = '10078452',
  P3 = '10033917';
const TRANSPORT = 'transport-workers-union',
  HEALTH = 'health-care-union',
  PUBLIC = 'public-services-union',
  SCHOOLS = 'teachers-association';

const STORIES: DemoStory[] = [
  // Ready: every check met, EPA not yet requested.
  {
    given: 'Aisha',
    family: 'Rahman',
    ukprn: P1,
    employerId: TRANSPORT,
    monthsIn: 19,
    age: 24,
    otjPerWeek: 7,
    english: GCSE5,
    maths: GCSE4,
    items: true,
    declared: true,
  },
  {
    given: 'Tomasz',
    family: 'Kowalski',
    ukprn: P1,
    employerId: HEALTH,
    monthsIn: 18,
    age: 31,
    otjPerWeek: 6.5,
    english: FS2,
    maths: FS2,
    choice: 'employer_requires',
    items: true,
    declared: true,
  },
  {
    given: 'Bethan',
    family: 'Lloyd',
    ukprn: P2,
    employerId: PUBLIC,
    monthsIn: 20,
    age: 27,
    otjPerWeek: 7.5,
    english: null,
    maths: null,
    choice: 'not_studying',
    items: true,
    declared: true,
  },
  // Submitted: waiting for the EPAO's review.
  {
    given: 'Marcus',
    family: 'Bennett',
    ukprn: P1,
    employerId: TRANSPORT,
    monthsIn: 19,
    age: 29,
    otjPerWeek: 7,
    english: GCSE4,
    maths: GCSE5,
    items: true,
    declared: true,
    gateway: { outcome: 'submitted', daysAgo: 6 },
  },
  {
    given: 'Grace',
    family: 'Okonkwo',
    ukprn: P2,
    employerId: HEALTH,
    monthsIn: 21,
    age: 35,
    otjPerWeek: 6.5,
    english: GCSE5,
    maths: FS2,
    items: true,
    declared: true,
    gateway: { outcome: 'submitted', daysAgo: 2 },
  },
  {
    given: 'Ciaran',
    family: 'Doyle',
    ukprn: P3,
    employerId: SCHOOLS,
    monthsIn: 20,
    age: 41,
    otjPerWeek: 7,
    english: GCSE5,
    maths: GCSE5,
    items: true,
    declared: true,
    gateway: { outcome: 'submitted', daysAgo: 11 },
  },
  // Accepted: the EPA period is open.
  {
    given: 'Hannah',
    family: 'Whitfield',
    ukprn: P1,
    employerId: PUBLIC,
    monthsIn: 21,
    age: 26,
    otjPerWeek: 7,
    english: GCSE5,
    maths: GCSE5,
    items: true,
    declared: true,
    gateway: { outcome: 'accepted', daysAgo: 30 },
  },
  {
    given: 'Oluwaseun',
    family: 'Adeyemi',
    ukprn: P2,
    employerId: TRANSPORT,
    monthsIn: 22,
    age: 33,
    otjPerWeek: 6.5,
    english: GCSE4,
    maths: GCSE4,
    items: true,
    declared: true,
    gateway: { outcome: 'accepted', daysAgo: 45 },
  },
  {
    given: 'Fiona',
    family: 'MacLeod',
    ukprn: P3,
    employerId: TRANSPORT,
    monthsIn: 20,
    age: 38,
    otjPerWeek: 7,
    english: FS2,
    maths: GCSE5,
    items: true,
    declared: true,
    gateway: { outcome: 'accepted', daysAgo: 12 },
  },
  {
    given: 'Rhys',
    family: 'Morgan',
    ukprn: P1,
    employerId: SCHOOLS,
    monthsIn: 19,
    age: 22,
    otjPerWeek: 6.5,
    english: GCSE5,
    maths: GCSE4,
    flexibility: 'unevidenced',
    items: true,
    declared: true,
    gateway: { outcome: 'accepted', daysAgo: 3 },
  },
  // Assessed (src/demo/grading.ts): resat after a Fail, appealed, released, waiting for moderation,
  // failed with a resit for the employer to agree, and moderated with the result to release.
  {
    given: 'Gwen',
    family: 'Roberts',
    ukprn: P1,
    employerId: TRANSPORT,
    monthsIn: 25,
    age: 31,
    otjPerWeek: 7,
    english: GCSE5,
    maths: GCSE5,
    items: true,
    declared: true,
    gateway: { outcome: 'accepted', daysAgo: 150 },
  },
  {
    given: 'Patrick',
    family: 'Nolan',
    ukprn: P1,
    employerId: SCHOOLS,
    monthsIn: 23,
    age: 36,
    otjPerWeek: 7,
    english: GCSE4,
    maths: GCSE5,
    items: true,
    declared: true,
    gateway: { outcome: 'accepted', daysAgo: 100 },
  },
  {
    given: 'Mei',
    family: 'Chen',
    ukprn: P1,
    employerId: TRANSPORT,
    monthsIn: 22,
    age: 29,
    otjPerWeek: 7.5,
    english: GCSE5,
    maths: GCSE5,
    items: true,
    declared: true,
    gateway: { outcome: 'accepted', daysAgo: 75 },
  },
  {
    given: 'Samuel',
    family: 'Adebayo',
    ukprn: P2,
    employerId: SCHOOLS,
    monthsIn: 22,
    age: 40,
    otjPerWeek: 7,
    english: GCSE5,
    maths: GCSE4,
    items: true,
    declared: true,
    gateway: { outcome: 'accepted', daysAgo: 65 },
  },
  {
    given: 'Niamh',
    family: 'Brennan',
    ukprn: P1,
    employerId: TRANSPORT,
    monthsIn: 21,
    age: 27,
    otjPerWeek: 7,
    english: GCSE5,
    maths: GCSE5,
    items: true,
    declared: true,
    gateway: { outcome: 'accepted', daysAgo: 64 },
  },
  {
    given: 'Tomasz',
    family: 'Nowak',
    ukprn: P2,
    employerId: PUBLIC,
    monthsIn: 22,
    age: 34,
    otjPerWeek: 7,
    english: GCSE4,
    maths: GCSE5,
    items: true,
    declared: true,
    gateway: { outcome: 'accepted', daysAgo: 63 },
  },
  // Rejected: the provider has something to put right.
  {
    given: 'Priya',
    family: 'Shah',
    ukprn: P1,
    employerId: HEALTH,
    monthsIn: 19,
    age: 28,
    otjPerWeek: 6.5,
    english: GCSE5,
    maths: GCSE4,
    items: true,
    declared: true,
    gateway: {
      outcome: 'rejected',
      daysAgo: 9,
      reason: 'The portfolio reference points to an empty folder; upload the portfolio and resubmit.',
    },
  },
  {
    given: 'Daniel',
    family: 'Osei',
    ukprn: P2,
    employerId: PUBLIC,
    monthsIn: 20,
    age: 30,
    otjPerWeek: 7,
    english: GCSE4,
    maths: GCSE5,
    items: true,
    declared: true,
    gateway: {
      outcome: 'rejected',
      daysAgo: 20,
      reason: 'The employer declaration was signed by a colleague without authority; ask the line manager to confirm.',
    },
  },
  // Not ready, each for a different reason.
  {
    given: 'Sophie',
    family: 'Turner',
    ukprn: P1,
    employerId: TRANSPORT,
    monthsIn: 7,
    age: 23,
    otjPerWeek: 7,
    english: GCSE5,
    maths: GCSE5,
    learningBreak: { monthsIn: 2, days: 21, reason: 'Medical leave after an operation' },
    reformed: true,
    items: false,
    declared: false,
  },
  {
    given: 'Jamal',
    family: 'Hussain',
    ukprn: P1,
    employerId: PUBLIC,
    monthsIn: 19,
    age: 25,
    otjPerWeek: 3,
    english: GCSE5,
    maths: GCSE4,
    items: true,
    declared: true,
  },
  {
    given: 'Ellie',
    family: 'Parker',
    ukprn: P1,
    employerId: HEALTH,
    monthsIn: 18,
    age: 18,
    otjPerWeek: 7,
    english: GCSE5,
    maths: GCSE3,
    items: true,
    declared: true,
  },
  {
    given: 'Kwame',
    family: 'Mensah',
    ukprn: P2,
    employerId: TRANSPORT,
    monthsIn: 19,
    age: 34,
    otjPerWeek: 7,
    english: GCSE5,
    maths: GCSE5,
    items: false,
    declared: false,
  },
  {
    given: 'Niamh',
    family: 'Gallagher',
    ukprn: P3,
    employerId: SCHOOLS,
    monthsIn: 13,
    age: 17,
    otjPerWeek: 6.5,
    english: EL3,
    maths: EL3,
    flexibility: 'evidenced',
    items: true,
    declared: false,
  },
  {
    given: 'Owen',
    family: 'Price',
    ukprn: P1,
    employerId: TRANSPORT,
    monthsIn: 18,
    age: 27,
    weeklyHours: 22.5,
    otjPerWeek: 3,
    english: BSL,
    maths: FS2,
    bsl: true,
    items: true,
    declared: true,
  },
  {
    given: 'Leah',
    family: 'Cohen',
    ukprn: P2,
    employerId: HEALTH,
    monthsIn: 4,
    age: 19,
    otjPerWeek: 6,
    english: GCSE5,
    maths: GCSE5,
    reformed: true,
    earlierEpisode: {
      months: 5,
      provider: 'Northern Union Learning (UKPRN 10099999)',
      reason: 'Changed employer; restarted with a new provider',
    },
  },
  {
    given: 'Samuel',
    family: 'Wright',
    ukprn: P3,
    employerId: PUBLIC,
    monthsIn: 10,
    age: 45,
    otjPerWeek: 6.5,
    english: null,
    maths: null,
    choice: null,
    priorLearning: { hours: 60, reason: 'TUC Certificate in Workplace Representation, completed before the start' },
    reformed: true,
  },
];

/** The story's break, earlier episode, flexibility judgement and prior learning, through the same stores as real data. */
function loadCircumstances(db: Db, a: ApprenticeDetail, story: DemoStory, actor: Actor, now: DateTime): void {
  const start = DateTime.fromISO(a.startDate);
  const iso = (d: DateTime) => d.toISODate()!;
  if (story.learningBreak) {
    const from = start.plus({ months: story.learningBreak.monthsIn });
    addLearningBreak(
      db,
      a,
      {
        from: iso(from),
        to: iso(from.plus({ days: story.learningBreak.days - 1 })),
        reason: story.learningBreak.reason,
      },
      actor,
    );
  }
  if (story.earlierEpisode) {
    const end = start.minus({ months: 1 });
    addEarlierEpisode(
      db,
      a,
      {
        startDate: iso(end.minus({ months: story.earlierEpisode.months }).plus({ days: 1 })),
        endDate: iso(end),
        provider: story.earlierEpisode.provider,
        reason: story.earlierEpisode.reason,
      },
      actor,
    );
  }
  if (story.flexibility === 'evidenced')
    recordFlexibility(
      db,
      a,
      {
        basis: 'ehc_plan',
        decidedOn: iso(start.minus({ years: 2 })),
        reference: `EHCP-${a.uln.slice(-4)} (local authority)`,
      },
      actor,
      now,
    );
  if (story.flexibility === 'unevidenced')
    db.insert(flexibilityJudgements).values({ apprenticeId: a.id, basis: 'ehc_plan' }).run();
  if (story.priorLearning) recordPriorLearning(db, a, story.priorLearning, actor);
}

const TRAINING = [
  'Employment law update: the ACAS code on disciplinary and grievance procedures',
  'Shadowing a regional officer at a recognition meeting',
  'Campaign planning workshop: from PESTEL analysis to a timed plan',
  'Negotiation skills: pay bargaining simulation',
  'Equality representatives course, day release',
  'Health and safety representatives refresher',
  'Preparing a learning agreement with an employer',
  'Analysing membership data for a recruitment drive',
  'Casework supervision: representing a member at a grievance hearing',
  'Organising around workplace issues: mapping a site',
];

/**
 * Demo apprentices for ST0815 in every gateway state, with dates relative to `today` so
 * the dashboard looks the same whenever the demo is started. Written through the same
 * stores (and audited the same way) as real data. Does nothing if apprentices exist.
 */
export function loadDemoApprentices(db: Db, now: DateTime): void {
  const today = now.setZone(ZONE).startOf('day');
  if (db.select({ id: apprentices.id }).from(apprentices).limit(1).get()) return;
  const admin = db.select().from(users).where(eq(users.role, 'admin')).get();
  const provider = (ukprn: string) => db.select().from(users).where(eq(users.providerUkprn, ukprn)).get();
  const employer = (id: string) => db.select().from(users).where(eq(users.employerId, id)).get();
  const actorFor = (u: { id: number; email: string } | undefined): Actor =>
    u ? { userId: u.id, label: u.email } : { userId: null, label: 'demo data' };
  const ulns = validUlns(STORIES.length, 400_100_000);
  const iso = (d: DateTime) => d.toISODate()!;

  const inputs: { line: number; input: ApprenticeInput }[] = STORIES.map((s, i) => {
    const start = today.minus({ months: s.monthsIn, days: (i * 3) % 17 });
    return {
      line: i + 1,
      input: {
        uln: ulns[i]!,
        givenNames: s.given,
        familyName: s.family,
        dateOfBirth: iso(start.minus({ years: s.age, days: 40 + i * 11 })),
        startDate: iso(start),
        plannedEndDate: iso(start.plus({ months: 18 })),
        standardReference: 'ST0815',
        standardVersion: '1.0',
        providerUkprn: s.ukprn,
        employerId: s.employerId,
        weeklyHours: s.weeklyHours ?? 37.5,
        planId: s.reformed ? DEMO_REFORMED_PLAN_ID : null,
        bslFirstLanguage: s.bsl ?? false,
        englishMathsChoice: s.choice ?? null,
      },
    };
  });
  const added = addApprentices(db, inputs, { userId: null, label: 'demo data' }, 'demo');
  if (!added.ok)
    throw new Error(`Demo apprentices: ${added.problems.map((p) => `${p.line} ${p.path} ${p.message}`).join('; ')}`);

  STORIES.forEach((story, i) => {
    const a = findApprenticeByUln(db, ulns[i]!)!;
    const providerActor = actorFor(provider(story.ukprn));
    const submittedOn = story.gateway ? today.minus({ days: story.gateway.daysAgo }) : today;
    for (const [subject, q] of [
      ['english', story.english],
      ['maths', story.maths],
    ] as const) {
      if (q)
        addQualification(
          db,
          a,
          {
            ...q,
            subject,
            certificateReference: q.certificateReference.replace('0000', String(1000 + i)),
            achievedOn: iso(DateTime.fromISO(a.dateOfBirth).plus({ years: 16, months: 5 })),
          },
          providerActor,
        );
    }
    for (
      let week = DateTime.fromISO(a.startDate).plus({ days: 3 }), n = 0;
      week <= submittedOn.minus({ days: 1 });
      week = week.plus({ weeks: 1 }), n++
    ) {
      addOffTheJobHours(
        db,
        a,
        { date: iso(week), hours: story.otjPerWeek, activity: TRAINING[(n + i) % TRAINING.length]!, kind: 'training' },
        providerActor,
      );
      // A progress review every twelve weeks: logged, but not off-the-job training.
      if (n % 12 === 11)
        addOffTheJobHours(
          db,
          a,
          {
            date: iso(week),
            hours: 1,
            activity: 'Progress review with the employer and tutor',
            kind: 'progress_review',
          },
          providerActor,
        );
    }
    if (story.items) {
      recordPlanItem(
        db,
        a,
        'portfolio',
        `Evidence store: portfolios/${a.familyName.toLowerCase()}-${a.uln}`,
        providerActor,
      );
      recordPlanItem(
        db,
        a,
        'project-proposal',
        `Campaign proposal agreed ${iso(submittedOn.minus({ weeks: 3 }))}`,
        providerActor,
      );
    }
    if (story.declared) {
      confirmDeclaration(db, a, 'employer', actorFor(employer(story.employerId)), now);
      confirmDeclaration(db, a, 'provider', providerActor, now);
      confirmDeclaration(db, a, 'apprentice', providerActor, now);
      confirmDeclaration(db, a, 'certificate_permission', providerActor, now);
    }
    loadCircumstances(db, a, story, providerActor, now);
    if (story.gateway) {
      const submitted = submitForGateway(db, a, iso(submittedOn), providerActor);
      if (!submitted.ok) throw new Error(`Demo apprentice ${fullName(a)}: ${submitted.message}`);
      if (story.gateway.outcome !== 'submitted') {
        const accepted = story.gateway.outcome === 'accepted';
        const rejectedCheck = story.gateway.reason?.includes('declaration') ? 'employer_declaration' : 'plan_items';
        decideSubmission(
          db,
          submitted.submission.id,
          {
            checks: CHECK_CODES.map((code) => ({
              code,
              accepted: accepted || code !== rejectedCheck,
              reason: accepted || code !== rejectedCheck ? null : story.gateway!.reason!,
            })),
            outcome: story.gateway.outcome,
            reason: story.gateway.reason ?? null,
          },
          3,
          iso(submittedOn.plus({ days: 2 })),
          actorFor(admin),
          DateTime.min(submittedOn.plus({ days: 2, hours: 10 }), now),
        );
      }
    }
  });
}
