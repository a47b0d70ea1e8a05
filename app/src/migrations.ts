import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from 'pg';

/** Where the SQL files live, next to `src/` and `dist/` alike. */
export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

/**
 * Any fixed 64-bit key works; all pods of the service must use the same one so only one of them
 * migrates at a time while the others wait.
 */
export const ADVISORY_LOCK_KEY = 7_361_024_117;

/** One `NNNN_name.sql` file. */
export interface Migration {
  readonly version: string;
  readonly sql: string;
  readonly checksum: string;
}

/** An applied migration's file was edited afterwards: a new file is the only safe change. */
export class MigrationChecksumMismatch extends Error {
  override readonly name = 'MigrationChecksumMismatch';
  constructor(readonly version: string) {
    super(`migration ${version} was changed after it was applied; add a new migration instead`);
  }
}

/** Reads `NNNN_*.sql` files in name order. */
export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(join(dir, file), 'utf8');
      return { version: file.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, all in one transaction under a
 * transaction-scoped advisory lock: pods starting together queue up, and the later ones find
 * nothing left to do. Returns the versions this call applied.
 */
export async function runMigrations(pool: Pool, migrations: readonly Migration[]): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    TEXT PRIMARY KEY,
      checksum   TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: string; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations',
    );
    const applied = new Map(rows.map((r) => [r.version, r.checksum]));
    const done: string[] = [];
    for (const migration of migrations) {
      const checksum = applied.get(migration.version);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) throw new MigrationChecksumMismatch(migration.version);
        continue;
      }
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)', [
        migration.version,
        migration.checksum,
      ]);
      done.push(migration.version);
    }
    await client.query('COMMIT');
    return done;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
