import type { Readable } from 'node:stream';
import { BatchGetBuildsCommand, BatchGetReportsCommand, CodeBuildClient } from '@aws-sdk/client-codebuild';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { logger } from '../shared/logger';
import { gateEventSchema } from './gate-event';
import type { GateSummary } from './gate-summary';
import { type GateDeps, runGate } from './run-gate';

const s3 = new S3Client({});
const codebuild = new CodeBuildClient({});

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

async function openObject(bucket: string, key: string): Promise<Readable | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return out.Body as Readable;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

const deps: GateDeps = {
  openObject,
  async codebuildReportArnOf(buildId) {
    const out = await codebuild.send(new BatchGetBuildsCommand({ ids: [buildId] }));
    return out.builds?.[0]?.reportArns?.[0];
  },
  async codebuildLinePct(reportArn) {
    const out = await codebuild.send(new BatchGetReportsCommand({ reportArns: [reportArn] }));
    return out.reports?.[0]?.codeCoverageSummary?.lineCoveragePercentage;
  },
  log: {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
  },
};

/**
 * CoverageGate task: reads the RunTests coverage report from S3 and judges it against the environment's
 * policy. Throws `CoverageBelowThreshold` or `CoverageReportInvalid` (the state machine's Catch names).
 */
export async function handler(event: unknown): Promise<GateSummary> {
  const parsed = gateEventSchema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid CoverageGate input: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`.trim());
  }
  return runGate(parsed.data, deps);
}
