import { execFile, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * Whether initdb/pg_ctl are on the PATH. Missing binaries skip the suites on a laptop; with
 * `CI=true` they are an error, so CI can never go green by skipping.
 */
export function hasPostgres(): boolean {
  const found = ['initdb', 'pg_ctl'].every((cmd) => {
    const probe = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
    return probe.error === undefined && probe.status === 0;
  });
  if (!found && process.env.CI === 'true') {
    throw new Error('PostgreSQL binaries (initdb, pg_ctl) are required when CI=true');
  }
  return found;
}

/** initdb refuses to run as root, so as root the cluster belongs to the `postgres` user. */
function asClusterOwner(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

async function pgTool(command: string, args: string[]): Promise<void> {
  const [cmd, argv] = asClusterOwner(command, args);
  await run(cmd, argv, { timeout: 60_000 });
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

/** initdb + pg_ctl start in a fresh temp directory; durability is off because the data is thrown away. */
export async function startPostgres(): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sample-service-pg-'));
  if (process.getuid?.() === 0) {
    const owner = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const uid = Number(owner.stdout.trim());
    if (owner.status !== 0 || Number.isNaN(uid)) throw new Error('running as root needs a `postgres` user for initdb');
    chownSync(dir, uid, uid);
  }
  const dataDir = join(dir, 'data');
  await pgTool('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const options = `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  await pgTool('pg_ctl', ['-D', dataDir, '-l', join(dir, 'postgres.log'), '-o', options, '-w', '-t', '30', 'start']);
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pgTool('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
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
  (ready ? describe : describe.skip)(`${name}${ready ? '' : ' (skipped: needs PostgreSQL binaries)'}`, body);
}
