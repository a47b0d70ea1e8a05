import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithTools } from '../support/real-tool';
import { useArtifactsBucketInMoto } from './artifacts-bucket';
import { lambdaResult, pushInput, runScenario } from './harness';

const FIXTURES = join(__dirname, '..', 'plan-guard', 'fixtures');

describeWithTools(
  ['moto_server'],
  'deploy pipeline with the real PlanGuard handler (S3 in moto_server, CodeBuild simulated)',
  () => {
    const bucket = useArtifactsBucketInMoto();
    let guard: (event: unknown) => Promise<unknown>;

    beforeAll(async () => {
      // Imported after moto is up: the handler's module-scope clients read AWS_ENDPOINT_URL.
      ({ handler: guard } = await import('../../lambdas/plan-guard/index'));
    });

    /** One push whose TerraformPlan produced the given real `terraform show -json` output. */
    async function runWithPlan(fixture: string) {
      const key = `runs/${fixture}/terraform/plan.json`;
      // The TerraformPlan build uploads the fixture to moto's S3 as the run's plan JSON.
      return runScenario(
        {
          input: pushInput(),
          exported: { TerraformPlan: { PLAN_JSON_KEY: key, PLAN_HAS_CHANGES: 'true' } },
          wishes: { TerraformPlan: { planJson: readFileSync(join(FIXTURES, fixture), 'utf8') } },
        },
        { PlanGuard: async (params) => lambdaResult(await guard((params as { Payload: unknown }).Payload)) },
        { artifacts: bucket.store() },
      );
    }

    test('a plan that replaces the database is blocked before anything is applied or deployed', async () => {
      const run = await runWithPlan('aws-db-replace.plan.json');

      expect(run.status).toBe('FAILED');
      expect(run.error?.Error).toBe('DestructiveChangeBlocked');
      expect(run.calls.TerraformApply).toBeUndefined();
      expect(run.calls.HelmDeploy).toBeUndefined();
      const failed = run.notifications.filter((n) => n.type === 'failed');
      expect(failed.map((n) => n.failure)).toEqual([
        expect.objectContaining({ stage: 'PlanGuard', error: 'DestructiveChangeBlocked' }),
      ]);
      expect(String(failed[0]?.failure?.cause)).toContain('aws_db_instance');
    });

    test('a create-only plan passes and its counts travel to the success notification', async () => {
      const run = await runWithPlan('aws-create.plan.json');
      const expected = readFileSync(join(FIXTURES, 'aws-create.plan.txt'), 'utf8');
      const [, add] = /Plan: (\d+) to add/.exec(expected) ?? [];

      expect(run.status).toBe('SUCCEEDED');
      expect(run.calls.TerraformApply).toHaveLength(1);
      const succeeded = run.notifications.find((n) => n.type === 'succeeded');
      expect(succeeded?.plan?.add).toBe(Number(add));
    });
  },
);
