import type { Logger } from '@aws-lambda-powertools/logger';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { BAKE_CHECK_INTERVAL_SECONDS, bakeCheckCount, deploySettingsOf } from '../../lib/contracts/deploy-settings';
import type { PipelineConfig } from '../../lib/contracts/pipeline-config';
import { type VerifyResult, type VersionStatus, verifyRequestSchema } from '../../lib/contracts/rollback';
import { formatIssues } from '../../lib/contracts/validation-issues';
import { AlarmDuringBake, InvalidVerifyRequest, VerificationFailed, VersionMismatch } from './errors';
import { readAlarmStates } from './read-alarms';
import type { VersionReading } from './read-version';

export interface VerifyDeps {
  readonly config: PipelineConfig;
  readonly cloudwatch: Pick<CloudWatchClient, 'send'>;
  /** Reads `/version` at a URL (`readVersion` with its timeout). */
  readonly readVersion: (url: string) => Promise<VersionReading>;
  readonly logger: Logger;
}

/** Longest CloudWatch state reason repeated in an error message. */
const MAX_REASON = 300;
const clip = (text: string) => (text.length <= MAX_REASON ? text : `${text.slice(0, MAX_REASON)}...`);

/**
 * `VerifyDeployment`: one check of the bake after Helm reported success. The workflow runs the bake
 * as a loop of this task, a Choice on `done` and a Wait of `nextWaitSeconds`; this function never
 * sleeps. The environment's `deploy` settings (bake length, alarms, `versionUrl`) come from the
 * embedded configuration.
 *
 * Each check:
 * 1. every watched alarm must exist and not be in ALARM (`INSUFFICIENT_DATA` passes);
 * 2. the version: the deploy build's reading (`deployedCommit`) must be the commit; and with a
 *    `versionUrl`, `/version` must report the commit. Until it first does, another commit or no
 *    answer only makes the check `pending` (old pods may still answer behind a load balancer while
 *    they drain); once it has, any other commit fails. On the last check, pending fails.
 *
 * @returns the progress the next check continues from; `done` on the last check when it passed.
 * @throws {@link AlarmDuringBake} naming each alarm in ALARM with CloudWatch's reason.
 * @throws {@link VersionMismatch} with the expected and the reported commit.
 * @throws {@link VerificationFailed} when an alarm does not exist or `/version` never answered.
 * @throws {@link InvalidVerifyRequest} for input that is not a check request or names no configured environment.
 */
export async function handleVerify(event: unknown, deps: VerifyDeps): Promise<VerifyResult> {
  const parsed = verifyRequestSchema.safeParse(event, { reportInput: true });
  if (!parsed.success) {
    throw new InvalidVerifyRequest(`VerifyDeployment input: ${formatIssues(parsed.error.issues).join('; ')}`);
  }
  const request = parsed.data;
  const environment = deps.config.services
    .find((s) => s.name === request.service)
    ?.environments.find((e) => e.name === request.environment);
  if (environment === undefined) {
    throw new InvalidVerifyRequest(
      `VerifyDeployment input: service "${request.service}" has no environment "${request.environment}" in the configuration`,
    );
  }
  const settings = deploySettingsOf(environment);
  const total = bakeCheckCount(settings.bakeMinutes);
  const check = (request.bake?.checksDone ?? 0) + 1;
  const last = check >= total;
  const where = `${request.service} in ${request.environment} (bake check ${Math.min(check, total)} of ${total})`;
  const expected = request.commit;

  // (a) Alarms: one in ALARM fails at once, whichever check this is.
  const { alarms, missing } = await readAlarmStates(deps.cloudwatch, settings.alarms);
  if (missing.length > 0) {
    throw new VerificationFailed(
      `Cannot watch ${where}: no CloudWatch alarm named ${missing.map((n) => `"${n}"`).join(', ')} in this account and Region (environments[].deploy.alarms).`,
    );
  }
  const inAlarm = alarms.filter((a) => a.state === 'ALARM');
  if (inAlarm.length > 0) {
    throw new AlarmDuringBake(
      `Alarm(s) in ALARM during the bake of ${where}: ${inAlarm.map((a) => `${a.name} (${clip(a.reason)})`).join('; ')}`,
    );
  }

  // (b) Version.
  let confirmed = request.bake?.versionConfirmed ?? false;
  let status: VersionStatus = 'not-checked';
  let source: VerifyResult['version']['source'] = 'none';
  let actual: string | undefined;
  let detail: string | undefined;
  const fromBuild = Array.isArray(request.deployedCommit) ? request.deployedCommit[0] : request.deployedCommit;
  if (fromBuild !== undefined) {
    if (fromBuild.toLowerCase() !== expected) {
      throw new VersionMismatch(
        `/version inside the cluster reported commit ${fromBuild} for ${where}, expected ${expected} (read by the deploy build).`,
      );
    }
    confirmed = true;
    status = 'matched';
    source = 'deploy-build';
    actual = fromBuild;
  }
  if (settings.versionUrl !== undefined) {
    source = 'version-url';
    const reading = await deps.readVersion(settings.versionUrl);
    if (reading.kind === 'answered') {
      actual = reading.commit;
      if (reading.commit.toLowerCase() === expected) {
        confirmed = true;
        status = 'matched';
      } else if (confirmed || last) {
        throw new VersionMismatch(
          `${settings.versionUrl} reported commit ${reading.commit} for ${where}, expected ${expected}` +
            (confirmed ? ' (it had reported the expected commit before: something replaced this deploy).' : '.'),
        );
      } else {
        status = 'pending';
        detail = `reported ${reading.commit}, waiting for ${expected}`;
      }
    } else if (last) {
      throw new VerificationFailed(`Cannot read the version of ${where}: ${reading.detail}`);
    } else {
      status = 'pending';
      detail = reading.detail;
    }
  }

  const result: VerifyResult = {
    healthy: status !== 'pending',
    done: last,
    checksDone: check,
    checksLeft: Math.max(0, total - check),
    nextWaitSeconds: last ? 0 : BAKE_CHECK_INTERVAL_SECONDS,
    versionConfirmed: confirmed,
    alarmsInAlarm: [],
    alarms: alarms.map(({ name, state }) => ({ name, state })),
    version: {
      expected,
      ...(actual === undefined ? {} : { actual }),
      status,
      source,
      ...(detail === undefined ? {} : { detail }),
    },
  };
  deps.logger.info('bake check', {
    serviceName: request.service,
    environment: request.environment,
    check,
    total,
    healthy: result.healthy,
    done: result.done,
    version: result.version,
  });
  return result;
}
