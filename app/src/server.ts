import { constants } from 'node:os';
import { ConfigError } from './config';
import { type RunningServer, startServer } from './start-server';

/**
 * Process entry point. The signal handlers come first: a pod deleted while it migrates (or waits
 * for another pod's migration lock) must stop at once, not sit out the grace period until SIGKILL.
 * - signal after start: the shutdown sequence, then exit 0;
 * - signal during start: exit 128 + signal number (143 for SIGTERM) without waiting. Closing the
 *   process closes its database connections, and PostgreSQL rolls back their open transaction;
 * - failed start: exit 1.
 */
let server: RunningServer | undefined;

/** One JSON line shaped like pino's, for the moments when no logger exists. */
function logLine(level: number, msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ level, time: Date.now(), msg, ...fields })}\n`);
}

function onSignal(signal: NodeJS.Signals): void {
  if (server === undefined) {
    logLine(40, 'signal received during startup: exiting without serving', { signal });
    process.exit(128 + constants.signals[signal]);
  }
  const running = server;
  running.app.log.info({ signal }, 'signal received');
  running.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      running.app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
}

process.once('SIGTERM', onSignal);
process.once('SIGINT', onSignal);

startServer(process.env).then(
  (started) => {
    server = started;
  },
  (error: unknown) => {
    // No logger exists yet when the configuration is bad.
    const problems = error instanceof ConfigError ? error.problems : undefined;
    logLine(60, error instanceof Error ? error.message : String(error), { problems });
    process.exit(1);
  },
);
