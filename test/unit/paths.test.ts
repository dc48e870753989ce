import { expect } from 'chai';
import { fixedClock } from '../../src/clock.js';
import { fill, openApiPath, paths, routes } from '../../src/paths.js';

describe('paths', () => {
  it('makes each URL from its one pattern, encoding every parameter', () => {
    expect(paths.apprentice('1234567890')).to.equal('/apprentices/1234567890');
    expect(paths.gatewayItem('1234567890', 'project proposal/2')).to.equal(
      '/apprentices/1234567890/gateway-items/project%20proposal%2F2',
    );
    expect(paths.attemptAction('1234567890', 7, 'release')).to.equal('/apprentices/1234567890/results/7/release');
    expect(paths.admin.userTokens(3)).to.equal('/admin/users/3/tokens');
    expect(paths.bookings).to.equal(routes.bookings);
  });

  it('keeps a literal suffix after a parameter, and adds a report’s query string', () => {
    expect(fill(routes.reportCsv, ['outcomes'])).to.equal('/reports/tables/outcomes.csv');
    expect(paths.reportCsv('outcomes', 'from=2026-01-01')).to.equal('/reports/tables/outcomes.csv?from=2026-01-01');
    expect(paths.reportCsv('outcomes', '')).to.equal('/reports/tables/outcomes.csv');
  });

  it('gives the API paths in the OpenAPI form, from the same table', () => {
    expect(openApiPath(routes.api.apprentices.gatewayItem)).to.equal('/apprentices/{uln}/gateway-items/{itemId}');
    expect(paths.openapi).to.equal('/api/v1/openapi.json');
  });
});

describe('clock', () => {
  it('answers the same instant, in UTC, from a fixed clock', () => {
    const clock = fixedClock('2026-03-29T01:30:00+01:00');
    expect(clock.now().toISO()).to.equal('2026-03-29T00:30:00.000Z');
    expect(clock.now().toMillis()).to.equal(clock.now().toMillis());
    expect(() => fixedClock('not a time')).to.throw(RangeError, /Not a valid instant/);
  });
});
