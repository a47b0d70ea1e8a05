import { type AddressInfo, createServer } from 'node:net';
import { Client } from 'pg';
import { type RunningServer, startServer } from '../src/start-server';
import { connectError, startPartialPost } from './support/http';
import { createDatabase, describeWithPostgres, sharedServer } from './support/postgres';

const PASSWORD = 'pw-that-must-never-be-logged';

describeWithPostgres('startServer and the SIGTERM shutdown sequence', () => {
  let env: NodeJS.ProcessEnv;
  let drop: () => Promise<void>;
  const logs: string[] = [];
  const logStream = { write: (line: string) => logs.push(line) } as unknown as NodeJS.WritableStream;

  beforeAll(async () => {
    const server = sharedServer();
    if (server === undefined) throw new Error('no server');
    const db = await createDatabase(server, 'shutdown');
    drop = db.drop;
    env = {
      PORT: '0',
      HOST: '127.0.0.1',
      PGHOST: server.host,
      PGPORT: String(server.port),
      PGUSER: 'postgres',
      // Trust auth ignores it; it is here to prove it never reaches a log line.
      PGPASSWORD: PASSWORD,
      PGDATABASE: db.name,
      LOG_LEVEL: 'debug',
      COMMIT_SHA: 'f'.repeat(40),
    };
  });

  afterAll(async () => {
    await drop();
  });

  const portOf = (server: RunningServer) => Number(new URL(server.url).port);

  it('migrates, listens, and serves the version it was built from', async () => {
    const server = await startServer(env, { logStream });
    try {
      const version = await fetch(`${server.url}/version`);
      expect(await version.json()).toMatchObject({ commitSha: 'f'.repeat(40) });
      expect((await fetch(`${server.url}/ready`)).status).toBe(200);
      const tables = await server.pool.query("SELECT to_regclass('public.items') AS t");
      expect(tables.rows[0]).toEqual({ t: 'items' });
    } finally {
      await server.stop();
    }
  });

  it('drains an in-flight request, refuses new connections, then closes the pool', async () => {
    const server = await startServer(env, { logStream });
    const port = portOf(server);
    // Headers and half a body are in: the request is in flight when shutdown begins.
    const slow = await startPartialPost(port, '/items', JSON.stringify({ name: 'in-flight', quantity: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 50));

    const stopped = server.stop();
    expect(server.stop()).toBe(stopped);
    expect(server.lifecycle.shuttingDown).toBe(true);
    expect(await connectError(port)).toBe('ECONNREFUSED');

    slow.finish();
    const response = await slow.response;
    expect(response.status).toBe(201);
    expect(response.raw).toContain('"name":"in-flight"');
    expect(response.raw).toMatch(/\r\nconnection: close\r\n/i);
    const drainStarted = Date.now();
    await stopped;
    // Done as soon as the request is: not held open until the 20 s drain deadline (half of it leaves
    // room for a busy machine without blurring the two).
    expect(Date.now() - drainStarted).toBeLessThan(10_000);
    expect(server.pool.ended).toBe(true);
  });

  it('cuts connections still busy when the drain period is over', async () => {
    const server = await startServer({ ...env, SHUTDOWN_DRAIN_SECONDS: '0' }, { logStream });
    const stuck = await startPartialPost(portOf(server), '/items', JSON.stringify({ name: 'never-finished' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.stop();
    // Drain period 0: the stuck request is cut, not waited for (it never finishes by itself).
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(stuck.response).rejects.toThrow('connection closed before a response');
    expect(logs.some((l) => l.includes('drain period over'))).toBe(true);
  });

  it('never writes the database password to the log, even in headers logged at debug level', async () => {
    const before = logs.length;
    const server = await startServer(env, { logStream });
    await fetch(`${server.url}/items`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${PASSWORD}`,
        cookie: `session=${PASSWORD}`,
      },
      body: '{"name":"x"}',
    });
    await server.stop();
    const lines = logs.slice(before).map((l) => JSON.parse(l));
    expect(lines.find((l) => l.msg === 'starting sample-service')?.database).toEqual({
      host: env.PGHOST,
      port: Number(env.PGPORT),
      database: env.PGDATABASE,
    });
    // The debug line logs the headers: the credentials in them are replaced, the rest kept.
    const headers = lines.find((l) => l.msg === 'request headers')?.headers;
    expect(headers).toMatchObject({
      authorization: '[redacted]',
      cookie: '[redacted]',
      'content-type': 'application/json',
    });
    expect(logs.join('')).not.toContain(PASSWORD);
  });

  it('fails to start, and releases everything, when the database does not exist', async () => {
    await expect(startServer({ ...env, PGDATABASE: 'no_such_db' }, { logStream })).rejects.toThrow(
      'database "no_such_db" does not exist',
    );
  });

  it('fails to start when the port is taken, and leaves no database session behind', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      // Migrations ran (the pool connected), then listen failed.
      await expect(startServer({ ...env, PORT: String(port) }, { logStream })).rejects.toThrow('EADDRINUSE');
    } finally {
      blocker.close();
    }
    const admin = new Client({ host: env.PGHOST, port: Number(env.PGPORT), user: 'postgres', database: 'postgres' });
    await admin.connect();
    try {
      // pool.end() resolves before the backends are gone; an idle client left open would stay 10 s.
      let sessions = -1;
      for (let i = 0; i < 50 && sessions !== 0; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 20));
        const { rows } = await admin.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'sample-service'",
          [env.PGDATABASE],
        );
        sessions = rows[0].n;
      }
      expect(sessions).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
