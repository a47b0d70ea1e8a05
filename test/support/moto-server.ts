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
 * Starts `moto_server` on a free loopback port (with `options.env` added to its environment) and points this process's default-configured SDK
 * clients at it (`AWS_ENDPOINT_URL`, region and dummy credentials), as the Lambdas are in tests.
 */
export async function startMoto(
  options: { readonly env?: Readonly<Record<string, string>> } = {},
): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // process.env is jest's copy of the environment: pass it (and `options.env`, e.g.
  // MOTO_IAM_LOAD_MANAGED_POLICIES) explicitly, or the server would not see changes to it.
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    env: { ...process.env, ...options.env },
  });
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
