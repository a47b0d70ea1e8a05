import { createServer, type Server, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Pool } from 'pg';
import { buildApp } from '../src/app';
import { Lifecycle } from '../src/lifecycle';
import { describeWithPostgres, type PostgresServer, startPostgres } from './support/postgres';

// This suite stops its database, so it runs its own cluster instead of the shared one.
describeWithPostgres('/health and /ready against a PostgreSQL that goes away', () => {
  let postgres: PostgresServer;
  let pool: Pool;
  let app: FastifyInstance;
  const lifecycle = new Lifecycle();

  beforeAll(async () => {
    postgres = await startPostgres();
    pool = new Pool({ host: postgres.host, port: postgres.port, user: 'postgres', database: 'postgres' });
    pool.on('error', () => undefined);
    app = buildApp({ pool, lifecycle, build: { commitSha: 'x', buildTime: 'y' }, logLevel: 'silent' });
  });

  afterAll(async () => {
    await app.close();
    await pool.end();
    await postgres.stop();
  });

  it('is ready while the database answers', async () => {
    const response = await app.inject({ method: 'GET', url: '/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready' });
  });

  it('turns unready with a JSON reason when the database stops, while /health stays 200', async () => {
    await postgres.stop();
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'unready', reason: expect.stringMatching(/^database unavailable: /) });
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
  });

  it('answers 503 "shutting down" once shutdown began, whatever the database says', async () => {
    lifecycle.beginShutdown();
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'unready', reason: 'shutting down' });
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});

describe('/ready against a database that accepts connections but never answers', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let pool: Pool;
  let app: FastifyInstance;

  beforeAll(async () => {
    // A TCP listener that never speaks: the pg handshake hangs, as with a wedged database or a black-holed route.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    pool = new Pool({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 5000 });
    pool.on('error', () => undefined);
    app = buildApp({ pool, build: { commitSha: 'x', buildTime: 'y' }, logLevel: 'silent', readyTimeoutMs: 200 });
  });

  afterAll(async () => {
    await app.close();
    // Hanging up fails the pending connect at once instead of after connectionTimeoutMillis.
    for (const socket of sockets) socket.destroy();
    silent.close();
    await pool.end().catch(() => undefined);
  });

  it('gives up after the readiness timeout instead of hanging the probe', async () => {
    const started = Date.now();
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    const elapsed = Date.now() - started;
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'unready', reason: 'database did not answer within 200 ms' });
    expect(elapsed).toBeGreaterThanOrEqual(190);
    // Below the pool's 5 s connectionTimeoutMillis, the slower path it must not take.
    expect(elapsed).toBeLessThan(4000);
  });
});
