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
      openObject: async () => Readable.from([REPORT]),
      readText: async () => undefined,
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
