import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { PoolConfig } from 'pg';

/** Log levels pino understands. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * How the pool talks TLS to PostgreSQL (a subset of libpq's `sslmode`): `require` encrypts but
 * checks no certificate, `verify-ca` checks the chain, `verify-full` the chain and the host name.
 */
const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** Everything the service reads from its environment, validated once at start. */
export interface Config {
  /** TCP port the HTTP server listens on. @default 8080 */
  readonly port: number;
  /** Address the HTTP server binds. @default '0.0.0.0' */
  readonly host: string;
  /** pino level. @default 'info' */
  readonly logLevel: LogLevel;
  /** Longest wait for in-flight requests after SIGTERM before connections are cut. @default 20 */
  readonly shutdownDrainSeconds: number;
  /** Longest wait for `SELECT 1` in /ready. @default 1000 */
  readonly readyTimeoutMs: number;
  /** Connection settings for the pg pool (may hold the password: never log it). */
  readonly database: PoolConfig;
  /** What is safe to log about the database: no password, no URL. */
  readonly databaseSummary: { readonly host: string; readonly port: number; readonly database: string };
  /** Commit the image was built from (`COMMIT_SHA`, baked in at build time). @default 'unknown' */
  readonly commitSha: string;
  /** When the image was built (`BUILD_TIME`). @default 'unknown' */
  readonly buildTime: string;
}

/** Thrown when the environment is unusable; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the configuration; throws one ConfigError listing every problem. */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = present(env, name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = present(env, name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  };

  // 0 asks the OS for a free port (tests); Kubernetes always sets a real one.
  const port = int('PORT', 8080, 0, 65535);
  const logLevel = oneOf('LOG_LEVEL', LOG_LEVELS, 'info');
  const shutdownDrainSeconds = int('SHUTDOWN_DRAIN_SECONDS', 20, 0, 600);
  const readyTimeoutMs = int('READY_TIMEOUT_MS', 1000, 50, 30_000);
  const poolMax = int('DB_POOL_MAX', 10, 1, 100);
  const sslMode = oneOf('PGSSLMODE', SSL_MODES, 'disable');
  const ssl = tlsOptions(sslMode, present(env, 'PGSSLROOTCERT'), problems);

  let database: PoolConfig = {};
  let databaseSummary = { host: '', port: 5432, database: '' };
  const url = present(env, 'DATABASE_URL');
  if (url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      // The URL may carry the password: say what is wrong without echoing it.
      problems.push('DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database)');
    }
    // pg lets TLS parameters in the URL replace the validated `ssl` option: keep one source of truth.
    const sslParams = parsed ? [...parsed.searchParams.keys()].filter((key) => /^ssl/i.test(key)) : [];
    if (parsed !== undefined && !['postgres:', 'postgresql:'].includes(parsed.protocol)) {
      problems.push(`DATABASE_URL must use the postgres:// scheme (got "${parsed.protocol}")`);
    } else if (sslParams.length > 0) {
      problems.push(
        `DATABASE_URL must not set ${[...new Set(sslParams)].join(', ')}: use PGSSLMODE and PGSSLROOTCERT instead`,
      );
    } else if (parsed !== undefined) {
      database = { connectionString: url, ssl };
      databaseSummary = {
        host: parsed.hostname || (parsed.searchParams.get('host') ?? ''),
        port: Number(parsed.port || 5432),
        database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
      };
    }
  } else {
    const missing = ['PGHOST', 'PGUSER', 'PGDATABASE'].filter((name) => present(env, name) === undefined);
    if (missing.length > 0) {
      problems.push(`set DATABASE_URL, or PGHOST, PGUSER and PGDATABASE (missing: ${missing.join(', ')})`);
    }
    const pgPort = int('PGPORT', 5432, 1, 65535);
    database = {
      host: env.PGHOST,
      port: pgPort,
      user: env.PGUSER,
      password: env.PGPASSWORD,
      database: env.PGDATABASE,
      ssl,
    };
    databaseSummary = { host: env.PGHOST ?? '', port: pgPort, database: env.PGDATABASE ?? '' };
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host: present(env, 'HOST') ?? '0.0.0.0',
    logLevel,
    shutdownDrainSeconds,
    readyTimeoutMs,
    database: { ...database, max: poolMax, connectionTimeoutMillis: 5000, application_name: 'sample-service' },
    databaseSummary,
    commitSha: present(env, 'COMMIT_SHA') ?? 'unknown',
    buildTime: present(env, 'BUILD_TIME') ?? 'unknown',
  };
}

/**
 * The pool's `ssl` option for a mode. With `PGSSLROOTCERT` the file's certificates (the RDS bundle)
 * are the only trusted CAs; without it Node's defaults (plus `NODE_EXTRA_CA_CERTS`) are.
 */
function tlsOptions(mode: SslMode, caPath: string | undefined, problems: string[]): false | ConnectionOptions {
  const verifies = mode === 'verify-ca' || mode === 'verify-full';
  if (caPath !== undefined && !verifies) {
    problems.push(`PGSSLROOTCERT is only used with PGSSLMODE verify-ca or verify-full (got "${mode}")`);
    return mode === 'disable' ? false : { rejectUnauthorized: false };
  }
  if (mode === 'disable') return false;
  if (!verifies) return { rejectUnauthorized: false };
  const options: ConnectionOptions = { rejectUnauthorized: true };
  if (caPath !== undefined) {
    let ca: string | undefined;
    try {
      ca = readFileSync(caPath, 'utf8');
    } catch (error) {
      problems.push(`PGSSLROOTCERT: cannot read "${caPath}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (ca !== undefined && !ca.includes('-----BEGIN CERTIFICATE-----')) {
      problems.push(`PGSSLROOTCERT: "${caPath}" holds no PEM certificate`);
    } else if (ca !== undefined) {
      options.ca = ca;
    }
  }
  // verify-ca trusts any host name the chain vouches for, like libpq.
  if (mode === 'verify-ca') options.checkServerIdentity = () => undefined;
  return options;
}

/** An unset and an empty variable mean the same: use the default. */
function present(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
