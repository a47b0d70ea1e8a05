import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type GateDeps, runGate } from '../../lambdas/coverage-gate/run-gate';
import { CONFORMANCE_DIR } from './conformance-paths';

const REPORT = readFileSync(join(CONFORMANCE_DIR, 'cobertura_cobertura2.1.1_reportgenerator.xml'));

// CodeBuild's BatchGetReports cannot run here (moto does not implement report groups): stubbed in-process.
describe('runGate CodeBuild cross-check (BatchGetReports stubbed: not available offline)', () => {
  const event = {
    bucket: 'b',
    reportKey: 'runs/x/coverage/report',
    diffKey: null,
    baselineKey: 'baselines/s/e/coverage.json',
    service: 's',
    environment: 'e',
    commit: 'a'.repeat(40),
    policy: { minLinePct: 50 },
    codebuildReportArn: 'arn:aws:codebuild:us-east-1:1:report/g:1',
  };

  function deps(codebuildLinePct: GateDeps['codebuildLinePct']) {
    const warnings: string[] = [];
    const d: GateDeps = {
      // Only the report exists: no diff, no baseline.
      openObject: async (_bucket, key) => (key === event.reportKey ? Readable.from([REPORT]) : undefined),
      codebuildLinePct,
      log: { info: () => undefined, warn: (m) => warnings.push(m) },
    };
    return { d, warnings };
  }

  it('logs a disagreement beyond 0.01 points and still judges by the parsed report', async () => {
    const { d, warnings } = deps(async () => 70);
    const summary = await runGate(event, d);
    expect(summary.passed).toBe(true);
    expect(warnings).toEqual(['CodeBuild line coverage disagrees with the parsed report']);
  });

  it('is quiet within 0.01 points (CodeBuild rounds)', async () => {
    const { d, warnings } = deps(async () => 66.67);
    await runGate(event, d);
    expect(warnings).toEqual([]);
  });

  it('a failing BatchGetReports is logged and ignored', async () => {
    const { d, warnings } = deps(async () => {
      throw new Error('AccessDenied');
    });
    expect((await runGate(event, d)).passed).toBe(true);
    expect(warnings).toEqual(['CodeBuild coverage cross-check failed; ignored']);
  });

  it('finds the report from the RunTests build when only the build id is given', async () => {
    const { d, warnings } = deps(async (arn) => (arn === 'arn:from-build' ? 70 : undefined));
    const lookedUp: string[] = [];
    d.codebuildReportArnOf = async (buildId) => {
      lookedUp.push(buildId);
      return 'arn:from-build';
    };
    await runGate({ ...event, codebuildReportArn: null, codebuildBuildId: 'run-tests:1' }, d);
    expect(lookedUp).toEqual(['run-tests:1']);
    expect(warnings).toEqual(['CodeBuild line coverage disagrees with the parsed report']);
  });

  it('a build without a coverage report skips the cross-check quietly', async () => {
    let asked = false;
    const { d, warnings } = deps(async () => {
      asked = true;
      return 70;
    });
    d.codebuildReportArnOf = async () => undefined;
    await runGate({ ...event, codebuildReportArn: null, codebuildBuildId: 'run-tests:2' }, d);
    expect(asked).toBe(false);
    expect(warnings).toEqual([]);
  });
});

describe('runGate reading S3 objects (in-memory streams)', () => {
  const event = {
    bucket: 'b',
    reportKey: 'runs/x/coverage/report',
    diffKey: 'runs/x/coverage/changed-lines.diff',
    baselineKey: 'baselines/s/e/coverage.json',
    service: 's',
    environment: 'e',
    commit: 'a'.repeat(40),
    policy: { minLinePct: 50, minNewCodePct: 50 },
  };

  it('stops reading a diff once it passes 64 MiB and fails naming the limit', async () => {
    const MiB = Buffer.alloc(1024 * 1024, '+');
    let pulled = 0;
    const endless = Readable.from(
      (function* () {
        for (;;) {
          pulled += 1;
          yield MiB;
        }
      })(),
    );
    const d: GateDeps = {
      openObject: async (_b, key) => (key === event.diffKey ? endless : Readable.from([REPORT])),
      log: { info: () => undefined, warn: () => undefined },
    };
    const err = await runGate(event, d).catch((e: unknown) => e as Error);
    expect(err).toMatchObject({
      name: 'CoverageReportInvalid',
      message: 'changed-lines diff s3://b/runs/x/coverage/changed-lines.diff is larger than the limit of 64 MiB',
    });
    // The stream's read-ahead pulls a chunk or two beyond the limit, never the rest.
    expect(pulled).toBeGreaterThan(64);
    expect(pulled).toBeLessThan(70);
    expect(endless.destroyed).toBe(true);
  });

  it('re-opens the report for a second read when an LCOV report repeats a file', async () => {
    const lcov =
      'SF:src/a.ts\nDA:1,1\nDA:2,0\nLF:2\nLH:1\nend_of_record\nSF:src/a.ts\nDA:1,0\nDA:2,1\nLF:2\nLH:1\nend_of_record\n';
    const diff = '+++ b/app/src/a.ts\n@@ -0,0 +1,2 @@\n+x\n+y\n';
    const opened: string[] = [];
    const d: GateDeps = {
      openObject: async (_b, key) => {
        opened.push(key);
        if (key === event.reportKey) return Readable.from([Buffer.from(lcov)]);
        return key === event.diffKey ? Readable.from([Buffer.from(diff)]) : undefined;
      },
      log: { info: () => undefined, warn: () => undefined },
    };
    const summary = await runGate({ ...event, policy: { minLinePct: 100, minNewCodePct: 100 } }, d);
    expect(summary.lines).toMatchObject({ covered: 2, valid: 2 });
    expect(summary.newCode).toMatchObject({ covered: 2, valid: 2 });
    expect(opened.filter((k) => k === event.reportKey)).toHaveLength(2);
  });
});
