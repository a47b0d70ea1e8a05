import type { Logger } from '@aws-lambda-powertools/logger';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { ScanType } from '../../lib/contracts/scan-policy';
import { decideGate } from '../shared/scan/decide-gate';
import { fetchScan, type ScanRead } from '../shared/scan/fetch-scan';
import { type SettleResult, settleToken } from '../shared/scan/settle-token';
import type { TokenStore } from '../shared/scan/token-store';
import { parseScanEvent } from './scan-event';

export interface ScanEventDeps {
  readonly store: TokenStore;
  readonly sfn: SFNClient;
  readonly ecr: ECRClient;
  /** Region of the registry (the function's own), for the console link. */
  readonly region?: string;
  readonly now: () => Date;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

/** What one event did, for logs and tests. */
export interface ScanEventResult {
  /** `ignored`: no deploy waits for this image. `handled`: every waiting deploy was looked at. */
  readonly outcome: 'ignored' | 'handled';
  readonly kind: ScanType;
  readonly repository: string;
  readonly digest: string;
  readonly scanStatus: string;
  /** One entry per waiting deploy. */
  readonly tokens: readonly SettleResult[];
}

/**
 * Scan event handler, the target of EventBridge rules on `aws.ecr` "ECR Image Scan" (basic) and
 * `aws.inspector2` "Inspector2 Scan" (enhanced).
 *
 * Finds the tokens stored for the event's repository and digest; none: logs and ignores the event
 * (`outcome: 'ignored'`). Otherwise reads the scan's findings (every page, once per registry) and, for
 * each waiting deploy with its own policy and scan type, answers Step Functions: `SendTaskSuccess`
 * `{ done: true, summary }` or `SendTaskFailure` `ScanFindingsAboveThreshold` / `ScanNotUsable`, and
 * deletes the token. A scan not final yet leaves the token for the next event or the poll.
 *
 * @throws InvalidScanEvent when the event is not one of the two scan events or its detail is malformed.
 * @throws the first DynamoDB, ECR or Step Functions error (after trying every token; a failed token is
 * kept), so the asynchronous invocation is retried.
 */
export async function handleScanEvent(event: unknown, deps: ScanEventDeps): Promise<ScanEventResult> {
  const scanEvent = parseScanEvent(event);
  const { repository, digest } = scanEvent;
  const now = deps.now();
  const tokens = await deps.store.listForImage(repository, digest, Math.floor(now.getTime() / 1000));
  const base = { kind: scanEvent.kind, repository, digest, scanStatus: scanEvent.scanStatus };
  if (tokens.length === 0) {
    deps.logger.info('scan event ignored: no deploy waits for this image', base);
    return { ...base, outcome: 'ignored', tokens: [] };
  }

  const reads = new Map<string, Promise<ScanRead>>();
  const readFor = (registryId: string | undefined) => {
    const key = registryId ?? '';
    let read = reads.get(key);
    if (read === undefined) {
      read = fetchScan(deps.ecr, { repository, digest, ...(registryId === undefined ? {} : { registryId }) });
      reads.set(key, read);
    }
    return read;
  };

  const results: SettleResult[] = [];
  let firstError: unknown;
  for (const token of tokens) {
    try {
      const decision = decideGate(
        await readFor(token.registryId),
        { image: { scanType: token.scanType, repository, digest }, policy: token.policy },
        {
          source: 'event',
          now,
          inspectorScanEvent: scanEvent.kind === 'enhanced' && scanEvent.scanStatus === 'INITIAL_SCAN_COMPLETE',
          ...(deps.region ? { region: deps.region } : {}),
        },
      );
      results.push(await settleToken(token, decision, deps));
    } catch (err) {
      firstError ??= err;
      deps.logger.warn('scan event: could not settle a waiting deploy', {
        ...base,
        tokenId: token.tokenId,
        error: (err as Error).name,
        message: (err as Error).message,
      });
    }
  }
  deps.logger.info('scan event handled', {
    ...base,
    tokens: results.map((r) => ({ tokenId: r.tokenId, outcome: r.outcome, status: r.status })),
  });
  if (firstError !== undefined) throw firstError;
  return { ...base, outcome: 'handled', tokens: results };
}
