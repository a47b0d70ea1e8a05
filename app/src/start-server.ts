import type { FastifyInstance } from 'fastify';
import { Pool } from 'pg';
import { buildApp } from './app';
import { loadConfig } from './config';
import { Lifecycle } from './lifecycle';
import { readMigrations, runMigrations } from './migrations';
import { shutdown } from './shutdown';

/** A started service: listening, migrated, with its shutdown sequence ready to run. */
export interface RunningServer {
  readonly app: FastifyInstance;
  readonly pool: Pool;
  readonly lifecycle: Lifecycle;
  /** `http://host:port` the server listens on. */
  readonly url: string;
  /** Runs the shutdown sequence once; later calls return the same promise. */
  stop(): Promise<void>;
}

/** Options for tests; the process entry point passes none. */
export interface StartOptions {
  readonly logStream?: NodeJS.WritableStream;
}

/** Validates the environment, migrates the database, then listens. */
export async function startServer(env: NodeJS.ProcessEnv, options: StartOptions = {}): Promise<RunningServer> {
  const config = loadConfig(env);
  const lifecycle = new Lifecycle();
  const pool = new Pool(config.database);
  const running = buildApp({
    pool,
    lifecycle,
    build: { commitSha: config.commitSha, buildTime: config.buildTime },
    logLevel: config.logLevel,
    readyTimeoutMs: config.readyTimeoutMs,
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });
  // An idle client emits 'error' when the database goes away; unhandled, that would kill the
  // process instead of letting /ready report the outage.
  pool.on('error', (error) => running.log.warn({ err: error }, 'idle database connection failed'));
  running.log.info(
    { port: config.port, database: config.databaseSummary, commitSha: config.commitSha },
    'starting sample-service',
  );
  try {
    const applied = await runMigrations(pool, await readMigrations());
    running.log.info({ applied }, applied.length > 0 ? 'migrations applied' : 'schema up to date');
    await running.listen({ port: config.port, host: config.host });
  } catch (error) {
    await running.close();
    await pool.end();
    throw error;
  }
  const address = running.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  let stopping: Promise<void> | undefined;
  return {
    app: running,
    pool,
    lifecycle,
    url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`,
    stop: () => {
      stopping ??= shutdown({ app: running, pool, lifecycle, drainSeconds: config.shutdownDrainSeconds });
      return stopping;
    },
  };
}
