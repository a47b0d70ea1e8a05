import { ConfigError } from './config';
import { startServer } from './start-server';

/** Process entry point: start, then run the shutdown sequence on SIGTERM (Kubernetes) or SIGINT (Ctrl-C). */
startServer(process.env).then(
  (server) => {
    const onSignal = (signal: NodeJS.Signals) => {
      server.app.log.info({ signal }, 'signal received');
      server.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          server.app.log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  },
  (error: unknown) => {
    // No logger exists yet when the configuration is bad: write one JSON line like pino would.
    const problems = error instanceof ConfigError ? error.problems : undefined;
    const msg = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${JSON.stringify({ level: 60, time: Date.now(), msg, problems })}\n`);
    process.exit(1);
  },
);
