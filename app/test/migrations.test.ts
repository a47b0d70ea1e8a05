import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { type Migration, MigrationChecksumMismatch, readMigrations, runMigrations } from '../src/migrations';
import { createDatabase, describeWithPostgres, sharedServer } from './support/postgres';

describeWithPostgres('migrations against PostgreSQL', () => {
  let pool: Pool;
  let drop: () => Promise<void>;
  let migrations: Migration[];

  beforeEach(async () => {
    const server = sharedServer();
    if (server === undefined) throw new Error('no server');
    const db = await createDatabase(server, 'migr');
    drop = db.drop;
    pool = new Pool({ ...db.config, max: 5 });
    migrations = await readMigrations();
  });

  afterEach(async () => {
    await pool.end();
    await drop();
  });

  const tables = async () =>
    (
      await pool.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      )
    ).rows.map((r) => r.tablename);

  it('reads the shipped SQL files in order', () => {
    expect(migrations.map((m) => m.version)).toEqual(['0001_create_items', '0002_index_items_created_at']);
    expect(migrations.every((m) => /^[0-9a-f]{64}$/.test(m.checksum))).toBe(true);
  });

  it('applies every migration once and records it', async () => {
    expect(await runMigrations(pool, migrations)).toEqual(['0001_create_items', '0002_index_items_created_at']);
    expect(await tables()).toEqual(['items', 'schema_migrations']);
    const recorded = await pool.query('SELECT version, checksum FROM schema_migrations ORDER BY version');
    expect(recorded.rows).toEqual(migrations.map((m) => ({ version: m.version, checksum: m.checksum })));
  });

  it('is idempotent: a second run applies nothing and keeps the data', async () => {
    await runMigrations(pool, migrations);
    await pool.query("INSERT INTO items (name) VALUES ('kept')");
    expect(await runMigrations(pool, migrations)).toEqual([]);
    expect((await pool.query('SELECT name FROM items')).rows).toEqual([{ name: 'kept' }]);
  });

  it('lets several pods start at once: the advisory lock makes exactly one of them migrate', async () => {
    const runs = await Promise.all([1, 2, 3, 4].map(() => runMigrations(pool, migrations)));
    expect(runs.flat().sort()).toEqual(['0001_create_items', '0002_index_items_created_at']);
    expect(runs.filter((applied) => applied.length > 0)).toHaveLength(1);
    expect((await pool.query('SELECT count(*)::int AS n FROM schema_migrations')).rows[0]).toEqual({ n: 2 });
  });

  it('applies only the new migration when one is added', async () => {
    await runMigrations(pool, migrations);
    const extra: Migration = { version: '0003_add_sku', sql: 'ALTER TABLE items ADD COLUMN sku TEXT', checksum: 'c3' };
    expect(await runMigrations(pool, [...migrations, extra])).toEqual(['0003_add_sku']);
  });

  it('rolls everything back when one migration fails', async () => {
    const broken: Migration = { version: '0003_broken', sql: 'ALTER TABLE nowhere ADD COLUMN x INT', checksum: 'b' };
    await expect(runMigrations(pool, [...migrations, broken])).rejects.toThrow('relation "nowhere" does not exist');
    expect(await tables()).toEqual([]);
    // The failure released its connection: the pool can still migrate.
    expect(await runMigrations(pool, migrations)).toHaveLength(2);
  });

  it('refuses to run when an applied migration was edited', async () => {
    await runMigrations(pool, migrations);
    const [first, ...rest] = migrations;
    if (first === undefined) throw new Error('no migrations');
    const edited = { ...first, checksum: 'edited' };
    const run = runMigrations(pool, [edited, ...rest]);
    await expect(run).rejects.toBeInstanceOf(MigrationChecksumMismatch);
    await expect(runMigrations(pool, [edited, ...rest])).rejects.toThrow(
      'migration 0001_create_items was changed after it was applied; add a new migration instead',
    );
  });

  it('ignores files that are not NNNN_name.sql', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    try {
      writeFileSync(join(dir, '0002_b.sql'), 'SELECT 2');
      writeFileSync(join(dir, '0001_a.sql'), 'SELECT 1');
      writeFileSync(join(dir, 'README.md'), '# notes');
      writeFileSync(join(dir, '3_c.sql'), 'SELECT 3');
      expect((await readMigrations(dir)).map((m) => m.version)).toEqual(['0001_a', '0002_b']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
