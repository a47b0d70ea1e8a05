import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A `moto_server` on 127.0.0.1 for one test suite. */
export interface MotoServer {
  readonly endpoint: string;
  /** Client configuration for AWS SDK v3 clients pointed at this server. */
  readonly clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    forcePathStyle: boolean;
  };
  /** Wipes every resource (moto's reset API) so tests do not see each other's state. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * How long `moto_server` may take to answer after it is spawned. It took 1.6-2.6 s with the machine's
 * load average at 9 and 3.2-4.4 s at 10 with two extra busy loops (2 cores); 40 s is about ten
 * times that, and stays under jest's 60 s hook timeout so a hang fails with this module's message.
 */
export const MOTO_START_TIMEOUT_MS = 40_000;

async function waitUntilUp(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited early with code ${child.exitCode}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms`);
}

/**
 * moto's server app as `moto_server` runs it, but answering one request at a time. `moto_server` serves
 * each request on its own thread, and moto's `TransactWriteItems` is not atomic against other threads:
 * it copies the table first and, when a condition fails, puts the copy back, undoing writes other
 * requests made meanwhile. Real DynamoDB isolates transactions from concurrent writes ("Amazon
 * DynamoDB Transactions: How it works", isolation levels), so suites racing transactions use this.
 */
const SERIALIZED_MOTO = [
  'import sys',
  'from werkzeug.serving import run_simple',
  'from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app',
  'run_simple(sys.argv[1], int(sys.argv[2]), DomainDispatcherApplication(create_backend_app), threaded=False)',
].join('\n');

export interface MotoOptions {
  /** Serve one request at a time (see `SERIALIZED_MOTO`). @default false */
  readonly serialized?: boolean;
  /** Added to the server's environment, e.g. `MOTO_IAM_LOAD_MANAGED_POLICIES`. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Starts `moto_server` on a free loopback port and points this process's default-configured SDK
 * clients at it (`AWS_ENDPOINT_URL`, region and dummy credentials), as the Lambdas are in tests.
 */
export async function startMoto(options: MotoOptions = {}): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // process.env is jest's copy of the environment: pass it (and `options.env`) explicitly, or the
  // server would not see changes to it.
  const spawnOptions = { stdio: 'ignore' as const, env: { ...process.env, ...options.env } };
  const child = options.serialized
    ? spawn('python3', ['-c', SERIALIZED_MOTO, '127.0.0.1', String(port)], spawnOptions)
    : spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], spawnOptions);
  await waitUntilUp(endpoint, child, MOTO_START_TIMEOUT_MS);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  });
  return {
    endpoint,
    clientConfig: {
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      forcePathStyle: true,
    },
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
