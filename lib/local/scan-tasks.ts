import { ECRClient } from '@aws-sdk/client-ecr';
import { handlePoll } from '../../lambdas/scan-poll/handle-poll';
import type { ScanGateResult } from '../contracts/scan-policy';
import { TaskFailure } from './codebuild-results';
import type { ArtifactStore } from './stage-driver';

/** What the scan tasks use of a local function's context (`ScanTaskContext` in lambda-tasks.ts). */
interface ScanTaskContext {
  readonly artifacts: ArtifactStore;
  log(line: string): void;
  now(): Date;
}

/** A local function as `LOCAL_LAMBDAS` holds it (`LocalLambda` in lambda-tasks.ts). */
interface ScanTask {
  readonly source: string;
  readonly reason: string;
  invoke(payload: unknown, ctx: ScanTaskContext): Promise<unknown>;
}

/**
 * The scan gate in local runs. There is no ECR scan here: the simulated BuildImage driver stores the
 * image's `DescribeImageScanFindings` reply in the run's artifact store, and WaitForScan and PollScan
 * judge it with the poll function's own code (`handlePoll`: the real policy on those findings).
 */

/** Where the BuildImage driver keeps an image's findings in the run's artifact store. */
export function scanFindingsKey(digest: string): string {
  return `scans/${digest}.json`;
}

/**
 * When the image's scan finishes, in epoch milliseconds as text: a driver that pushes an image may
 * store it (ECR scans from the push, so the scan runs while later stages do); WaitForScan then
 * answers no earlier. Absent: the scan is final when WaitForScan asks.
 */
export function scanReadyAtKey(digest: string): string {
  return `local/ecr/${digest}/scan-ready-at`;
}

/** Marks an image whose scan event is lost: WaitForScan times out and PollScan reads the scan. */
export function scanEventLostKey(digest: string): string {
  return `scans/${digest}.event-lost`;
}

/**
 * A completed basic scan of `digest` in the shape of ECR's reply: one LOW finding, and with `critical`
 * a CRITICAL one (CVE-2023-38545 in curl), which the default policy blocks.
 */
export function scanFindingsPage(digest: string, critical: boolean): Record<string, unknown> {
  const finding = (name: string, severity: string, pkg: string, version: string) => ({
    name,
    severity,
    uri: `https://security-tracker.debian.org/tracker/${name}`,
    attributes: [
      { key: 'package_version', value: version },
      { key: 'package_name', value: pkg },
    ],
  });
  return {
    registryId: '000000000000',
    repositoryName: 'local',
    imageId: { imageDigest: digest },
    imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
    imageScanFindings: {
      imageScanCompletedAt: '2026-01-01T00:00:00Z',
      findings: [
        ...(critical ? [finding('CVE-2023-38545', 'CRITICAL', 'curl', '7.88.1-10')] : []),
        finding('CVE-2011-3374', 'LOW', 'apt', '2.6.1'),
      ],
    },
  };
}

/** An ECR client whose `DescribeImageScanFindings` is answered from the run's artifact store. */
function storeBackedEcr(ctx: ScanTaskContext, digest: string): ECRClient {
  const ecr = new ECRClient({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  ecr.middlewareStack.add(
    () => async () => {
      const bytes = await ctx.artifacts.get(scanFindingsKey(digest));
      if (bytes === undefined) {
        throw Object.assign(new Error(`no scan of ${digest}`), { name: 'ScanNotFoundException', $metadata: {} });
      }
      return { output: { ...JSON.parse(Buffer.from(bytes).toString('utf8')), $metadata: {} }, response: {} };
    },
    { step: 'initialize', name: 'localScanFindings' },
  );
  return ecr;
}

const REASON = "policy evaluated on the scenario's findings; no ECR scan here";

async function judge(payload: unknown, ctx: ScanTaskContext): Promise<ScanGateResult> {
  const { taskToken: _token, ...input } = (payload ?? {}) as Record<string, unknown>;
  return handlePoll(input, {
    ecr: storeBackedEcr(ctx, String(input.digest ?? '')),
    now: () => ctx.now(),
    logger: {
      info: (...parts: unknown[]) =>
        ctx.log(`INFO ${parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ')}`),
    },
  });
}

/** `WaitForScan` and `PollScan` as local functions (see the module comment). */
export const LOCAL_SCAN_LAMBDAS: Readonly<Record<string, ScanTask>> = {
  WaitForScan: {
    source: 'lambdas/scan-poll/handle-poll.ts',
    reason: REASON,
    async invoke(payload, ctx) {
      const digest = String((payload as { digest?: unknown } | undefined)?.digest ?? '');
      if ((await ctx.artifacts.get(scanEventLostKey(digest))) !== undefined) {
        // What Step Functions does after HeartbeatSeconds without an answer.
        throw new TaskFailure('States.HeartbeatTimeout', 'no scan event answered the task (scenario: event lost)');
      }
      const readyAt = await ctx.artifacts.get(scanReadyAtKey(digest));
      const waitMs = readyAt === undefined ? 0 : Number(Buffer.from(readyAt).toString('utf8')) - ctx.now().getTime();
      if (waitMs > 0) {
        ctx.log(`INFO the scan is still running: the event arrives in ${waitMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
      return judge(payload, ctx);
    },
  },
  PollScan: { source: 'lambdas/scan-poll/handle-poll.ts', reason: REASON, invoke: judge },
};
