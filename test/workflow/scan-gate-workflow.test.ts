import { basicFinding, fixture, page, statusOnly } from '../scan-gate/scan-builders';
import { pushInput, runScenario } from './harness';

/**
 * The scan gate in the real ASL: WaitForScan and PollScan are the real registration, scan-event and
 * poll handlers (lambdas/scan-*), with ECR's replies scripted and the token table in memory.
 */
const CRITICAL = page({
  findings: [basicFinding('CVE-2023-38545', 'CRITICAL', 'curl', '7.88.1-10'), basicFinding('CVE-2024-2', 'LOW')],
});
const CLEAN = page({ findings: [basicFinding('CVE-2024-2', 'LOW')] });
const SCAN_EVENT = fixture<Record<string, unknown>>('event-ecr-image-scan.json');

describe('deploy pipeline: the image scan gate (real scan handlers, ECR scripted)', () => {
  test('a scan that passes by event: the wait answers once and the run deploys with the counts in its summary', async () => {
    const run = await runScenario({
      input: pushInput(),
      scan: { replies: [statusOnly('IN_PROGRESS'), CLEAN], event: SCAN_EVENT },
    });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.WaitForScan).toHaveLength(1);
    expect(run.calls.PollScan).toBeUndefined();
    expect(run.scan.answers.map((a) => a.kind)).toEqual(['success']);
    expect(run.scan.events).toMatchObject([{ outcome: 'handled', kind: 'basic' }]);
    // The wait starts right after the image is pushed and ends before the deploy.
    const at = (s: string) => run.entered.indexOf(s);
    expect(at('BuildImage')).toBeLessThan(at('WaitForScan'));
    expect(at('WaitForScan')).toBeLessThan(at('HelmDeploy'));
    const wait = run.calls.WaitForScan?.[0] as { Payload: Record<string, unknown> };
    expect(wait.Payload).toEqual({
      taskToken: expect.any(String),
      repository: '123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-service',
      digest: `sha256:${'ab'.repeat(32)}`,
      policy: {},
      scanType: 'basic',
    });
    const succeeded = run.notifications.find((n) => n.type === 'succeeded');
    expect(succeeded?.scan).toMatchObject({ status: 'COMPLETE', counts: { CRITICAL: 0, LOW: 1 } });
  });

  test('a CRITICAL finding stops the run before HelmDeploy with ScanFindingsAboveThreshold naming it', async () => {
    const run = await runScenario({ input: pushInput(), scan: { replies: [CRITICAL] } });

    expect(run.status).toBe('FAILED');
    expect(run.error?.Error).toBe('ScanFindingsAboveThreshold');
    expect(run.calls.HelmDeploy).toBeUndefined();
    expect(run.entered).not.toContain('HelmDeploy');
    // The scan is awaited after TerraformApply (the ECR scan of the push overlaps the apply): the
    // release is never touched, so nothing is rolled back, and the failure goes straight to ReleaseLock.
    expect(run.entered.indexOf('TerraformApply')).toBeLessThan(run.entered.indexOf('WaitForScan'));
    expect(run.entered).not.toContain('Rollback');
    const rejected = run.entered.indexOf('WaitForScanRejected');
    expect(run.entered.slice(rejected, rejected + 2)).toEqual(['WaitForScanRejected', 'ReleaseLock']);
    const failures = run.notifications.filter((n) => n.type === 'failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]?.failure).toMatchObject({ stage: 'WaitForScan', error: 'ScanFindingsAboveThreshold' });
    const cause = String(failures[0]?.failure?.cause);
    expect(cause).toContain('CVE-2023-38545');
    expect(cause).toContain('curl');
    expect(cause).not.toContain('CVE-2024-2"');
    expect(run.notifications.map((n) => n.type)).toEqual(['started', 'failed']);
  });

  test('an unusable scan status fails ScanNotUsable', async () => {
    const run = await runScenario({
      input: pushInput(),
      scan: { replies: [statusOnly('UNSUPPORTED_IMAGE', 'The operating system is not supported')] },
    });
    expect(run.error?.Error).toBe('ScanNotUsable');
    expect(run.calls.HelmDeploy).toBeUndefined();
  });

  test('event lost: the wait times out and the polling fallback finishes the run', async () => {
    const run = await runScenario({
      input: pushInput(),
      scan: { replies: [statusOnly('IN_PROGRESS'), statusOnly('IN_PROGRESS'), CLEAN] },
    });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.PollScan).toHaveLength(2);
    const polls = (run.calls.PollScan ?? []) as Array<{ Payload: { attempt: number } }>;
    expect(polls.map((p) => p.Payload.attempt)).toEqual([0, 1]);
    expect(run.entered.filter((s) => s === 'WaitBeforePoll')).toHaveLength(1);
    expect(run.calls.HelmDeploy).toHaveLength(1);
    expect(run.notifications.find((n) => n.type === 'succeeded')?.scan).toMatchObject({ status: 'COMPLETE' });
  });

  test('a blocking scan found by a poll fails the run the same way', async () => {
    const run = await runScenario({ input: pushInput(), scan: { replies: [statusOnly('IN_PROGRESS'), CRITICAL] } });
    expect(run.error?.Error).toBe('ScanFindingsAboveThreshold');
    expect(run.notifications.filter((n) => n.type === 'failed')[0]?.failure).toMatchObject({ stage: 'WaitForScan' });
    expect(String(run.error?.Cause)).toContain('CVE-2023-38545');
    expect(run.calls.HelmDeploy).toBeUndefined();
  });

  test('a scan that never completes fails ScanTimedOut with the reason after the bounded polls', async () => {
    const run = await runScenario({ input: pushInput(), scan: { replies: [statusOnly('IN_PROGRESS')] } });

    expect(run.status).toBe('FAILED');
    expect(run.error?.Error).toBe('ScanTimedOut');
    expect(run.calls.PollScan).toHaveLength(12);
    expect(run.calls.HelmDeploy).toBeUndefined();
    const failure = run.notifications.find((n) => n.type === 'failed')?.failure;
    expect(failure).toMatchObject({ stage: 'WaitForScan', error: 'ScanTimedOut' });
    expect(String(failure?.cause)).toMatch(/IN_PROGRESS/);
  });

  test('Terraform plan and apply get the scan type for the ecr module (TF_VAR_ecr_scan_type)', async () => {
    const run = await runScenario({ input: pushInput() });
    for (const stage of ['TerraformPlan', 'TerraformApply']) {
      const build = run.calls[stage]?.[0] as { EnvironmentVariablesOverride: unknown[] };
      expect(build.EnvironmentVariablesOverride).toContainEqual({
        Name: 'TF_VAR_ecr_scan_type',
        Type: 'PLAINTEXT',
        Value: 'basic',
      });
    }
  });

  test('an app-less push builds no image and waits for no scan', async () => {
    const run = await runScenario({ input: pushInput({ changes: { app: false, infra: true, paths: null } }) });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.WaitForScan).toBeUndefined();
    expect(run.entered).not.toContain('WaitForScan');
  });
});
