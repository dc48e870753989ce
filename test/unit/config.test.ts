import { hashPassword, verifyPassword } from '../../src/auth/passwords.js';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';

/** The production address every production configuration needs. */
const BASE_URL = 'https://epa.example.org';

describe('configuration', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({});
    expect(config.port).to.equal(3000);
    expect(config.databasePath).to.match(/db[\\/]epa\.sqlite$/);
    expect(config.demoData).to.equal(true);
    expect(config.env).to.equal('development');
  });

  it('makes a random session secret in development and says so', () => {
    const a = loadConfig({});
    const b = loadConfig({});
    expect(a.sessionSecret).to.have.length.greaterThanOrEqual(32);
    expect(a.sessionSecret).not.to.equal(b.sessionSecret);
    expect(a.warnings.join(' ')).to.contain('SESSION_SECRET');
  });

  it('requires SESSION_SECRET in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).to.throw(ConfigError, /SESSION_SECRET is required/);
    const secret = 'x'.repeat(40);
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: secret, BASE_URL }).sessionSecret).to.equal(secret);
  });

  it('names the variable when a value is bad', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).to.throw(ConfigError, /PORT/);
    expect(() => loadConfig({ PORT: '70000' })).to.throw(ConfigError, /PORT/);
    expect(() => loadConfig({ DEMO_DATA: 'yes' })).to.throw(ConfigError, /DEMO_DATA must be "on" or "off"/);
    expect(() => loadConfig({ SESSION_SECRET: 'short' })).to.throw(ConfigError, /SESSION_SECRET must be at least 32/);
    expect(() => loadConfig({ NODE_ENV: 'staging' })).to.throw(ConfigError, /NODE_ENV/);
  });

  it('turns on sending claims to the apprenticeship service only with both its address and key', () => {
    expect(loadConfig({}).apprenticeshipService).to.equal(null);
    expect(
      loadConfig({ APPRENTICESHIP_SERVICE_URL: 'https://service.example/', APPRENTICESHIP_SERVICE_KEY: 'k-12345678' })
        .apprenticeshipService,
    ).to.deep.equal({ url: 'https://service.example', key: 'k-12345678' });
    expect(() => loadConfig({ APPRENTICESHIP_SERVICE_URL: 'https://service.example' })).to.throw(
      ConfigError,
      /set together, or neither/,
    );
    expect(() => loadConfig({ APPRENTICESHIP_SERVICE_KEY: 'k-12345678' })).to.throw(ConfigError, /set together/);
    expect(() =>
      loadConfig({ APPRENTICESHIP_SERVICE_URL: 'ftp://x.example', APPRENTICESHIP_SERVICE_KEY: 'k-12345678' }),
    ).to.throw(ConfigError, /APPRENTICESHIP_SERVICE_URL must be an http/);
    const production = {
      NODE_ENV: 'production',
      SESSION_SECRET: 'x'.repeat(40),
      BASE_URL,
      APPRENTICESHIP_SERVICE_KEY: 'k-12345678',
    };
    expect(() => loadConfig({ ...production, APPRENTICESHIP_SERVICE_URL: 'http://service.example' })).to.throw(
      ConfigError,
      /must be https:\/\/ when NODE_ENV=production/,
    );
    expect(
      loadConfig({ ...production, APPRENTICESHIP_SERVICE_URL: 'https://service.example' }).apprenticeshipService,
    ).to.include({ url: 'https://service.example' });
  });

  it('reads PORT, DATABASE_PATH and DEMO_DATA', () => {
    const config = loadConfig({ PORT: '8080', DATABASE_PATH: '/tmp/x.sqlite', DEMO_DATA: 'off' });
    expect(config).to.include({ port: 8080, databasePath: '/tmp/x.sqlite', demoData: false });
  });

  it('leaves demo data off in production unless it is asked for, and warns when it is', () => {
    const secret = 'x'.repeat(40);
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: secret, BASE_URL }).demoData).to.equal(false);
    expect(loadConfig({ NODE_ENV: 'test' }).demoData).to.equal(true);
    const asked = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: secret, BASE_URL, DEMO_DATA: 'on' });
    expect(asked.demoData).to.equal(true);
    expect(asked.warnings.join(' ')).to.contain('DEMO_DATA=on in production');
  });

  it('takes a password hash cost that is a power of two, never below the default in production', () => {
    expect(loadConfig({}).passwordHashCost).to.equal(16384);
    expect(loadConfig({ PASSWORD_HASH_COST: '16' }).passwordHashCost).to.equal(16);
    expect(() => loadConfig({ PASSWORD_HASH_COST: '1000' })).to.throw(
      ConfigError,
      /PASSWORD_HASH_COST must be a power of two/,
    );
    expect(() => loadConfig({ PASSWORD_HASH_COST: '1' })).to.throw(
      ConfigError,
      /PASSWORD_HASH_COST must be at least 2/,
    );
    const secret = 'x'.repeat(40);
    expect(() =>
      loadConfig({ NODE_ENV: 'production', SESSION_SECRET: secret, BASE_URL, PASSWORD_HASH_COST: '8192' }),
    ).to.throw(ConfigError, /PASSWORD_HASH_COST must be at least 16384 when NODE_ENV=production/);
    expect(
      loadConfig({ NODE_ENV: 'production', SESSION_SECRET: secret, BASE_URL, PASSWORD_HASH_COST: '32768' })
        .passwordHashCost,
    ).to.equal(32768);
  });

  it('hashes and verifies with a cost above what Node allows scrypt by default (32 MiB)', async function () {
    this.timeout(10_000);
    const hash = await hashPassword('correct-horse-battery', 65536);
    expect(hash.split('$')[1]).to.equal('65536');
    expect(await verifyPassword('correct-horse-battery', hash)).to.equal(true);
    expect(await verifyPassword('wrong-horse-battery', hash)).to.equal(false);
  });
});
