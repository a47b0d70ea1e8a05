import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { VerifyResult } from '../../lib/contracts/rollback';
import { logger } from '../shared/logger';
import { handleVerify } from './handle-verify';
import { readVersion } from './read-version';

/** How long one `/version` request may take (WIRING-SPEC: 5 s); the function's timeout covers it plus CloudWatch. */
export const VERSION_TIMEOUT_MS = 5_000;

const cloudwatch = new CloudWatchClient({});

/**
 * `VerifyDeployment` task: the one check after the bake (see `handleVerify`). Its settings come in
 * the payload (`deploy`: the run settings' alarms and `versionUrl`), so it needs no configuration.
 * Needs `cloudwatch:DescribeAlarms` and `cloudwatch:DescribeAlarmHistory` (on `*`: composite alarms
 * need it) and, for `versionUrl`, a route to that host.
 */
export async function handler(event: unknown): Promise<VerifyResult> {
  return handleVerify(event, {
    cloudwatch,
    readVersion: (url) => readVersion(url, VERSION_TIMEOUT_MS),
    now: () => new Date(),
    logger,
  });
}
