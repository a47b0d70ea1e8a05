import { hasPostgres, type PostgresServer, startPostgres } from './postgres';

/** Starts one PostgreSQL cluster for all suites; each suite creates its own database in it. */
export default async function globalSetup(): Promise<void> {
  if (!hasPostgres()) return;
  const server = await startPostgres();
  // Workers are forked after this runs, so they inherit these variables.
  process.env.TEST_PG_HOST = server.host;
  process.env.TEST_PG_PORT = String(server.port);
  (globalThis as { __postgres__?: PostgresServer }).__postgres__ = server;
}
