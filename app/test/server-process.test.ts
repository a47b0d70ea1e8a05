import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client, type ClientConfig } from 'pg';
import { ADVISORY_LOCK_KEY } from '../src/migrations';
import { connectError, startPartialPost } from './support/http';
import { createDatabase, describeWithPostgres, sharedServer } from './support/postgres';

const APP_DIR = join(__dirname, '..');

/** Runs src/server.ts in its own Node process, the way the image runs dist/server.js. */
function startProcess(env: NodeJS.ProcessEnv): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: APP_DIR,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function listeningPort(output: () => string, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output());
    if (match) return Number(match[1]);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server did not start:\n${output()}`);
}

describeWithPostgres('the server process', () => {
  let env: NodeJS.ProcessEnv;
  let drop: () => Promise<void>;
  let dbConfig: ClientConfig;

  beforeAll(async () => {
    const server = sharedServer();
    if (server === undefined) throw new Error('no server');
    const db = await createDatabase(server, 'process');
    drop = db.drop;
    dbConfig = db.config;
    env = {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: `postgres://postgres:unused-password@${server.host}:${server.port}/${db.name}`,
      SHUTDOWN_DRAIN_SECONDS: '10',
    };
  });

  afterAll(async () => {
    await drop();
  });

  it('on SIGTERM finishes the in-flight request, refuses new connections and exits 0', async () => {
    const proc = startProcess(env);
    try {
      const port = await listeningPort(proc.output);
      const slow = await startPartialPost(port, '/items', JSON.stringify({ name: 'during-sigterm' }));
      await new Promise((resolve) => setTimeout(resolve, 100));

      proc.child.kill('SIGTERM');
      const deadline = Date.now() + 5000;
      while ((await connectError(port)) !== 'ECONNREFUSED' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await connectError(port)).toBe('ECONNREFUSED');

      slow.finish();
      expect((await slow.response).status).toBe(201);
      expect(await proc.exited).toBe(0);
      const lines = proc
        .output()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.msg)).toEqual(
        expect.arrayContaining([
          'signal received',
          'shutdown started: draining in-flight requests',
          'shutdown complete',
        ]),
      );
      expect(proc.output()).not.toContain('unused-password');
    } finally {
      proc.child.kill('SIGKILL');
    }
  });

  it('exits 1 with a JSON error naming the bad variable when the configuration is invalid', async () => {
    const proc = startProcess({ ...env, PORT: 'eighty', LOG_LEVEL: 'chatty' });
    expect(await proc.exited).toBe(1);
    const line = JSON.parse(proc.output().trim());
    expect(line).toMatchObject({
      level: 60,
      problems: [
        'PORT must be an integer between 0 and 65535 (got "eighty")',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "chatty")',
      ],
    });
  });

  it('on SIGTERM while startup waits for the migration lock, exits 143 at once', async () => {
    // Another "pod" holds the migration lock, so this one blocks inside startup.
    const holder = new Client(dbConfig);
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK_KEY]);
    const proc = startProcess(env);
    try {
      // Starting the process (tsx transpiles on the fly) can take many seconds on a busy machine.
      const deadline = Date.now() + 40_000;
      let waiting = 0;
      while (waiting === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const { rows } = await holder.query(
          // This suite's database only: other suites share the server and take the same lock key in theirs.
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        );
        waiting = rows[0].n;
      }
      expect(waiting).toBe(1);

      // In a container node is PID 1, where a signal without a handler is ignored: only an explicit
      // handler stops it. Here (not PID 1) the default action would kill it with no exit code.
      const signalled = Date.now();
      proc.child.kill('SIGTERM');
      // It exits while the other pod still holds the lock (released only in `finally`), so it did not
      // wait for the lock; and sooner than the drain period (SHUTDOWN_DRAIN_SECONDS=10), so it did not
      // take the serving shutdown path. No tighter bound: a busy machine may be slow to schedule it.
      expect(await proc.exited).toBe(143);
      expect(Date.now() - signalled).toBeLessThan(10_000);
      expect(proc.output()).toContain('"msg":"signal received during startup: exiting without serving"');
      expect(proc.output()).not.toContain('Server listening');
    } finally {
      proc.child.kill('SIGKILL');
      await holder.query('ROLLBACK');
      await holder.end();
    }
  }, 60_000);
});
