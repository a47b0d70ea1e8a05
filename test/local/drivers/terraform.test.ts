import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DestructiveChangeBlocked } from '../../../lambdas/plan-guard/errors';
import { evaluatePlan } from '../../../lambdas/plan-guard/evaluate-plan';
import { parsePlan } from '../../../lambdas/plan-guard/parse-plan';
import { DEFAULT_PROTECTED_TYPES } from '../../../lambdas/plan-guard/protected-types';
import { TerraformApplyDriver } from '../../../lib/local/drivers/terraform-apply';
import { TerraformPlanDriver } from '../../../lib/local/drivers/terraform-plan';
import {
  planTargets,
  recordedPlanJson,
  stateBucketName,
  terraformVersion,
} from '../../../lib/local/terraform-against-moto';
import { type MotoServer, startMoto } from '../../support/moto-server';
import { describeWithTools } from '../../support/real-tool';
import { removeWorkDirs, stageContext } from './context';

afterAll(removeWorkDirs);

const TF_DIR = 'terraform/environments/dev';
const BUILD = { TF_DIR, TF_STATE_KEY: 'sample-service/dev/infra.tfstate' };

/** PlanGuard's judgement of the plan JSON a driver stored, as its handler makes it. */
function judge(planJson: string | undefined) {
  return evaluatePlan(parsePlan(planJson ?? '', 'run artifacts'), { protectedTypes: DEFAULT_PROTECTED_TYPES });
}

describe('Terraform drivers without moto_server (simulated)', () => {
  const plan = new TerraformPlanDriver({ awsEndpoint: undefined });
  const apply = new TerraformApplyDriver({ awsEndpoint: undefined });
  const simulated = { mode: 'simulated' as const, reason: 'the run has no AWS endpoint' };
  const saved = process.env.AWS_ENDPOINT_URL;
  beforeAll(() => {
    delete process.env.AWS_ENDPOINT_URL;
  });
  afterAll(() => {
    if (saved !== undefined) process.env.AWS_ENDPOINT_URL = saved;
  });

  test('detect says what is missing', async () => {
    const mode = await plan.detect();
    expect(mode.mode).toBe('simulated');
    expect(mode.reason).toMatch(
      /terraform is not on the PATH|moto_server is not installed|the run has no AWS endpoint/,
    );
    expect(await apply.detect()).toEqual(mode);
  });

  test('stores the recorded plan JSON of the dev root, which PlanGuard judges: 80 to add', async () => {
    const ctx = stageContext({ environment: BUILD });
    const outputs = await plan.run(ctx, simulated);
    expect(outputs).toEqual({
      PLAN_KEY: 'runs/sample-service-dev-local/terraform/plan.tfplan',
      PLAN_JSON_KEY: 'runs/sample-service-dev-local/terraform/plan.json',
      PLAN_HAS_CHANGES: 'true',
    });
    expect(judge(ctx.artifacts.text(outputs.PLAN_JSON_KEY)).summary).toBe('80 to add, 0 to change, 0 to destroy');
    // The simulated apply needs the saved plan, and applies nothing.
    const applyCtx = stageContext({ environment: { ...BUILD, PLAN_KEY: outputs.PLAN_KEY }, artifacts: ctx.artifacts });
    expect(await apply.run(applyCtx, simulated)).toEqual({});
  });

  test('scenario plan destructive: PlanGuard blocks the recorded plan that replaces the database', async () => {
    const ctx = stageContext({ environment: BUILD, scenario: { plan: 'destructive' } });
    const outputs = await plan.run(ctx, simulated);
    const verdict = () => judge(ctx.artifacts.text(outputs.PLAN_JSON_KEY));
    expect(verdict).toThrow(DestructiveChangeBlocked);
    expect(verdict).toThrow(/module\.rds\.aws_db_instance\.this \(delete, create\)/);
  });

  test('a plan with what moto cannot create is refused by the real apply at once, naming each', async () => {
    const ctx = stageContext({ environment: { ...BUILD, PLAN_KEY: 'runs/x/terraform/plan.tfplan' } });
    await ctx.artifacts.put('runs/x/terraform/plan.tfplan', 'saved plan');
    await ctx.artifacts.put('runs/x/terraform/plan.json', recordedPlanJson('first-apply'));
    const apply = new TerraformApplyDriver({ awsEndpoint: 'http://127.0.0.1:9' });
    const failure = apply.run(ctx, { mode: 'real', reason: 'test' });
    await expect(failure).rejects.toMatchObject({ status: 'FAILED' });
    await expect(failure).rejects.toThrow(
      /module\.cloudwatch\.aws_cloudwatch_composite_alarm\.deploy_health \(no CloudWatch PutCompositeAlarm\)/,
    );
    await expect(failure).rejects.toThrow(/module\.eks\.aws_eks_addon\.this\["coredns"\] \(no EKS add-on API/);
  });

  test('plan targets: everything but what moto cannot create, by resource address', () => {
    const { targets, leftOut } = planTargets(recordedPlanJson('first-apply').toString('utf8'));
    expect(leftOut.map((l) => l.address).sort()).toEqual([
      'module.cloudwatch.aws_cloudwatch_composite_alarm.deploy_health',
      'module.eks.aws_eks_access_entry.this["github-deploy"]',
      'module.eks.aws_eks_access_entry.this["pipeline-deploy"]',
      'module.eks.aws_eks_access_policy_association.this["github-deploy"]',
      'module.eks.aws_eks_access_policy_association.this["pipeline-deploy"]',
      'module.eks.aws_eks_addon.this["amazon-cloudwatch-observability"]',
      'module.eks.aws_eks_addon.this["coredns"]',
      'module.eks.aws_eks_addon.this["eks-pod-identity-agent"]',
      'module.eks.aws_eks_addon.this["kube-proxy"]',
      'module.eks.aws_eks_addon.this["vpc-cni"]',
      'module.eks.aws_vpc_security_group_ingress_rule.cluster_api_from_deploy',
      'module.rds.aws_vpc_security_group_ingress_rule.postgres_from_eks',
    ]);
    expect(targets).toContain('module.eks.aws_eks_cluster.this');
    expect(targets).toContain('module.vpc.aws_subnet.private');
    expect(targets.some((t) => t.includes('['))).toBe(false);
    expect(targets.some((t) => /aws_eks_addon|composite_alarm|access_entry/.test(t))).toBe(false);
  });

  test('plan targets of a later run: only what moto cannot create changes, so the targets plan no changes', () => {
    const plan = JSON.stringify({
      resource_changes: [
        { address: 'module.eks.aws_eks_cluster.this', mode: 'managed', change: { actions: ['no-op'] } },
        { address: 'module.eks.aws_eks_addon.this["coredns"]', mode: 'managed', change: { actions: ['create'] } },
        { address: 'data.aws_region.current', mode: 'data', change: { actions: ['read'] } },
      ],
    });
    expect(planTargets(plan)).toEqual({
      targets: ['module.eks.aws_eks_cluster.this'],
      leftOut: [
        { address: 'module.eks.aws_eks_addon.this["coredns"]', why: 'no EKS add-on API (CreateAddon answers 404)' },
      ],
    });
    // Nothing to leave out: the full plan is used as it is.
    expect(planTargets(JSON.stringify({ resource_changes: [] }))).toEqual({ targets: [], leftOut: [] });
  });

  test('scenario outcome fail fails plan and apply; an apply without a saved plan fails, naming it', async () => {
    const failing = stageContext({ environment: BUILD, scenario: { outcome: 'fail' } });
    await expect(plan.run(failing, simulated)).rejects.toMatchObject({ status: 'FAILED' });
    const noPlan = stageContext({ environment: { ...BUILD, PLAN_KEY: 'runs/x/terraform/plan.tfplan' } });
    await expect(apply.run(noPlan, simulated)).rejects.toMatchObject({
      status: 'FAILED',
      message: 'TerraformApply: the saved plan runs/x/terraform/plan.tfplan does not exist',
    });
  });
});

describeWithTools(['terraform', 'moto_server'], 'Terraform drivers against moto_server (real)', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    // AWS managed policies, which the IAM module attaches, exist in moto only with this.
    moto = await startMoto({ env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' } });
  });
  afterAll(async () => {
    await moto?.stop();
  });

  test('detect: real, naming the Terraform version and the endpoint', async () => {
    expect(await new TerraformPlanDriver({ awsEndpoint: moto.endpoint }).detect()).toEqual({
      mode: 'real',
      reason: `terraform ${terraformVersion()} against moto_server at ${moto.endpoint} (resources moto cannot create are left out of the plan)`,
    });
  });

  test('plan and apply of the dev root: init, plan -out, show -json, PlanGuard on the real plan, apply of the saved plan', async () => {
    const plan = new TerraformPlanDriver({ awsEndpoint: moto.endpoint });
    const ctx = stageContext({ environment: BUILD });
    const started = Date.now();
    const outputs = await plan.run(ctx, await plan.detect());
    const planSeconds = (Date.now() - started) / 1000;
    expect(outputs).toMatchObject({ PLAN_HAS_CHANGES: 'true' });
    // What moto_server cannot create was left out, each named with its reason.
    const log = ctx.lines.join('\n');
    expect(log).toMatch(/moto_server cannot create \d+ of the planned resources; planning without them/);
    expect(log).toMatch(/- module\.environment\.module\.eks\.aws_eks_addon\.this\["vpc-cni"\]: no EKS add-on API/);
    expect(ctx.artifacts.objects.get(outputs.PLAN_KEY)?.length).toBeGreaterThan(1000);

    // PlanGuard judges the real plan JSON, and counts it as Terraform itself printed it.
    const plans = [...log.matchAll(/Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\./g)];
    const printed = plans.at(-1) ?? null;
    expect(printed).not.toBeNull();
    const verdict = judge(ctx.artifacts.text(outputs.PLAN_JSON_KEY));
    expect(verdict.summary).toBe(`${printed?.[1]} to add, ${printed?.[2]} to change, ${printed?.[3]} to destroy`);
    expect(verdict.add).toBeGreaterThan(60);
    expect(verdict.protectedChanges).toEqual([]);
    expect(planTargets(ctx.artifacts.text(outputs.PLAN_JSON_KEY) ?? '').leftOut).toEqual([]);

    const apply = new TerraformApplyDriver({ awsEndpoint: moto.endpoint });
    const applyCtx = stageContext({
      environment: { ...BUILD, PLAN_KEY: outputs.PLAN_KEY },
      workDir: ctx.workDir,
      artifacts: ctx.artifacts,
    });
    const applyStarted = Date.now();
    expect(await apply.run(applyCtx, await apply.detect())).toEqual({});
    const applySeconds = (Date.now() - applyStarted) / 1000;
    expect(applyCtx.lines.join('\n')).toContain(
      `Apply complete! Resources: ${verdict.add} added, 0 changed, 0 destroyed.`,
    );
    // The state is in moto's S3 (backend with use_lockfile), with what the plan said it would create.
    const s3 = new S3Client(moto.clientConfig);
    const state = await s3.send(
      new GetObjectCommand({ Bucket: stateBucketName('us-east-1'), Key: BUILD.TF_STATE_KEY }),
    );
    const resources = JSON.parse((await state.Body?.transformToString()) ?? '{}').resources as {
      mode: string;
      instances: unknown[];
    }[];
    const instances = resources.filter((r) => r.mode === 'managed').flatMap((r) => r.instances);
    expect(instances.length).toBe(verdict.add);
    console.log(`real terraform plan of ${TF_DIR}: ${planSeconds.toFixed(1)} s, apply: ${applySeconds.toFixed(1)} s`);
  }, 900_000);
});
