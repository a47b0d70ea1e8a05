import { parseStageOutputs, type StageOutputs } from '../../contracts/stage-outputs';
import { runStageScript } from '../run-stage-script';
import { LocalBuildFailed, type StageDriver, type StageMode, type StageRunContext } from '../stage-driver';
import { awsEndpoint, detectTerraform, planTargets, terraformOverrides } from '../terraform-against-moto';

/**
 * TerraformApply on this machine, real under the same conditions as TerraformPlan:
 * `lib/stages/scripts/terraform-apply.sh` applies the saved plan from the run's artifacts against
 * moto_server, from the same TF_WORK_ROOT the plan was made in, and logs the apply's wall time.
 * Simulated elsewhere: the saved plan must exist, nothing is applied.
 *
 * A plan that creates what moto_server cannot (MOTO_UNSUPPORTED; TerraformPlan leaves those out)
 * fails at once, naming them, instead of failing late or waiting forever (PutCompositeAlarm).
 *
 * Scenario keys read: `outcome: 'fail'`: the apply fails (real: `terraform apply` of a saved plan
 * is given a variable, which Terraform refuses; simulated: the build fails).
 */
export class TerraformApplyDriver implements StageDriver<'TerraformApply'> {
  readonly stage = 'TerraformApply';

  constructor(private readonly options: { readonly awsEndpoint?: string } = {}) {}

  async detect(): Promise<StageMode> {
    return detectTerraform(awsEndpoint(this.options.awsEndpoint));
  }

  async run(ctx: StageRunContext, mode: StageMode): Promise<StageOutputs<'TerraformApply'>> {
    const planKey = ctx.environment.PLAN_KEY;
    if (planKey === undefined) throw new LocalBuildFailed('FAULT', 'TerraformApply: the build has no PLAN_KEY');
    if ((await ctx.artifacts.get(planKey)) === undefined) {
      throw new LocalBuildFailed('FAILED', `TerraformApply: the saved plan ${planKey} does not exist`);
    }
    const failing = ctx.scenario.outcome === 'fail';
    const endpoint = awsEndpoint(this.options.awsEndpoint);
    if (mode.mode !== 'real' || endpoint === undefined) {
      if (failing) throw new LocalBuildFailed('FAILED', 'TerraformApply: the apply failed (scenario)');
      ctx.log(`simulated: ${mode.reason}; nothing applied`);
      return parseStageOutputs('TerraformApply', {});
    }
    const planJson = await ctx.artifacts.get(planKey.replace(/plan\.tfplan$/, 'plan.json'));
    const unsupported = planJson === undefined ? [] : planTargets(Buffer.from(planJson).toString('utf8')).leftOut;
    if (unsupported.length > 0) {
      throw new LocalBuildFailed(
        'FAILED',
        `TerraformApply: the plan creates what moto_server cannot: ${unsupported.map((u) => `${u.address} (${u.why})`).join('; ')}`,
      );
    }
    const overrides = await terraformOverrides(ctx, endpoint);
    if (failing) {
      ctx.log('scenario: terraform apply of the saved plan gets a variable and refuses it');
      overrides.TF_CLI_ARGS_apply = '-var=scenario_variable=1';
    }
    const { durationMs } = await runStageScript('TerraformApply', ctx, {
      cwd: ctx.sourceDir,
      overrides,
      inputs: [planKey],
    });
    ctx.log(`terraform-apply.sh took ${(durationMs / 1000).toFixed(1)} s (init, then apply of the saved plan)`);
    return parseStageOutputs('TerraformApply', {});
  }
}
