import { expect } from 'chai';
import { CHECK_CODES } from '../../src/gateway/model.js';
import { dateLabel, londonDateOf, todayInLondon } from '../../src/dates.js';
import { decideSubmission } from '../../src/gateway/store.js';
import { $, signedInAgent, testApp, type TestContext, type TestUserKey } from '../support/app.js';
import { SETUP, isoDate, today } from '../support/apprentices.js';
import { now } from '../support/clock.js';
import { buildFixture, completedResult, type Fixture } from '../support/fixture.js';
import { keptFigure } from '../../src/home/service.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { recordDelivery } from '../../src/certificates/store.js';
import { delivery } from '../support/delivery.js';
import fs from 'node:fs';
import { bookingById, bookingQueue } from '../../src/bookings/store.js';
import { releaseResults, saveGrading } from '../../src/grading/store.js';
import { eq } from 'drizzle-orm';
import { bookings } from '../../src/db/schema.js';
import { planFileSchema } from '../../src/plans/schema.js';

const PLAN = planFileSchema.parse(JSON.parse(fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')));

/*
 * The fixture (test/support/fixture.ts) gives every role something to do: C's gateway request
 * waits for review; B waits for bookings; D's project grading waits for moderation and its
 * discussion for its assessor's grading; A's result is released and appealed; E is ready to request.
 */
describe('home: each role’s task list', () => {
  let ctx: TestContext;
  let f: Fixture;
  beforeEach(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
  });

  /** The home page's tasks as "count label", with where each leads. */
  const tasksOf = async (who: TestUserKey) => {
    const agent = await signedInAgent(ctx.app, ctx.users[who].email);
    const doc = $((await agent.get('/')).text);
    const tasks = Object.fromEntries(
      doc('#home-tasks li')
        .map((_, li) => [
          [
            doc(li).attr('id')!.slice('task-'.length),
            {
              text: `${doc(li).find('.app-task__count').text()} ${doc(li).find('.app-task__label').text()}`,
              href: doc(li).find('a').attr('href'),
              ...(doc(li).find('.app-task__oldest').length ? { oldest: doc(li).find('.app-task__oldest').text() } : {}),
            },
          ],
        ])
        .get() as [string, { text: string; href: string; oldest?: string }][],
    );
    return { agent, doc, tasks };
  };

  it('gives the administrator the queues of the day, each linking to its list; a review done leaves the list', async () => {
    const { tasks } = await tasksOf('admin');
    // The oldest of each queue is the one its list shows first.
    const firstOf = async (path: string, cell: string) => {
      const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
      return $((await agent.get(path)).text)(cell)
        .first()
        .text()
        .trim();
    };
    expect(tasks.reviews).to.deep.equal({
      text: '1 Gateway requests to review',
      href: '/gateway',
      oldest: `(oldest from ${dateLabel(await firstOf('/gateway', 'tbody tr td:nth-child(3)'))})`,
    });
    expect(tasks.moderation).to.include({ text: '1 Gradings waiting for moderation', href: '/moderation' });
    expect(tasks.moderation!.oldest).to.match(/^\(oldest from \d{1,2} \w{3} \d{4}\)$/);
    expect(tasks.appeals).to.include({ text: '1 Appeals to decide', href: '/appeals' });
    expect(tasks['to-book']!.href).to.equal('/bookings');
    expect(tasks['to-book']!.text).to.match(/^\d+ Accepted apprentices waiting for a booking$/);
    expect(Number(tasks['to-book']!.text.split(' ')[0])).to.be.at.least(1);

    const decided = decideSubmission(
      ctx.db,
      f.openSubmission,
      {
        checks: CHECK_CODES.map((code) => ({ code, accepted: true, reason: null })),
        outcome: 'accepted',
        reason: null,
      },
      3,
      isoDate(today()),
      SETUP,
      now(),
    );
    expect(decided.ok).to.equal(true);
    const after = await tasksOf('admin');
    expect(after.tasks.reviews).to.equal(undefined);
    // C, accepted, now waits for a booking too.
    expect(Number(after.tasks['to-book']!.text.split(' ')[0])).to.equal(
      Number(tasks['to-book']!.text.split(' ')[0]) + 1,
    );
  });

  it('gives the assessor the assessments waiting for grading, and the count goes down once one is graded', async () => {
    const { tasks } = await tasksOf('assessor');
    const booking = bookingById(ctx.db, f.gradableBooking)!;
    expect(tasks['to-grade']).to.deep.equal({
      text: '1 Assessments waiting for your grading',
      href: '/schedule',
      oldest: `(oldest from ${dateLabel(londonDateOf(booking.startsAt))})`,
    });
    const decisions = PLAN.criteria
      .filter((c) => c.method === booking.methodId)
      .map((c) => ({ criterionId: c.id, met: true, evidence: 'Seen' }));
    const graded = saveGrading(
      ctx.db,
      booking,
      { outcome: 'graded', outcomeReason: null, decisions },
      { userId: ctx.users.assessor.id, label: 'assessor' },
      { submit: true, now: now() },
    );
    expect(graded.ok).to.equal(true);
    expect((await tasksOf('assessor')).tasks['to-grade']).to.equal(undefined);
  });

  it('gives the quality assurer the sample waiting for moderation', async () => {
    const { tasks } = await tasksOf('qa');
    expect(tasks.moderation).to.include({
      text: '1 Gradings in the sample waiting for moderation',
      href: '/moderation',
    });
  });

  it('gives the provider its apprentices ready to request, its unmet checks by check, and its results; another provider sees none of them', async () => {
    const { tasks, doc } = await tasksOf('provider');
    expect(tasks.ready).to.deep.equal({
      text: '1 Apprentices ready to request assessment',
      href: '/apprentices?state=ready',
    });
    expect(doc('#home-released').text()).to.contain('Marguerite Quillfeather');
    const other = await tasksOf('otherProvider');
    expect(other.tasks.ready).to.equal(undefined);
    expect(other.doc('#home-released').text()).to.not.contain('Marguerite');
    expect(other.doc('body').text()).to.not.contain('Eleanor');
  });

  it('gives the employer its apprentices’ results and what waits for its agreement', async () => {
    const { doc } = await tasksOf('employer');
    expect(doc('#list-further').text()).to.equal('Resits and retakes waiting for your agreement');
    expect(doc('#home-released').text()).to.contain('Marguerite Quillfeather');
  });

  it('counts the holds that run out later today, not those already past (not yet marked expired)', async () => {
    const later = now().plus({ hours: 1 });
    const london = later.setZone('Europe/London');
    // Later today only if today has an hour left; otherwise the first hold is past too.
    const ids = ctx.db
      .select({ id: bookings.id })
      .from(bookings)
      .limit(2)
      .all()
      .map((b) => b.id);
    expect(ids).to.have.length(2);
    ctx.db
      .update(bookings)
      .set({ status: 'held', holdExpiresAt: later.toUTC().toISO() })
      .where(eq(bookings.id, ids[0]!))
      .run();
    ctx.db
      .update(bookings)
      .set({ status: 'held', holdExpiresAt: now().minus({ hours: 1 }).toUTC().toISO() })
      .where(eq(bookings.id, ids[1]!))
      .run();
    const { tasks } = await tasksOf('admin');
    expect(tasks.holds?.text ?? '0').to.equal(
      london.hasSame(now().setZone('Europe/London'), 'day') ? '1 Holds that run out today' : '0',
    );
  });

  it('shows the administrator the last count of results ready to claim and of apprentices to book while a long count runs, or that they are being counted', async () => {
    // A count that is not done at once (here: none is waited for) leaves the page to what is known.
    ctx = await testApp({ figureWaitMs: 0 });
    f = await buildFixture(ctx);
    // A result ready to claim: released long enough ago for its appeal period to be over, its certificate's address given.
    const [first, second] = validUlns(2, 780_000_000);
    const release = (uln: string) => {
      const result = completedResult(ctx, uln);
      recordDelivery(ctx.db, result.apprentice, delivery(), SETUP, now());
      expect(releaseResults(ctx.db, [result.attempt], SETUP, now().minus({ days: 40 })).ok).to.equal(true);
    };
    release(first!);
    // One sign-in, made first: a sign-in is a change too.
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    // Both figures from one look at the page: the look starts their working out.
    const figureTasks = async () => {
      const page = $((await admin.get('/')).text);
      const task = (id: string) => {
        const li = page(`#task-${id}`);
        const oldest = li.find('.app-task__oldest').text();
        return {
          text: `${li.find('.app-task__count').text()} ${li.find('.app-task__label').text()}`,
          href: li.find('a').attr('href'),
          ...(oldest ? { oldest } : {}),
        };
      };
      return { claims: task('claims'), toBook: task('to-book') };
    };
    expect(await figureTasks()).to.deep.equal({
      claims: {
        text: ' Results ready to send to the apprenticeship service',
        href: '/claims',
        oldest: '(being counted: look again in a moment)',
      },
      toBook: {
        text: ' Accepted apprentices waiting for a booking',
        href: '/bookings',
        oldest: '(being counted: look again in a moment)',
      },
    });
    // The figures the page began, once made (an administrator asking meanwhile shares them), are shown as they are.
    const counted = await keptFigure(ctx.db, 'readyClaims', now(), 60_000);
    expect(counted.value).to.be.at.least(1);
    const queued = (await keptFigure(ctx.db, 'toBook', now(), 60_000)).value!;
    expect(queued.n)
      .to.equal(bookingQueue(ctx.db, todayInLondon(now())).length)
      .and.to.be.at.least(1);
    expect(await figureTasks()).to.deep.equal({
      claims: { text: `${counted.value} Results ready to send to the apprenticeship service`, href: '/claims' },
      toBook: {
        text: `${queued.n} Accepted apprentices waiting for a booking`,
        href: '/bookings',
        oldest: `(longest ${queued.longestDays} days)`,
      },
    });
    // A change starts new ones; until they are made, the page shows the last, with their time.
    release(second!);
    const at = now().setZone('Europe/London').toFormat('HH:mm');
    expect(await figureTasks()).to.deep.equal({
      claims: {
        text: `${counted.value} Results ready to send to the apprenticeship service`,
        href: '/claims',
        oldest: `(as counted at ${at}; counting again)`,
      },
      toBook: {
        text: `${queued.n} Accepted apprentices waiting for a booking`,
        href: '/bookings',
        oldest: `(longest ${queued.longestDays} days, as counted at ${at}; counting again)`,
      },
    });
    expect((await keptFigure(ctx.db, 'readyClaims', now(), 60_000)).value).to.equal(counted.value! + 1);
    expect((await figureTasks()).claims.text).to.equal(
      `${counted.value! + 1} Results ready to send to the apprenticeship service`,
    );
  });
});
