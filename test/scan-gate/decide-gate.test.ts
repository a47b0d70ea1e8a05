import { collectScan } from '../../lambdas/shared/scan/collect-scan';
import { decideGate } from '../../lambdas/shared/scan/decide-gate';
import { InvalidScanGateInput } from '../../lambdas/shared/scan/errors';
import type { ScanRead } from '../../lambdas/shared/scan/fetch-scan';
import { parseGateInput, pollInputSchema, registrationInputSchema } from '../../lambdas/shared/scan/gate-input';
import { MAX_CAUSE_CHARS, TOP_FINDINGS } from '../../lambdas/shared/scan/gate-report';
import { type ScanGateFailure, type ScanType, scanPolicySchema } from '../../lib/contracts/scan-policy';
import { basicFinding, DIGEST, enhancedFinding, fixture, page } from './scan-builders';

const NOW = new Date('2025-06-30T12:00:00Z');
const found = (...pages: unknown[]): ScanRead => ({ kind: 'found', scan: collectScan(pages) });

function decide(read: ScanRead, scanType: ScanType, options: { event?: boolean; policy?: object } = {}) {
  return decideGate(
    read,
    {
      image: { scanType, repository: 'orders-api', digest: DIGEST },
      policy: scanPolicySchema.parse(options.policy ?? {}),
    },
    { source: 'event', now: NOW, region: 'eu-west-1', inspectorScanEvent: options.event ?? false },
  );
}

describe('decideGate', () => {
  it('waits while there is no scan, the response is unreadable or the scan is in progress', () => {
    expect(decide({ kind: 'not-found', status: 'NOT_FOUND', reason: 'no scan yet' }, 'basic')).toEqual({
      kind: 'wait',
      status: 'NOT_FOUND',
      reason: 'no scan yet',
    });
    expect(decide({ kind: 'unreadable', status: 'UNREADABLE', reason: 'x' }, 'basic').kind).toBe('wait');
    expect(decide(found(fixture('start-image-scan.cli-example.json')), 'basic')).toMatchObject({
      kind: 'wait',
      status: 'IN_PROGRESS',
    });
  });

  it('enhanced COMPLETE before Inspector delivered findings (aws/aws-sdk#289) waits unless the Inspector2 Scan event came', () => {
    const early = found(fixture('describe-enhanced-complete-before-findings.json'));
    const waiting = decide(early, 'enhanced');
    expect(waiting).toMatchObject({ kind: 'wait', status: 'COMPLETE' });
    expect(waiting.kind === 'wait' && waiting.reason).toMatch(/waiting for the Inspector2 Scan event/);
    expect(decide(found(fixture('describe-enhanced-active-no-findings.json')), 'enhanced').kind).toBe('wait');
    // The event is the signal the scan is final: an image without findings then passes.
    expect(decide(early, 'enhanced', { event: true }).kind).toBe('pass');
    // Basic scans are final at COMPLETE.
    expect(decide(early, 'basic').kind).toBe('pass');
  });

  it('enhanced with findings or imageScanCompletedAt is judged without the event', () => {
    expect(decide(found(fixture('describe-enhanced.api-example.json')), 'enhanced').kind).toBe('fail');
    expect(decide(found(page({ status: 'ACTIVE', findings: [], completedAt: true })), 'enhanced').kind).toBe('pass');
  });

  it('a pass carries the summary the workflow and notifications read', () => {
    const decision = decide(found(fixture('describe-basic.cli-example.json')), 'basic');
    expect(decision.kind).toBe('pass');
    if (decision.kind !== 'pass') return;
    expect(decision.summary).toEqual({
      passed: true,
      source: 'event',
      scanType: 'basic',
      repository: 'orders-api',
      digest: DIGEST,
      status: 'COMPLETE',
      counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 1, LOW: 0, INFORMATIONAL: 0, UNDEFINED: 0 },
      excepted: [],
      expiredExceptions: [],
      warnings: [],
      consoleUrl: `https://eu-west-1.console.aws.amazon.com/ecr/repositories/private/123456789012/orders-api/_/image/${DIGEST}/scan-results?region=eu-west-1`,
      evaluatedAt: '2025-06-30T12:00:00.000Z',
    });
  });

  it('a failure names the error and reports counts, top findings with versions, and the console link', () => {
    const decision = decide(found(fixture('describe-enhanced.api-example.json')), 'enhanced', {
      policy: { exceptions: [{ id: 'CVE-1', reason: 'old', expires: '2024-01-01' }] },
    });
    expect(decision.kind).toBe('fail');
    if (decision.kind !== 'fail') return;
    expect(decision.error).toBe('ScanFindingsAboveThreshold');
    const cause = JSON.parse(decision.cause) as ScanGateFailure;
    expect(cause).toMatchObject({
      error: 'ScanFindingsAboveThreshold',
      message: "image scan findings above the policy's limits: HIGH 1 > 0",
      status: 'ACTIVE',
      counts: { HIGH: 1 },
      failedSeverities: ['HIGH'],
      blockingTotal: 1,
      expiredExceptions: ['CVE-1'],
      topFindings: [
        { id: 'CVE-2022-49043', severity: 'HIGH', package: 'libxml2', installedVersion: '2.9.14+dfsg-1.3~deb12u1' },
      ],
    });
    expect(cause.consoleUrl).toContain('/123456789012/orders-api/_/image/sha256:');
  });

  it('a status the policy does not accept fails with ScanNotUsable', () => {
    const decision = decide(
      found({ imageScanStatus: { status: 'UNSUPPORTED_IMAGE', description: 'not supported' } }),
      'basic',
    );
    expect(decision).toMatchObject({ kind: 'fail', error: 'ScanNotUsable' });
    if (decision.kind === 'fail') {
      expect(JSON.parse(decision.cause).message).toBe(
        'image scan ended with status UNSUPPORTED_IMAGE (not supported), which the policy does not accept (failOnStatus)',
      );
    }
  });

  it('the cause fits SendTaskFailure: top findings are capped, most severe first, one row per package', () => {
    const findings = Array.from({ length: 3_000 }, (_, i) =>
      enhancedFinding(`CVE-2024-${String(i).padStart(5, '0')}`, i % 3 === 0 ? 'CRITICAL' : 'HIGH', {
        packages: [
          { name: `lib-${'x'.repeat(200)}-${i}`, version: '1.0', fixedInVersion: '1.1' },
          { name: `other-${i}`, version: '2.0' },
        ],
      }),
    );
    const decision = decide(found(page({ status: 'ACTIVE', enhancedFindings: findings })), 'enhanced');
    if (decision.kind !== 'fail') throw new Error('expected a failure');
    expect(decision.cause.length).toBeLessThanOrEqual(MAX_CAUSE_CHARS);
    const cause = JSON.parse(decision.cause) as ScanGateFailure;
    expect(cause.blockingTotal).toBe(3_000);
    expect(cause.topFindings).toHaveLength(TOP_FINDINGS);
    expect(cause.topFindings.every((row) => row.severity === 'CRITICAL')).toBe(true);
    expect(cause.topFindings.slice(0, 2).map((r) => r.package)).toEqual([`lib-${'x'.repeat(200)}-0`, 'other-0']);
    expect(cause.topFindings[0]).toMatchObject({ installedVersion: '1.0', fixedVersion: '1.1' });
  });

  it('rows are dropped until the cause fits when package names are very long', () => {
    const findings = Array.from({ length: 30 }, (_, i) =>
      enhancedFinding(`CVE-2024-${i}`, 'CRITICAL', {
        packages: [{ name: `/opt/app/${'deep/'.repeat(1_000)}lib-${i}.jar` }],
      }),
    );
    const decision = decide(found(page({ status: 'ACTIVE', enhancedFindings: findings })), 'enhanced');
    if (decision.kind !== 'fail') throw new Error('expected a failure');
    expect(decision.cause.length).toBeLessThanOrEqual(MAX_CAUSE_CHARS);
    const cause = JSON.parse(decision.cause) as ScanGateFailure;
    expect(cause.topFindings.length).toBeGreaterThan(0);
    expect(cause.topFindings.length).toBeLessThan(TOP_FINDINGS);
    expect(cause.blockingTotal).toBe(30);
  });

  it('basic findings without a package still report a row', () => {
    const decision = decide(
      found(page({ findings: [{ name: 'CVE-X', severity: 'CRITICAL' }, basicFinding('CVE-Y', 'LOW')] })),
      'basic',
    );
    if (decision.kind !== 'fail') throw new Error('expected a failure');
    expect(decision.report.topFindings).toEqual([{ id: 'CVE-X', severity: 'CRITICAL', package: null }]);
  });
});

describe('handler inputs', () => {
  const valid = {
    taskToken: 'AQB8AAAAKgAAAAMAAAAAAAAAAR',
    repository: 'orders-api',
    digest: DIGEST,
    policy: {},
    scanType: 'basic',
  };

  it('accepts a repository name or its URI (which also gives the registry id)', () => {
    expect(parseGateInput(registrationInputSchema, valid, 'test').repository).toEqual({ repository: 'orders-api' });
    const uri = parseGateInput(
      registrationInputSchema,
      { ...valid, repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/orders-api' },
      'test',
    );
    expect(uri.repository).toEqual({ repository: 'team/orders-api', registryId: '123456789012' });
    expect(parseGateInput(registrationInputSchema, valid, 'test').policy).toEqual({
      maxCounts: {},
      onlyFixable: false,
      exceptions: [],
    });
  });

  it.each([
    [{ ...valid, taskToken: '' }, 'taskToken: required ($$.Task.Token)'],
    [{ ...valid, taskToken: 'x'.repeat(2049) }, 'taskToken: longer than a task token (2,048 characters)'],
    [
      { ...valid, repository: 'Orders_API' },
      'repository: must be an ECR repository name or URI without a tag, got "Orders_API"',
    ],
    [{ ...valid, repository: 'orders-api:1.2' }, 'repository: must be an ECR repository name or URI without a tag'],
    [{ ...valid, digest: 'latest' }, 'digest: must be an image digest "sha256:" followed by 64 lowercase hex digits'],
    [{ ...valid, scanType: 'deep' }, 'scanType: Invalid option: expected one of "basic"|"enhanced"'],
    [{ ...valid, policy: { maxCounts: { HIGH: -1 } } }, 'policy.maxCounts.HIGH: must be 0 or more'],
    [{ ...valid, policy: undefined }, 'policy: required'],
  ])('registration input %# is refused with the field named', (input, message) => {
    expect(() => parseGateInput(registrationInputSchema, input, 'WaitForScan registration')).toThrow(
      InvalidScanGateInput,
    );
    expect(() => parseGateInput(registrationInputSchema, input, 'WaitForScan registration')).toThrow(
      `Invalid WaitForScan registration input: ${message}`,
    );
  });

  it('never puts the task token into an error message', () => {
    const secret = 'AQB8-very-secret-token';
    try {
      parseGateInput(registrationInputSchema, { ...valid, taskToken: secret, digest: 'x' }, 'test');
      throw new Error('expected a failure');
    } catch (err) {
      expect((err as Error).message).not.toContain(secret);
    }
  });

  it('poll input: attempt defaults to 0 and maxAttempts to 12', () => {
    const { taskToken: _, ...poll } = valid;
    expect(parseGateInput(pollInputSchema, poll, 'PollScan')).toMatchObject({ attempt: 0, maxAttempts: 12 });
    expect(() => parseGateInput(pollInputSchema, { ...poll, attempt: -1 }, 'PollScan')).toThrow(/attempt:/);
  });
});
