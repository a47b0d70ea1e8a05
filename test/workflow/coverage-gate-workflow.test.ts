import { GetObjectCommand } from '@aws-sdk/client-s3';
import { describeWithTools } from '../support/real-tool';
import { ARTIFACTS_BUCKET, useArtifactsBucketInMoto } from './artifacts-bucket';
import { lambdaResult, pushInput, RUN_SETTINGS, runScenario } from './harness';

/** A Cobertura report as istanbul writes it, with `covered` of 10 lines hit. */
function cobertura(covered: number): string {
  const lines = Array.from({ length: 10 }, (_, i) => `<line number="${i + 1}" hits="${i < covered ? 1 : 0}"/>`).join(
    '',
  );
  return `<?xml version="1.0" ?>
<coverage lines-valid="10" lines-covered="${covered}" line-rate="${covered / 10}" branches-valid="0" branches-covered="0" branch-rate="0" timestamp="1" version="0.1">
<packages><package name="src" line-rate="${covered / 10}" branch-rate="0"><classes>
<class name="server.ts" filename="src/server.ts" line-rate="${covered / 10}" branch-rate="0"><methods/><lines>${lines}</lines></class>
</classes></package></packages></coverage>`;
}

describeWithTools(
  ['moto_server'],
  'deploy pipeline with the real CoverageGate handler (S3 in moto_server, CodeBuild simulated)',
  () => {
    const bucket = useArtifactsBucketInMoto();
    let gate: (event: unknown) => Promise<unknown>;

    beforeAll(async () => {
      // Imported after moto is up: the handler's module-scope clients read AWS_ENDPOINT_URL.
      ({ handler: gate } = await import('../../lambdas/coverage-gate/index'));
    });

    /** Runs one push whose tests produced `covered`/10 lines, with the given coverage policy. */
    async function runWithCoverage(run: string, covered: number, policy: Record<string, number>) {
      const reportKey = `runs/${run}/coverage/report`;
      // The RunTests build uploads this report to moto's S3; RecordCoverageBaseline writes there too.
      return runScenario(
        {
          input: pushInput(),
          settings: { ...RUN_SETTINGS, coveragePolicy: policy },
          exported: { RunTests: { COVERAGE_REPORT_KEY: reportKey, CHANGED_LINES_KEY: undefined } },
          wishes: { RunTests: { reportBody: cobertura(covered) } },
        },
        { CoverageGate: async (params) => lambdaResult(await gate((params as { Payload: unknown }).Payload)) },
        { artifacts: bucket.store() },
      );
    }

    test('coverage below the threshold stops the run: no apply, no deploy, one failure naming the gate', async () => {
      const run = await runWithCoverage('low', 5, { minLinePct: 80 });

      expect(run.status).toBe('FAILED');
      expect(run.error?.Error).toBe('CoverageBelowThreshold');
      expect(run.entered).not.toContain('TerraformApply');
      expect(run.entered).not.toContain('HelmDeploy');
      expect(run.entered).not.toContain('RecordCoverageBaseline');
      const failures = run.notifications.filter((n) => n.type === 'failed');
      expect(failures).toHaveLength(1);
      expect(failures[0]?.failure).toMatchObject({ stage: 'CoverageGate', error: 'CoverageBelowThreshold' });
      expect(String(failures[0]?.failure?.cause)).toMatch(/50(\.00)?%.*required 80/);
    });

    test('an unreadable report fails the gate too (never passes by default)', async () => {
      const run = await runScenario(
        {
          input: pushInput(),
          exported: { RunTests: { COVERAGE_REPORT_KEY: 'runs/junk/coverage/report' } },
          wishes: { RunTests: { reportBody: 'not a report' } },
        },
        { CoverageGate: async (params) => lambdaResult(await gate((params as { Payload: unknown }).Payload)) },
        { artifacts: bucket.store() },
      );
      expect(run.status).toBe('FAILED');
      expect(run.error?.Error).toBe('CoverageReportInvalid');
      expect(run.calls.HelmDeploy).toBeUndefined();
    });

    test('a passing run deploys and stores the baseline that the next run is ratcheted against', async () => {
      const first = await runWithCoverage('first', 9, { minLinePct: 80, maxDropPoints: 5 });
      expect(first.status).toBe('SUCCEEDED');
      const stored = await bucket
        .s3()
        .send(new GetObjectCommand({ Bucket: ARTIFACTS_BUCKET, Key: 'baselines/sample-service/dev/coverage.json' }));
      expect(
        JSON.parse(await (stored.Body as { transformToString(): Promise<string> }).transformToString()),
      ).toMatchObject({
        linePct: 90,
        commit: '0123456789abcdef0123456789abcdef01234567',
      });

      // 80% still meets the 80% floor but drops 10 points against the 90% baseline.
      const second = await runWithCoverage('second', 8, { minLinePct: 80, maxDropPoints: 5 });
      expect(second.status).toBe('FAILED');
      expect(second.error?.Error).toBe('CoverageBelowThreshold');
      expect(String(second.notifications.at(-1)?.failure?.cause)).toMatch(
        /maxDropPoints: line coverage vs baseline 80.00% \(baseline 90.00%/,
      );
      expect(second.calls.HelmDeploy).toBeUndefined();
    });
  },
);
