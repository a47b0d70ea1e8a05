import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config';

const pg = { PGHOST: 'db.internal', PGUSER: 'app', PGPASSWORD: 'pw-never-shown', PGDATABASE: 'items' };

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('applies defaults when only the database is set', () => {
    const config = loadConfig(pg);
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'info',
      shutdownDrainSeconds: 20,
      readyTimeoutMs: 1000,
      commitSha: 'unknown',
      buildTime: 'unknown',
      databaseSummary: { host: 'db.internal', port: 5432, database: 'items' },
    });
    expect(config.database).toMatchObject({ host: 'db.internal', user: 'app', password: 'pw-never-shown', ssl: false });
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      ...pg,
      PORT: '3000',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      SHUTDOWN_DRAIN_SECONDS: '5',
      READY_TIMEOUT_MS: '250',
      DB_POOL_MAX: '4',
      PGPORT: '6543',
      PGSSLMODE: 'verify-full',
      COMMIT_SHA: 'abc123',
      BUILD_TIME: '2025-01-01T00:00:00Z',
    });
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      logLevel: 'debug',
      shutdownDrainSeconds: 5,
      readyTimeoutMs: 250,
      commitSha: 'abc123',
      buildTime: '2025-01-01T00:00:00Z',
    });
    expect(config.database).toMatchObject({ port: 6543, max: 4, ssl: { rejectUnauthorized: true } });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ ...pg, PORT: '', LOG_LEVEL: '  ' })).toMatchObject({ port: 8080, logLevel: 'info' });
  });

  it('accepts DATABASE_URL and summarises it without the password', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://app:s3cret@db.example:6000/orders', PGSSLMODE: 'require' });
    expect(config.database).toMatchObject({
      connectionString: 'postgres://app:s3cret@db.example:6000/orders',
      ssl: { rejectUnauthorized: false },
    });
    expect(config.databaseSummary).toEqual({ host: 'db.example', port: 6000, database: 'orders' });
    expect(JSON.stringify(config.databaseSummary)).not.toContain('s3cret');
  });

  it.each([
    [{ PORT: 'http' }, 'PORT must be an integer between 0 and 65535 (got "http")'],
    [{ PORT: '70000' }, 'PORT must be an integer between 0 and 65535 (got "70000")'],
    [{ PORT: '80.5' }, 'PORT must be an integer between 0 and 65535 (got "80.5")'],
    [
      { LOG_LEVEL: 'verbose' },
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
    ],
    [{ SHUTDOWN_DRAIN_SECONDS: '-1' }, 'SHUTDOWN_DRAIN_SECONDS must be an integer between 0 and 600 (got "-1")'],
    [{ READY_TIMEOUT_MS: '10' }, 'READY_TIMEOUT_MS must be an integer between 50 and 30000 (got "10")'],
    [{ DB_POOL_MAX: '0' }, 'DB_POOL_MAX must be an integer between 1 and 100 (got "0")'],
    [{ PGPORT: 'x' }, 'PGPORT must be an integer between 1 and 65535 (got "x")'],
    [{ PGSSLMODE: 'prefer' }, 'PGSSLMODE must be one of disable, require, verify-ca, verify-full (got "prefer")'],
  ])('rejects %j naming the variable', (bad, message) => {
    expect(problemsOf({ ...pg, ...bad })).toEqual([message]);
  });

  it('names the missing database variables', () => {
    expect(problemsOf({ PGHOST: 'db' })).toEqual([
      'set DATABASE_URL, or PGHOST, PGUSER and PGDATABASE (missing: PGUSER, PGDATABASE)',
    ]);
  });

  it('reports every problem at once in one readable message', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'loud' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).name).toBe('ConfigError');
    expect((caught as ConfigError).problems).toHaveLength(3);
    expect((caught as Error).message).toMatch(
      /^Invalid configuration:\n {2}- PORT .*\n {2}- LOG_LEVEL .*\n {2}- set DATABASE_URL/,
    );
  });

  it('never echoes a malformed DATABASE_URL, which may hold a password', () => {
    const problems = problemsOf({ DATABASE_URL: 'postgres://app:s3cret@[bad' });
    expect(problems).toEqual([
      'DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database)',
    ]);
  });

  it('rejects a DATABASE_URL with another scheme', () => {
    expect(problemsOf({ DATABASE_URL: 'mysql://app@db/items' })).toEqual([
      'DATABASE_URL must use the postgres:// scheme (got "mysql:")',
    ]);
  });

  it.each([
    ['postgres://app:s3cret@db/items?sslmode=disable', 'sslmode'],
    ['postgres://app:s3cret@db/items?application_name=x&SSLMODE=no-verify', 'SSLMODE'],
    ['postgres://app:s3cret@db/items?ssl=true&sslrootcert=/tmp/ca.pem', 'ssl, sslrootcert'],
  ])('rejects TLS parameters in DATABASE_URL (%s), which would override PGSSLMODE', (url, names) => {
    const problems = problemsOf({ DATABASE_URL: url, PGSSLMODE: 'verify-full' });
    expect(problems).toEqual([`DATABASE_URL must not set ${names}: use PGSSLMODE and PGSSLROOTCERT instead`]);
    expect(problems.join()).not.toContain('s3cret');
  });
});

describe('loadConfig TLS to the database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-test-'));
  const bundle = join(dir, 'global-bundle.pem');
  // loadConfig only reads the file; Node parses the certificates when the pool connects.
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  writeFileSync(bundle, pem);
  const notPem = join(dir, 'bundle.txt');
  writeFileSync(notPem, 'not a certificate');

  it('require encrypts without checking the certificate', () => {
    expect(loadConfig({ ...pg, PGSSLMODE: 'require' }).database.ssl).toEqual({ rejectUnauthorized: false });
  });

  it('verify-full trusts only the PGSSLROOTCERT bundle and checks the host name', () => {
    const ssl = loadConfig({ ...pg, PGSSLMODE: 'verify-full', PGSSLROOTCERT: bundle }).database.ssl;
    expect(ssl).toEqual({ rejectUnauthorized: true, ca: pem });
  });

  it('verify-full without a bundle verifies against the default CAs', () => {
    expect(loadConfig({ ...pg, PGSSLMODE: 'verify-full' }).database.ssl).toEqual({ rejectUnauthorized: true });
  });

  it('verify-ca checks the chain but not the host name', () => {
    const ssl = loadConfig({ ...pg, PGSSLMODE: 'verify-ca', PGSSLROOTCERT: bundle }).database.ssl as {
      rejectUnauthorized: boolean;
      ca: string;
      checkServerIdentity: (host: string, cert: unknown) => Error | undefined;
    };
    expect(ssl).toMatchObject({ rejectUnauthorized: true, ca: pem });
    expect(ssl.checkServerIdentity('other.host', {})).toBeUndefined();
  });

  it('applies to DATABASE_URL as well', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app@db.example/orders',
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: bundle,
    });
    expect(config.database).toMatchObject({ ssl: { rejectUnauthorized: true, ca: pem } });
  });

  it.each([
    [
      { PGSSLMODE: 'verify-full', PGSSLROOTCERT: join(dir, 'missing.pem') },
      `PGSSLROOTCERT: cannot read "${join(dir, 'missing.pem')}" (ENOENT)`,
    ],
    [{ PGSSLMODE: 'verify-full', PGSSLROOTCERT: dir }, `PGSSLROOTCERT: cannot read "${dir}" (EISDIR)`],
    [{ PGSSLMODE: 'verify-ca', PGSSLROOTCERT: notPem }, `PGSSLROOTCERT: "${notPem}" holds no PEM certificate`],
    [
      { PGSSLMODE: 'require', PGSSLROOTCERT: bundle },
      'PGSSLROOTCERT is only used with PGSSLMODE verify-ca or verify-full (got "require")',
    ],
    [{ PGSSLROOTCERT: bundle }, 'PGSSLROOTCERT is only used with PGSSLMODE verify-ca or verify-full (got "disable")'],
  ])('rejects %j naming the variable', (bad, message) => {
    expect(problemsOf({ ...pg, ...bad })).toEqual([message]);
  });
});
