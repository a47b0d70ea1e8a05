import type { Pool } from 'pg';

/** The reason the database is not usable right now, or undefined when `SELECT 1` answers in time. */
export async function checkDatabase(pool: Pool, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`database did not answer within ${timeoutMs} ms`), timeoutMs);
  });
  const probe = pool.query('SELECT 1').then(
    () => undefined,
    (error: Error) => `database unavailable: ${error.message || error.name}`,
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
