import type { Logger } from '@aws-lambda-powertools/logger';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { decideGate } from '../shared/scan/decide-gate';
import { fetchScan } from '../shared/scan/fetch-scan';
import { parseGateInput, registrationInputSchema } from '../shared/scan/gate-input';
import { type SettleResult, settleToken } from '../shared/scan/settle-token';
import { type TokenRecord, type TokenStore, tokenIdOf } from '../shared/scan/token-store';

export interface RegistrationDeps {
  readonly store: TokenStore;
  readonly sfn: SFNClient;
  readonly ecr: ECRClient;
  /** Region of the registry (the function's own), for the console link. */
  readonly region?: string;
  /** How long a stored token lives before DynamoDB TTL may delete it, in seconds. */
  readonly tokenTtlSeconds: number;
  readonly now: () => Date;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

/** What the registration did; the `.waitForTaskToken` task ignores it, logs and tests read it. */
export interface RegistrationResult extends SettleResult {
  readonly registered: true;
  readonly repository: string;
  readonly digest: string;
}

/**
 * Token registration, the `WaitForScan` task (`arn:aws:states:::lambda:invoke.waitForTaskToken`).
 *
 * Input (`Payload`): `{ taskToken, repository, digest, policy, scanType }`
 * - `taskToken`: `$$.Task.Token`.
 * - `repository`: ECR repository name, or its URI without a tag (then `registryId` comes from it).
 * - `digest`: `sha256:<64 hex>` of the pushed image.
 * - `policy`: the environment's scan policy (`ScanPolicyInput`; defaults filled here).
 * - `scanType`: `basic` | `enhanced`.
 *
 * Order: the token is stored first (keyed by repository and digest, with TTL), then the scan is read;
 * if it is already final the decision is made at once and the token claimed and answered, else the
 * scan event (or the polling fallback) answers later. Storing first means an event arriving between
 * the two steps still finds the token; the claim makes sure only one of them answers.
 *
 * Output of the task (sent by whoever settles the token): `SendTaskSuccess` with
 * `{ done: true, summary: ScanGateSummary }`, or `SendTaskFailure` with error
 * `ScanFindingsAboveThreshold` | `ScanNotUsable` and cause = JSON `ScanGateFailure`.
 *
 * @returns what happened (`outcome`: `passed`, `failed`, `waiting`, ...), for logs and tests.
 * @throws InvalidScanGateInput on bad input (the task fails with that error name); DynamoDB, ECR or
 * Step Functions errors other than a dead token.
 */
export async function handleRegistration(input: unknown, deps: RegistrationDeps): Promise<RegistrationResult> {
  const { taskToken, repository, digest, policy, scanType } = parseGateInput(
    registrationInputSchema,
    input,
    'WaitForScan registration',
  );
  const now = deps.now();
  const record: TokenRecord = {
    tokenId: tokenIdOf(taskToken),
    taskToken,
    repository: repository.repository,
    digest,
    ...(repository.registryId === undefined ? {} : { registryId: repository.registryId }),
    scanType,
    policy,
    registeredAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + deps.tokenTtlSeconds,
  };
  await deps.store.put(record);

  const read = await fetchScan(deps.ecr, {
    repository: record.repository,
    digest,
    ...(record.registryId === undefined ? {} : { registryId: record.registryId }),
  });
  const decision = decideGate(
    read,
    { image: { scanType, repository: record.repository, digest }, policy },
    { source: 'registration', now, inspectorScanEvent: false, ...(deps.region ? { region: deps.region } : {}) },
  );
  const result = await settleToken(record, decision, deps);
  deps.logger.info('scan wait registered', {
    repository: record.repository,
    digest,
    scanType,
    tokenId: result.tokenId,
    outcome: result.outcome,
    status: result.status,
    reason: result.reason,
  });
  return { registered: true, repository: record.repository, digest, ...result };
}
