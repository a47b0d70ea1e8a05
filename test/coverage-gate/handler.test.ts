import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { GateSummary } from '../../lambdas/coverage-gate/gate-summary';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { CONFORMANCE_DIR } from './conformance-paths';

const BUCKET = 'pipeline-artifacts';
const RUN = 'runs/orders-dev-abc1234-x1/coverage';
// The istanbul LCOV's paths are repository-relative (src/...), as the diff's are.
const REPORT = readFileSync(join(CONFORMANCE_DIR, 'lcov_istanbul_grandlinex-core.info'));

/** Lines of src/CoreKernel.ts that the report lists, with their hits, straight from its DA records. */
function kernelLines(): Map<number, number> {
  const text = REPORT.toString('utf8');
  const record = text.slice(
    text.indexOf('SF:src/CoreKernel.ts'),
    text.indexOf('end_of_record', text.indexOf('SF:src/CoreKernel.ts')),
  );
  const lines = new Map<number, number>();
  for (const m of record.matchAll(/^DA:(\d+),(\d+)/gm)) lines.set(Number(m[1]), Number(m[2]));
  return lines;
}

function diffFor(path: string, lines: number[]): string {
  const hunks = lines.map((l) => `@@ -${l},0 +${l} @@\n+changed`).join('\n');
  return `diff --git a/${path} b/${path}\nindex 1..2 100644\n--- a/${path}\n+++ b/${path}\n${hunks}\n`;
}

describeWithTools(['moto_server'], 'coverage-gate handler against S3 in moto_server', () => {
  let moto: MotoServer;
  let s3: S3Client;
  let handler: (event: unknown) => Promise<GateSummary>;
  let logger: Logger;

  const event = (extra: Record<string, unknown> = {}) => ({
    bucket: BUCKET,
    reportKey: `${RUN}/report`,
    diffKey: null,
    baselineKey: 'baselines/orders/dev/coverage.json',
    service: 'orders',
    environment: 'dev',
    commit: 'abc1234def5678abc1234def5678abc1234def56',
    policy: { minLinePct: 80 },
    ...extra,
  });

  const put = (key: string, body: string | Buffer) =>
    s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

  beforeAll(async () => {
    moto = await startMoto();
    s3 = new S3Client(moto.clientConfig);
    // Imported after startMoto so the module-scope clients see AWS_ENDPOINT_URL.
    ({ handler } = await import('../../lambdas/coverage-gate/index'));
    ({ logger } = await import('../../lambdas/shared/logger'));
  });

  beforeEach(async () => {
    await moto.reset();
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  afterAll(async () => {
    await moto?.stop();
  });

  it('passes and returns the summary (no diff: new code not evaluated; no baseline: no ratchet yet; the CodeBuild cross-check fails, as moto serves no CodeBuild reports, and is logged and ignored)', async () => {
    await put(`${RUN}/report`, REPORT);
    const warn = jest.spyOn(logger, 'warn');
    const summary = await handler(
      event({
        policy: { minLinePct: 94.5, minNewCodePct: 90, maxDropPoints: 1 },
        codebuildReportArn: 'arn:aws:codebuild:us-east-1:123456789012:report/x:1',
      }),
    );
    expect(summary).toMatchObject({
      passed: true,
      format: 'lcov',
      lines: { covered: 1866, valid: 1974 },
      branches: { covered: 529, valid: 731 },
      newCode: null,
      baseline: null,
      leastCoveredChangedFiles: [],
    });
    expect(summary.rules.map((r) => [r.rule, r.evaluated, r.passed])).toEqual([
      ['minLinePct', true, true],
      ['minNewCodePct', false, true],
      ['maxDropPoints', false, true],
    ]);
    expect(warn.mock.calls.map(([message]) => message)).toEqual(['CodeBuild coverage cross-check failed; ignored']);
    warn.mockRestore();
  });

  it('fails with CoverageBelowThreshold listing each failed rule and the least-covered changed files', async () => {
    const hits = kernelLines();
    const uncovered = [...hits]
      .filter(([, h]) => h === 0)
      .map(([l]) => l)
      .slice(0, 3);
    const covered = [...hits]
      .filter(([, h]) => h > 0)
      .map(([l]) => l)
      .slice(0, 1);
    expect(uncovered.length).toBe(3);
    await put(`${RUN}/report`, REPORT);
    await put(
      `${RUN}/changed-lines.diff`,
      diffFor('src/CoreKernel.ts', [...uncovered, ...covered]) + diffFor('docs/x.md', [1]),
    );
    await put(
      'baselines/orders/dev/coverage.json',
      JSON.stringify({ linePct: 97, branchPct: 80, commit: 'f'.repeat(40), recordedAt: '2024-01-01T00:00:00Z' }),
    );
    const err = await handler(
      event({ diffKey: `${RUN}/changed-lines.diff`, policy: { minLinePct: 95, minNewCodePct: 80, maxDropPoints: 2 } }),
    ).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.name).toBe('CoverageBelowThreshold');
    const message = err?.message ?? '';
    expect(message).toMatch(/^Coverage gate failed for orders\/dev at abc1234 \(lcov\):/);
    expect(message).toContain('- minLinePct: line coverage 94.52% (1866/1974 lines) < required 95.00%');
    expect(message).toContain('- minNewCodePct: new-code coverage 25.00% (1/4 changed lines) < required 80.00%');
    expect(message).toMatch(
      /- maxDropPoints: line coverage vs baseline 94\.52% \(baseline 97\.00% at fffffff, max drop 2 points\) < required 95\.00%/,
    );
    expect(message).toContain('Least-covered changed files:\n- src/CoreKernel.ts: 25.00% (1/4 changed lines)');
    expect(message).not.toContain('docs/x.md');
  });

  it('a missing report is CoverageReportInvalid naming the object', async () => {
    await expect(handler(event())).rejects.toMatchObject({
      name: 'CoverageReportInvalid',
      message: expect.stringContaining(`s3://${BUCKET}/${RUN}/report is missing`),
    });
  });

  it('an empty report is CoverageReportInvalid', async () => {
    await put(`${RUN}/report`, '');
    await expect(handler(event())).rejects.toMatchObject({
      name: 'CoverageReportInvalid',
      message: expect.stringMatching(/empty \(0 bytes\)/),
    });
  });

  it('a diff key that was never uploaded leaves new code not evaluated', async () => {
    await put(`${RUN}/report`, REPORT);
    const summary = await handler(
      event({ diffKey: `${RUN}/changed-lines.diff`, policy: { minLinePct: 0, minNewCodePct: 99 } }),
    );
    expect(summary.newCode).toBeNull();
    expect(summary.passed).toBe(true);
  });

  it('a malformed event is rejected with the field named', async () => {
    await expect(handler({ ...event(), policy: { minLinePct: 120 } })).rejects.toThrow(/policy\.minLinePct/);
  });
});
