import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DirectoryArtifactStore, LOCAL_ARTIFACTS_BUCKET } from '../../lib/local/artifact-stores';
import { runLocalScenario } from '../../lib/local/run-local-scenario';
import { simulatedDrivers } from '../../lib/local/simulated-drivers';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';

describeWithTools(['moto_server'], 'deployctl local --aws-endpoint: artifacts in S3 (moto_server)', () => {
  let moto: MotoServer;
  let s3: S3Client;
  beforeAll(async () => {
    moto = await startMoto();
    s3 = new S3Client(moto.clientConfig);
  });
  afterAll(async () => moto?.stop());

  test('the run creates the bucket, the stages read and write it, the baseline lands in it', async () => {
    const { result } = await runLocalScenario({ awsEndpoint: moto.endpoint, drivers: simulatedDrivers() });

    expect(result.status).toBe('SUCCEEDED');
    const byName = Object.fromEntries(result.states.map((s) => [s.name, s]));
    expect(byName.RecordCoverageBaseline).toMatchObject({
      mode: 'real',
      reason: `s3:putObject to S3 bucket ${LOCAL_ARTIFACTS_BUCKET} (${moto.endpoint})`,
    });
    expect(byName.CoverageGate?.reason).toBe(
      `lambdas/coverage-gate/run-gate.ts on S3 bucket ${LOCAL_ARTIFACTS_BUCKET} (${moto.endpoint})`,
    );
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: LOCAL_ARTIFACTS_BUCKET }));
    const keys = (listed.Contents ?? []).map((o) => o.Key);
    const prefix = `runs/${result.execution.name}/`;
    expect(keys).toEqual(
      expect.arrayContaining([
        `${prefix}coverage/report`,
        `${prefix}terraform/plan.json`,
        'baselines/sample-service/dev/coverage.json',
      ]),
    );
    const baseline = await s3.send(
      new GetObjectCommand({ Bucket: LOCAL_ARTIFACTS_BUCKET, Key: 'baselines/sample-service/dev/coverage.json' }),
    );
    expect(
      JSON.parse(await (baseline.Body as { transformToString(): Promise<string> }).transformToString()),
    ).toMatchObject({
      linePct: 90,
      commit: result.execution.commit,
    });
  });

  test('the real gate reads the report back from S3 and rejects low coverage', async () => {
    const { result } = await runLocalScenario({
      awsEndpoint: moto.endpoint,
      scenario: 'coverage-low',
      drivers: simulatedDrivers(),
    });
    expect(result.error?.error).toBe('CoverageBelowThreshold');
    expect(result.notifications.at(-1)?.event.failure?.cause).toMatch(
      /line coverage 42\.00% \(42\/100 lines\) < required 80\.00%/,
    );
  });
});

describe('artifact stores', () => {
  test('a directory store refuses keys that would leave its directory', async () => {
    const store = new DirectoryArtifactStore('/tmp/deployctl-store-test');
    for (const key of ['../x', '/etc/passwd', 'runs//x', 'runs/../../x', '']) {
      await expect(store.put(key, 'x')).rejects.toThrow(/is not a relative S3 key/);
    }
    await expect(store.get('runs/none/missing')).resolves.toBeUndefined();
  });
});
