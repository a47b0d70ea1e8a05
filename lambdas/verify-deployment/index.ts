import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { VerifyResult } from '../../lib/contracts/rollback';
import { embeddedConfig } from '../shared/embedded-config';
import { logger } from '../shared/logger';
import { handleVerify } from './handle-verify';
import { readVersion } from './read-version';

/** How long one `/version` request may take; the function's timeout must cover it plus DescribeAlarms. */
const VERSION_TIMEOUT_MS = 5_000;

const cloudwatch = new CloudWatchClient({});

/**
 * `VerifyDeployment` task: one bake check (see `handleVerify`). Environment:
 * `EMBEDDED_PIPELINE_CONFIG` (bundled). Needs `cloudwatch:DescribeAlarms` (on `*` for composite
 * alarms) and, for `versionUrl`, a route to that host.
 */
export async function handler(event: unknown): Promise<VerifyResult> {
  return handleVerify(event, {
    config: embeddedConfig(),
    cloudwatch,
    readVersion: (url) => readVersion(url, VERSION_TIMEOUT_MS),
    logger,
  });
}
