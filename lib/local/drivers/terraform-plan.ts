import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStageOutputs, type StageOutputs } from '../../contracts/stage-outputs';
import { runStageScript } from '../run-stage-script';
import { LocalBuildFailed, type StageDriver, type StageMode, type StageRunContext } from '../stage-driver';
import {
  awsEndpoint,
  detectTerraform,
  planTargets,
  recordedPlanJson,
  terraformOverrides,
} from '../terraform-against-moto';

/**
 * TerraformPlan on this machine. Real where `terraform` and `moto_server` are installed and the run
 * has an AWS endpoint: `lib/stages/scripts/terraform-plan.sh` runs `init` (S3 backend with
 * `use_lockfile` in moto's S3, the account bootstrapped first), `plan -out` and `show -json` of the
 * environment's root against moto_server (see terraformOverrides), and the saved plan and its JSON
 * become run artifacts, so PlanGuard judges the real plan and TerraformApply applies it.
 *
 * moto_server cannot create everything the root declares (MOTO_UNSUPPORTED: EKS add-ons, access
 * entries, Pod Identity, ...). When the full plan holds any of those, the script runs a second time
 * with `-target`s for everything else (TF_CLI_ARGS_plan), so the saved plan is one moto can apply;
 * the log lists what was left out and why. Simulated elsewhere: the recorded plan JSON of the dev
 * root's first apply (80 resources to create) is stored with a placeholder saved plan.
 *
 * Scenario keys read:
 * - `outcome: 'fail'`: the plan fails (real: `terraform plan` is given an undeclared variable, so
 *   Terraform itself refuses; simulated: the build fails);
 * - `plan: 'destructive'`: the plan JSON stored for PlanGuard is the recorded plan that replaces the
 *   RDS instance and the EKS cluster (real mode plans for real first and says so in the log).
 */
export class TerraformPlanDriver implements StageDriver<'TerraformPlan'> {
  readonly stage = 'TerraformPlan';

  constructor(private readonly options: { readonly awsEndpoint?: string } = {}) {}

  async detect(): Promise<StageMode> {
    return detectTerraform(awsEndpoint(this.options.awsEndpoint));
  }

  async run(ctx: StageRunContext, mode: StageMode): Promise<StageOutputs<'TerraformPlan'>> {
    const prefix = ctx.environment.RUN_PREFIX;
    if (prefix === undefined) throw new LocalBuildFailed('FAULT', 'TerraformPlan: the build has no RUN_PREFIX');
    const failing = ctx.scenario.outcome === 'fail';
    const destructive = ctx.scenario.plan === 'destructive';
    const endpoint = awsEndpoint(this.options.awsEndpoint);
    let outputs: Record<string, string>;
    if (mode.mode === 'real' && endpoint !== undefined) {
      if (failing) ctx.log('scenario: terraform plan gets an undeclared variable and fails');
      const overrides = await terraformOverrides(ctx, endpoint);
      if (failing) overrides.TF_CLI_ARGS_plan = '-var=scenario_undeclared_variable=1';
      const full = await runStageScript('TerraformPlan', ctx, {
        cwd: ctx.sourceDir,
        overrides,
        storeArtifacts: false,
      });
      const planJsonKey = full.outputs.PLAN_JSON_KEY as string;
      const { targets, leftOut } = planTargets(readFileSync(join(full.artifactsDir, planJsonKey), 'utf8'));
      if (targets.length === 0) {
        for (const key of full.stored) await ctx.artifacts.put(key, readFileSync(join(full.artifactsDir, key)));
        outputs = full.outputs;
      } else {
        ctx.log(`moto_server cannot create ${leftOut.length} of the planned resources; planning without them:`);
        for (const { address, why } of leftOut) ctx.log(`  - ${address}: ${why}`);
        ({ outputs } = await runStageScript('TerraformPlan', ctx, {
          cwd: ctx.sourceDir,
          overrides: { ...overrides, TF_CLI_ARGS_plan: targets.map((t) => `-target=${t}`).join(' ') },
        }));
      }
    } else {
      if (failing) throw new LocalBuildFailed('FAILED', 'TerraformPlan: the plan failed (scenario)');
      outputs = {
        PLAN_KEY: `${prefix}terraform/plan.tfplan`,
        PLAN_JSON_KEY: `${prefix}terraform/plan.json`,
        PLAN_HAS_CHANGES: 'true',
      };
      await ctx.artifacts.put(outputs.PLAN_KEY as string, `simulated plan (${mode.reason}): nothing to apply\n`);
      await ctx.artifacts.put(outputs.PLAN_JSON_KEY as string, recordedPlanJson('first-apply'));
      ctx.log('stored the recorded plan JSON of the dev root’s first apply (80 resources to create)');
    }
    if (destructive) {
      await ctx.artifacts.put(outputs.PLAN_JSON_KEY as string, recordedPlanJson('replace-database'));
      ctx.log('scenario: the plan JSON for PlanGuard is the recorded one that replaces the RDS instance');
    }
    return parseStageOutputs('TerraformPlan', outputs);
  }
}
