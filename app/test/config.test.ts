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
    [{ PGSSLMODE: 'prefer' }, 'PGSSLMODE must be one of disable, require, verify-full (got "prefer")'],
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
});
