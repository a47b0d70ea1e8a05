import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeployConfigInput } from '../../lib/contracts/deploy-settings';
import type { PipelineConfig, PipelineConfigInput } from '../../lib/contracts/pipeline-config';
import { validateConfig } from '../../lib/contracts/validate-config';

export const COMMIT = '0123456789abcdef0123456789abcdef01234567';
export const OLD_COMMIT = 'fedcba9876543210fedcba9876543210fedcba98';

/** One service, `orders`, with the given environments' deploy settings. */
export function configWith(deploys: Record<string, DeployConfigInput | undefined>): PipelineConfig {
  const input: PipelineConfigInput = {
    services: [
      {
        name: 'orders',
        repository: { provider: 'github', name: 'example-org/orders' },
        helm: { chart: 'app/chart', release: 'orders', namespace: 'orders' },
        ecrRepository: 'orders',
        environments: Object.entries(deploys).map(([name, deploy]) => ({
          name,
          branch: name === 'prod' ? 'main' : name,
          eksCluster: `${name}-eks`,
          terraformDir: `terraform/environments/${name}`,
          ...(deploy === undefined ? {} : { deploy }),
        })),
      },
    ],
  };
  return validateConfig(input);
}

/** A local HTTP server answering each request with the next scripted handler (the last one repeats). */
export interface ScriptedServer {
  readonly url: string;
  readonly requests: string[];
  script(...handlers: Array<(req: IncomingMessage, res: ServerResponse) => void>): void;
  close(): Promise<void>;
}

export async function startScriptedServer(): Promise<ScriptedServer> {
  let handlers: Array<(req: IncomingMessage, res: ServerResponse) => void> = [];
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const handler = handlers.length > 1 ? handlers.shift() : handlers[0];
    if (handler) handler(req, res);
    else res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(...next) {
      handlers = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers like the app's `/version` (`app/src/routes/version.ts`). */
export const versionAnswer =
  (commitSha: string) =>
  (_req: IncomingMessage, res: ServerResponse): void => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ commitSha, buildTime: '2026-11-29T19:00:00Z', node: 'v22.12.0' }));
  };
