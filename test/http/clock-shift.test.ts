import { spawnSync } from 'node:child_process';
import { expect } from 'chai';

/*
 * A date written into a test passes until the day it expires. To catch one at once, this runs the
 * booking and gateway suites again in a child process with the test clock (test/support/clock.ts)
 * two years ahead: the app, its stores and every date the tests make move together, so the suites
 * must pass unchanged.
 */
const SLICE = ['test/http/bookings.test.ts', 'test/http/gateway.test.ts'];

describe('the suite two years from now', () => {
  it('passes the booking and gateway suites with the clock set two years ahead', function () {
    this.timeout(300_000);
    const run = spawnSync(
      process.execPath,
      [
        '--import=tsx',
        'node_modules/mocha/bin/mocha.js',
        '--no-config',
        '--timeout',
        '20000',
        '--reporter',
        'dot',
        '--exit',
        ...SLICE,
      ],
      {
        env: { ...process.env, TEST_CLOCK_SHIFT: 'P2Y' },
        encoding: 'utf8',
      },
    );
    const output = `${run.stdout}\n${run.stderr}`;
    // Shown behind "| " so that the child's "N passing" line is never read as this run's count.
    const shown = output
      .split('\n')
      .map((line) => `| ${line}`)
      .join('\n');
    expect(run.status, shown).to.equal(0);
    expect(Number(/(\d+) passing/.exec(output)?.[1] ?? 0), 'tests ran').to.be.greaterThan(40);
    expect(/\d+ failing/.test(output), shown).to.equal(false);
  });
});
