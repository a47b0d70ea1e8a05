import type { FastifyInstance } from 'fastify';
import { Pool } from 'pg';
import { buildApp } from '../src/app';
import { readMigrations, runMigrations } from '../src/migrations';
import { createDatabase, describeWithPostgres, sharedServer } from './support/postgres';

describeWithPostgres('items resource against PostgreSQL', () => {
  let pool: Pool;
  let app: FastifyInstance;
  let drop: () => Promise<void>;
  const logs: string[] = [];

  beforeAll(async () => {
    const server = sharedServer();
    if (server === undefined) throw new Error('no server');
    const db = await createDatabase(server, 'items');
    drop = db.drop;
    pool = new Pool(db.config);
    await runMigrations(pool, await readMigrations());
    app = buildApp({
      pool,
      build: { commitSha: 'a'.repeat(40), buildTime: '2025-06-01T12:00:00Z' },
      logStream: { write: (line: string) => logs.push(line) } as unknown as NodeJS.WritableStream,
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await pool.end();
    await drop();
  });

  it('creates an item (201 + Location) and reads it back by id and in the list', async () => {
    const created = await app.inject({ method: 'POST', url: '/items', payload: { name: 'bolt', quantity: 12 } });
    expect(created.statusCode).toBe(201);
    const item = created.json();
    expect(item).toEqual({ id: expect.any(Number), name: 'bolt', quantity: 12, createdAt: expect.any(String) });
    expect(created.headers.location).toBe(`/items/${item.id}`);
    expect(Number.isNaN(Date.parse(item.createdAt))).toBe(false);

    const one = await app.inject({ method: 'GET', url: `/items/${item.id}` });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(item);

    const stored = await pool.query('SELECT name, quantity FROM items WHERE id = $1', [item.id]);
    expect(stored.rows).toEqual([{ name: 'bolt', quantity: 12 }]);
  });

  it('defaults quantity to 0 and lists newest first, honouring limit', async () => {
    for (const name of ['first', 'second', 'third']) {
      expect((await app.inject({ method: 'POST', url: '/items', payload: { name } })).statusCode).toBe(201);
    }
    const list = await app.inject({ method: 'GET', url: '/items?limit=2' });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((i: { name: string; quantity: number }) => [i.name, i.quantity])).toEqual([
      ['third', 0],
      ['second', 0],
    ]);
  });

  it('answers 404 for an unknown id', async () => {
    const response = await app.inject({ method: 'GET', url: '/items/999999' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: 'Not Found' });
  });

  it.each([
    ['no name', { quantity: 1 }, "body must have required property 'name'"],
    ['empty name', { name: '' }, 'body/name must NOT have fewer than 1 characters'],
    ['blank name', { name: '   ' }, 'body/name must match pattern'],
    ['name too long', { name: 'x'.repeat(101) }, 'body/name must NOT have more than 100 characters'],
    ['negative quantity', { name: 'a', quantity: -1 }, 'body/quantity must be >= 0'],
    ['fractional quantity', { name: 'a', quantity: 1.5 }, 'body/quantity must be integer'],
    ['unknown field', { name: 'a', colour: 'red' }, 'body must NOT have additional properties'],
    ['array body', [{ name: 'a' }], 'body must be object'],
  ])('rejects a body with %s (400 naming the field)', async (_case, payload, message) => {
    const before = (await pool.query('SELECT count(*)::int AS n FROM items')).rows[0];
    const response = await app.inject({ method: 'POST', url: '/items', payload });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'FST_ERR_VALIDATION' });
    expect(response.json().message).toContain(message);
    expect((await pool.query('SELECT count(*)::int AS n FROM items')).rows[0]).toEqual(before);
  });

  it('rejects malformed JSON (400) and other content types (415)', async () => {
    const badJson = await app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(badJson.statusCode).toBe(400);
    const text = await app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'application/xml' },
      payload: '<item name="a"/>',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ error: 'Unsupported Media Type' });
  });

  it('rejects an out-of-range limit and a non-numeric id', async () => {
    expect((await app.inject({ method: 'GET', url: '/items?limit=0' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/items?limit=101' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/items/abc' })).statusCode).toBe(400);
  });

  it('hides database errors behind a generic 500 and logs them', async () => {
    const client = await pool.connect();
    try {
      // Lose the table inside a transaction the test rolls back, so later tests still have it.
      await client.query('BEGIN');
      await client.query('LOCK TABLE items IN ACCESS EXCLUSIVE MODE');
      const blocked = new Pool({ ...pool.options, statement_timeout: 200 });
      const errors: string[] = [];
      const isolated = buildApp({
        pool: blocked,
        build: { commitSha: 'x', buildTime: 'y' },
        logStream: { write: (line: string) => errors.push(line) } as unknown as NodeJS.WritableStream,
      });
      const response = await isolated.inject({ method: 'GET', url: '/items' });
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
      const failure = errors.map((l) => JSON.parse(l)).find((l) => l.msg === 'request failed');
      expect(failure).toMatchObject({ level: 50, err: { message: 'canceling statement due to statement timeout' } });
      await isolated.close();
      await blocked.end();
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('serves /version from the build info', async () => {
    const response = await app.inject({ method: 'GET', url: '/version' });
    expect(response.json()).toEqual({
      commitSha: 'a'.repeat(40),
      buildTime: '2025-06-01T12:00:00Z',
      node: process.version,
    });
  });

  it('exposes Prometheus metrics: request histogram by route template and the items counter', async () => {
    const created = (await pool.query('SELECT count(*)::int AS n FROM items')).rows[0].n;
    await app.inject({ method: 'GET', url: '/items/1' });
    await app.inject({ method: 'GET', url: '/items/2' });
    await app.inject({ method: 'GET', url: '/no-such-route' });
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    const body = response.body;
    expect(body).toContain('# TYPE http_request_duration_seconds histogram');
    // Both ids fall under one route template: bounded label cardinality.
    const count = /http_request_duration_seconds_count\{method="GET",route="\/items\/:id",status_code="(\d+)"\} (\d+)/g;
    const perStatus = [...body.matchAll(count)].map((m) => [m[1], Number(m[2])]);
    expect(perStatus.reduce((sum, [, n]) => sum + Number(n), 0)).toBeGreaterThanOrEqual(3);
    expect(body).toContain('route="unmatched",status_code="404"');
    expect(body).toContain(`items_created_total ${created}`);
    expect(body).toContain('process_cpu_user_seconds_total');
  });

  it('writes one JSON log line per business request, none for probes', async () => {
    logs.length = 0;
    await app.inject({ method: 'GET', url: '/health' });
    await app.inject({ method: 'GET', url: '/items?limit=1' });
    const lines = logs.map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
    expect(lines[0]).toMatchObject({ level: 30, req: { method: 'GET', url: '/items?limit=1' } });
    expect(lines[1]).toMatchObject({ level: 30, res: { statusCode: 200 }, responseTime: expect.any(Number) });
  });
});
