import type { Logger } from '@aws-lambda-powertools/logger';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { BAKE_WINDOW_MARGIN_SECONDS, type VerifyResult, verifyRequestSchema } from '../../lib/contracts/rollback';
import { formatIssues } from '../../lib/contracts/validation-issues';
import { AlarmDuringBake, InvalidVerifyRequest, VerificationFailed, VersionMismatch } from './errors';
import { readAlarmEntries } from './read-alarm-history';
import { readAlarmStates } from './read-alarms';
import type { VersionReading } from './read-version';

export interface VerifyDeps {
  readonly cloudwatch: Pick<CloudWatchClient, 'send'>;
  /** Reads `/version` at a URL (`readVersion` with its timeout). */
  readonly readVersion: (url: string) => Promise<VersionReading>;
  readonly now: () => Date;
  readonly logger: Pick<Logger, 'info'>;
}

/** Longest CloudWatch reason or reported commit repeated in an error message. */
const MAX_QUOTED = 300;
const clip = (text: string) => (text.length <= MAX_QUOTED ? text : `${text.slice(0, MAX_QUOTED)}...`);

/**
 * `VerifyDeployment`: the one check after the bake (`HelmDeploy -> WaitBake -> VerifyDeployment`),
 * over the whole window: `since`, or the bake itself (`deploy.bakeSeconds` plus a margin back from
 * now) when the workflow leaves `since` out. Never sleeps; the workflow's `Wait` is the bake.
 *
 * 1. Alarms (`deploy.alarms`): each must exist (DescribeAlarms), none may be in ALARM now, and none
 *    may have entered ALARM since `since` (DescribeAlarmHistory, StateUpdate items): an alarm that
 *    fired and cleared inside the window fails the deploy as well.
 * 2. Version: with `deploy.versionUrl` the Lambda reads it (its timeout is the caller's) and it must
 *    report `commit`; without, the deploy build's in-cluster reading (`deployedCommit`) must be
 *    `commit`; with neither, the version is not checked.
 *
 * @returns {@link VerifyResult} when everything passed.
 * @throws {@link AlarmDuringBake} naming each alarm in ALARM now or since `since`, with CloudWatch's reason.
 * @throws {@link VersionMismatch} with the expected and the reported commit.
 * @throws {@link VerificationFailed} when a watched alarm does not exist or `versionUrl` did not answer.
 * @throws {@link InvalidVerifyRequest} for input that is not this shape, naming each bad field.
 */
export async function handleVerify(event: unknown, deps: VerifyDeps): Promise<VerifyResult> {
  const parsed = verifyRequestSchema.safeParse(event, { reportInput: true });
  if (!parsed.success) {
    throw new InvalidVerifyRequest(`VerifyDeployment input: ${formatIssues(parsed.error.issues).join('; ')}`);
  }
  const request = parsed.data;
  const { deploy } = request;
  const now = deps.now();
  const since =
    request.since === undefined
      ? new Date(now.getTime() - (deploy.bakeSeconds + BAKE_WINDOW_MARGIN_SECONDS) * 1000)
      : new Date(request.since);
  const where = `${request.service} in ${request.environment} (window ${since.toISOString()} to ${now.toISOString()})`;
  const expected = request.commit;

  // (a) Alarms: every one must exist; none in ALARM now; none entered ALARM in the window.
  const { alarms, missing } = await readAlarmStates(deps.cloudwatch, deploy.alarms);
  if (missing.length > 0) {
    throw new VerificationFailed(
      `Cannot check ${where}: no CloudWatch alarm named ${missing.map((n) => `"${n}"`).join(', ')} in this account and Region (environments[].deploy.alarms).`,
    );
  }
  const inAlarm = alarms.filter((a) => a.state === 'ALARM');
  const fired =
    since.getTime() <= now.getTime() ? await readAlarmEntries(deps.cloudwatch, deploy.alarms, since, now) : [];
  if (inAlarm.length > 0 || fired.length > 0) {
    const parts = [
      ...inAlarm.map((a) => `${a.name} is in ALARM (${clip(a.reason)})`),
      ...fired.map((e) => `${e.name} entered ALARM at ${e.at} (${clip(e.reason)})`),
    ];
    throw new AlarmDuringBake(`Alarm(s) during the bake of ${where}: ${parts.join('; ')}`);
  }

  // (b) Version.
  let version: VerifyResult['version'] = { expected, source: 'none' };
  if (deploy.versionUrl !== undefined) {
    const reading = await deps.readVersion(deploy.versionUrl);
    if (reading.kind !== 'answered') {
      throw new VerificationFailed(`Cannot read the version of ${where}: ${clip(reading.detail)}`);
    }
    if (reading.commit.toLowerCase() !== expected) {
      throw new VersionMismatch(
        `${deploy.versionUrl} reported commit ${clip(reading.commit)} for ${where}, expected ${expected}.`,
      );
    }
    version = { expected, actual: reading.commit, source: 'version-url' };
  } else {
    const fromBuild = request.deployedCommit;
    if (fromBuild !== undefined) {
      if (fromBuild.trim().toLowerCase() !== expected) {
        throw new VersionMismatch(
          `/version inside the cluster reported commit ${clip(fromBuild)} for ${where}, expected ${expected} (read by the deploy build).`,
        );
      }
      version = { expected, actual: fromBuild, source: 'deploy-build' };
    }
  }

  const result: VerifyResult = {
    verified: true,
    since: since.toISOString(),
    checkedAt: now.toISOString(),
    alarms: alarms.map(({ name, state }) => ({ name, state })),
    version,
  };
  deps.logger.info('deployment verified', {
    serviceName: request.service,
    environment: request.environment,
    since: result.since,
    alarms: result.alarms.length,
    version: result.version,
  });
  return result;
}
