import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';
import { type BuildStageName, STAGE_OUTPUTS, type StageOutputs } from '../contracts/stage-outputs';
import { formatIssues } from '../contracts/validation-issues';
import { LocalRunDefect } from './local-run-defect';
import { scanEventLostKey, scanFindingsKey, scanFindingsPage } from './scan-tasks';
import { LocalBuildFailed, type StageDriver, type StageMode, type StageRunContext } from './stage-driver';

/**
 * Stand-ins for the CodeBuild stages where no local driver runs the stage's tool: each returns
 * outputs that satisfy `lib/contracts/stage-outputs.ts` and writes the artifacts those outputs point
 * to, so the real CoverageGate and PlanGuard logic downstream judges real files.
 *
 * What they read from the scenario (`StageRunContext.scenario`), every stage:
 * - `outcome`: `'succeed'` (default) or `'fail'`: the build ends with `buildStatus` (default `FAILED`);
 * - `buildStatus`: `FAILED`, `FAULT`, `STOPPED` or `TIMED_OUT`;
 * - `exported`: variables to set instead of the simulated ones (`undefined` leaves one unset).
 *
 * And per stage:
 * - RunTests: `linePct` (0-100, default 90): the line coverage of the generated Cobertura report;
 *   `reportBody`: upload this text as the report instead.
 * - TerraformPlan: `plan`: `'create'` (default), `'destructive'` (replaces `aws_db_instance.main`) or
 *   `'no-changes'`; `planJson`: upload this text as the plan JSON instead.
 * - BuildImage: `repository: 'missing'`: no ECR repository yet: IMAGE_DEFERRED=true when
 *   ON_MISSING_REPOSITORY=defer, else the build fails.
 * - HelmDeploy: `previousRevision` (default 0): the release's revision before the deploy;
 *   `deployedCommit: 'wrong'`: DEPLOYED_COMMIT is another commit than COMMIT.
 * - HelmRollback (variables from `ctx.environment`, the decision's build.environmentVariables):
 *   `rollbackOutcome` (default `rolled-back`; `uninstalled` when ROLLBACK_ACTION=uninstall,
 *   `already-restored` when it is `restore`).
 */

const BUILD_STATUSES = ['FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT'] as const;

const commonWishes = z.looseObject({
  outcome: z.enum(['succeed', 'fail']).optional(),
  buildStatus: z.enum(BUILD_STATUSES).optional(),
  exported: z.record(z.string(), z.string().optional()).optional(),
});

const buildImageWishes = commonWishes.extend({
  repository: z.enum(['present', 'missing']).optional(),
  scanFindings: z.enum(['clean', 'critical']).optional(),
  scanEvent: z.enum(['delivered', 'lost']).optional(),
});

const runTestsWishes = commonWishes.extend({
  linePct: z.number().min(0).max(100).optional(),
  reportBody: z.string().optional(),
});

const PLAN_KINDS = ['create', 'destructive', 'no-changes'] as const;
const terraformPlanWishes = commonWishes.extend({
  plan: z.enum(PLAN_KINDS).optional(),
  planJson: z.string().optional(),
});

const helmDeployWishes = commonWishes.extend({
  previousRevision: z.number().int().min(0).optional(),
  /** Revisions the release had before the run, as the real driver reads it: the previous revision. */
  releaseRevision: z.number().int().min(0).optional(),
  deployedCommit: z.enum(['right', 'wrong']).optional(),
});
const helmRollbackWishes = commonWishes.extend({
  releaseRevision: z.number().int().min(0).optional(),
  rollbackOutcome: z.enum(['already-restored', 'rolled-back', 'uninstalled']).optional(),
});

/** The scenario's wishes for a stage, validated. @throws Error naming the stage and each bad field. */
function wishesOf<T extends z.ZodType>(stage: BuildStageName, schema: T, ctx: StageRunContext): z.output<T> {
  const parsed = schema.safeParse(ctx.scenario);
  if (!parsed.success) {
    throw new LocalRunDefect(
      `scenario settings for ${stage} are invalid: ${formatIssues(parsed.error.issues).join('; ')}`,
    );
  }
  return parsed.data;
}

/** A variable the state machine passes to the build. @throws LocalBuildFailed when it is not set, as the buildspec would fail. */
function required(ctx: StageRunContext, name: string): string {
  const value = ctx.environment[name];
  if (value === undefined || value === '') throw new LocalBuildFailed('FAILED', `${name} is not set`);
  return value;
}

/** Fails the build when the scenario asks for it; otherwise does nothing. */
function failIfAsked(stage: BuildStageName, wishes: z.output<typeof commonWishes>, ctx: StageRunContext): void {
  if (wishes.outcome !== 'fail') return;
  const status = wishes.buildStatus ?? 'FAILED';
  ctx.log(`${stage}: the scenario ends this build ${status}`);
  throw new LocalBuildFailed(status, `simulated ${stage} build ended ${status} (scenario)`);
}

/** Simulated outputs with the scenario's `exported` applied (`undefined` removes a variable). */
function withExported(
  simulated: Record<string, string>,
  exported: Readonly<Record<string, string | undefined>> | undefined,
): Record<string, string> {
  const merged: Record<string, string | undefined> = { ...simulated, ...exported };
  return Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
}

function outputs<S extends BuildStageName>(stage: S, values: Record<string, string>): StageOutputs<S> {
  return STAGE_OUTPUTS[stage].parse(values) as StageOutputs<S>;
}

function simulatedMode(reason: string): () => Promise<StageMode> {
  return async () => ({ mode: 'simulated', reason });
}

/** Source files of the app (`.ts`/`.js` under `<app>/src`, relative to `<app>`), sorted; at most 20. */
async function appSourceFiles(appDir: string): Promise<string[]> {
  try {
    const entries = await readdir(join(appDir, 'src'), { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && /\.[cm]?[jt]s$/.test(e.name) && !/\.d\.ts$/.test(e.name))
      .map((e) => relative(appDir, join(e.parentPath, e.name)).split(sep).join('/'))
      .sort()
      .slice(0, 20);
  } catch {
    return [];
  }
}

/** Lines a generated report measures in total, so a whole percentage is exact. */
const GENERATED_LINES = 100;

/**
 * A Cobertura report as istanbul's `cobertura` reporter writes it, measuring
 * {@link GENERATED_LINES} lines over `files`, of which `round(linePct)` are hit.
 */
export function coberturaReport(files: readonly string[], linePct: number): string {
  const names = files.length > 0 ? files : ['src/index.ts'];
  const covered = Math.round((linePct / 100) * GENERATED_LINES);
  let remainingHits = covered;
  const classes = names.map((file, i) => {
    const count = Math.floor(GENERATED_LINES / names.length) + (i < GENERATED_LINES % names.length ? 1 : 0);
    const lines = Array.from({ length: count }, (_, n) => {
      const hit = remainingHits > 0 ? 1 : 0;
      remainingHits -= hit;
      return { number: n + 1, hit };
    });
    const hits = lines.filter((l) => l.hit).length;
    const rate = count === 0 ? 1 : hits / count;
    const body = lines.map((l) => `<line number="${l.number}" hits="${l.hit}" branch="false"/>`).join('');
    return `<class name="${file.split('/').pop()}" filename="${file}" line-rate="${rate}" branch-rate="1"><methods/><lines>${body}</lines></class>`;
  });
  const rate = covered / GENERATED_LINES;
  return `<?xml version="1.0" ?>
<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage lines-valid="${GENERATED_LINES}" lines-covered="${covered}" line-rate="${rate}" branches-valid="0" branches-covered="0" branch-rate="1" timestamp="0" complexity="0" version="0.1">
<sources><source>.</source></sources>
<packages><package name="src" line-rate="${rate}" branch-rate="1"><classes>${classes.join('')}</classes></package></packages>
</coverage>
`;
}

/** A `git diff -U0` that adds the first five lines of `file`. */
function changedLinesDiff(file: string): string {
  return `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n@@ -0,0 +1,5 @@\n${'+// changed\n'.repeat(5)}`;
}

/**
 * `terraform show -json` of a saved plan (format 1.2, https://developer.hashicorp.com/terraform/internals/json-format),
 * reduced to what the plan guard reads.
 */
export function simulatedPlanJson(kind: (typeof PLAN_KINDS)[number]): string {
  const change = (address: string, actions: string[]) => {
    const [type, name] = address.split('.') as [string, string];
    return {
      address,
      mode: 'managed',
      type,
      name,
      provider_name: 'registry.terraform.io/hashicorp/aws',
      change: { actions },
    };
  };
  const resourceChanges = {
    create: [change('aws_cloudwatch_log_group.app', ['create'])],
    destructive: [
      change('aws_db_instance.main', ['delete', 'create']),
      change('aws_cloudwatch_log_group.app', ['create']),
    ],
    'no-changes': [change('aws_cloudwatch_log_group.app', ['no-op'])],
  }[kind];
  return `${JSON.stringify(
    {
      format_version: '1.2',
      terraform_version: '1.11.4',
      planned_values: { root_module: {} },
      resource_changes: resourceChanges,
      errored: false,
    },
    null,
    2,
  )}\n`;
}

const runTests: StageDriver<'RunTests'> = {
  stage: 'RunTests',
  detect: simulatedMode('no local test run yet: a generated Cobertura report stands in for the tests'),
  async run(ctx) {
    const wishes = wishesOf('RunTests', runTestsWishes, ctx);
    failIfAsked('RunTests', wishes, ctx);
    const prefix = required(ctx, 'RUN_PREFIX');
    const appPath = required(ctx, 'APP_PATH');
    const files = await appSourceFiles(join(ctx.sourceDir, appPath));
    const simulated: Record<string, string> = { COVERAGE_REPORT_KEY: `${prefix}coverage/report` };
    // As run-tests.sh: the text `null` (a push without a parent commit) means no parent to diff against.
    const before = ctx.environment.BEFORE_COMMIT;
    if (before && before !== 'null') simulated.CHANGED_LINES_KEY = `${prefix}coverage/changed-lines.diff`;
    const values = withExported(simulated, wishes.exported);
    const linePct = wishes.linePct ?? 90;
    const report = wishes.reportBody ?? coberturaReport(files, linePct);
    if (values.COVERAGE_REPORT_KEY) await ctx.artifacts.put(values.COVERAGE_REPORT_KEY, report);
    if (values.CHANGED_LINES_KEY)
      await ctx.artifacts.put(values.CHANGED_LINES_KEY, changedLinesDiff(files[0] ?? 'src/index.ts'));
    ctx.log(
      wishes.reportBody === undefined
        ? `generated Cobertura report: ${linePct}% of lines`
        : 'uploaded the scenario’s report',
    );
    return outputs('RunTests', values);
  },
};

const terraformPlan: StageDriver<'TerraformPlan'> = {
  stage: 'TerraformPlan',
  detect: simulatedMode('no local Terraform run yet: a generated plan stands in for terraform plan'),
  async run(ctx) {
    const wishes = wishesOf('TerraformPlan', terraformPlanWishes, ctx);
    failIfAsked('TerraformPlan', wishes, ctx);
    const prefix = required(ctx, 'RUN_PREFIX');
    required(ctx, 'TF_DIR');
    const kind = wishes.plan ?? 'create';
    const values = withExported(
      {
        PLAN_KEY: `${prefix}terraform/plan.tfplan`,
        PLAN_JSON_KEY: `${prefix}terraform/plan.json`,
        PLAN_HAS_CHANGES: kind === 'no-changes' ? 'false' : 'true',
      },
      wishes.exported,
    );
    if (values.PLAN_KEY)
      await ctx.artifacts.put(values.PLAN_KEY, `simulated ${kind} plan of ${ctx.environment.TF_DIR}\n`);
    if (values.PLAN_JSON_KEY) await ctx.artifacts.put(values.PLAN_JSON_KEY, wishes.planJson ?? simulatedPlanJson(kind));
    ctx.log(wishes.planJson === undefined ? `generated a ${kind} plan` : 'uploaded the scenario’s plan JSON');
    return outputs('TerraformPlan', values);
  },
};

const buildImage: StageDriver<'BuildImage'> = {
  stage: 'BuildImage',
  detect: simulatedMode('no local image build yet: the digest is derived from the commit'),
  async run(ctx) {
    const wishes = wishesOf('BuildImage', buildImageWishes, ctx);
    failIfAsked('BuildImage', wishes, ctx);
    const repository = required(ctx, 'ECR_REPOSITORY_URI');
    const commit = required(ctx, 'COMMIT');
    if (wishes.repository === 'missing') {
      if (ctx.environment.ON_MISSING_REPOSITORY === 'defer') {
        ctx.log(`no ECR repository ${repository} yet: deferred until after TerraformApply`);
        return outputs('BuildImage', withExported({ IMAGE_DEFERRED: 'true' }, wishes.exported));
      }
      throw new LocalBuildFailed('FAILED', `ECR repository ${repository} does not exist (scenario)`);
    }
    const digest = createHash('sha256').update(`${repository}@${commit}`).digest('hex');
    ctx.log(`image ${repository}:${commit}`);
    // The image's scan findings, for WaitForScan/PollScan (lib/local/scan-tasks.ts): `scanFindings`
    // 'critical' adds one CRITICAL finding to the clean result.
    const findings = scanFindingsPage(`sha256:${digest}`, wishes.scanFindings === 'critical');
    await ctx.artifacts.put(scanFindingsKey(`sha256:${digest}`), JSON.stringify(findings));
    if (wishes.scanEvent === 'lost') await ctx.artifacts.put(scanEventLostKey(`sha256:${digest}`), 'lost');
    return outputs(
      'BuildImage',
      withExported({ IMAGE_URI: `${repository}@sha256:${digest}`, IMAGE_DIGEST: `sha256:${digest}` }, wishes.exported),
    );
  },
};

const terraformApply: StageDriver<'TerraformApply'> = {
  stage: 'TerraformApply',
  detect: simulatedMode('no local Terraform run yet: the saved plan is checked, not applied'),
  async run(ctx) {
    const wishes = wishesOf('TerraformApply', commonWishes, ctx);
    failIfAsked('TerraformApply', wishes, ctx);
    const planKey = required(ctx, 'PLAN_KEY');
    // The buildspec applies exactly the saved plan; without it the build fails.
    if ((await ctx.artifacts.get(planKey)) === undefined) {
      throw new LocalBuildFailed('FAILED', `saved plan s3://${ctx.artifacts.bucket}/${planKey} not found`);
    }
    ctx.log(`applied the saved plan ${planKey}`);
    return outputs('TerraformApply', withExported({}, wishes.exported));
  },
};

const helmDeploy: StageDriver<'HelmDeploy'> = {
  stage: 'HelmDeploy',
  detect: simulatedMode('no Kubernetes cluster here: the rollout is simulated'),
  async run(ctx) {
    const wishes = wishesOf('HelmDeploy', helmDeployWishes, ctx);
    failIfAsked('HelmDeploy', wishes, ctx);
    required(ctx, 'IMAGE_URI');
    const commit = required(ctx, 'COMMIT');
    const previous = wishes.previousRevision ?? wishes.releaseRevision ?? 0;
    const deployed = wishes.deployedCommit === 'wrong' ? (commit.startsWith('0') ? 'f' : '0').repeat(40) : commit;
    ctx.log(`release ${ctx.environment.RELEASE ?? '?'} revision ${previous + 1}; /version reports ${deployed}`);
    return outputs(
      'HelmDeploy',
      withExported(
        { PREVIOUS_REVISION: String(previous), HELM_REVISION: String(previous + 1), DEPLOYED_COMMIT: deployed },
        wishes.exported,
      ),
    );
  },
};

const helmRollback: StageDriver<'HelmRollback'> = {
  stage: 'HelmRollback',
  detect: simulatedMode('no Kubernetes cluster here: the rollback is simulated'),
  async run(ctx) {
    const wishes = wishesOf('HelmRollback', helmRollbackWishes, ctx);
    failIfAsked('HelmRollback', wishes, ctx);
    const byAction: Record<string, 'uninstalled' | 'already-restored' | 'rolled-back'> = {
      uninstall: 'uninstalled',
      // After a failed HelmDeploy, Helm's own --rollback-on-failure has restored the release.
      restore: 'already-restored',
    };
    const outcome = wishes.rollbackOutcome ?? byAction[ctx.environment.ROLLBACK_ACTION ?? ''] ?? 'rolled-back';
    ctx.log(`ROLLBACK_OUTCOME=${outcome}`);
    return outputs('HelmRollback', withExported({ ROLLBACK_OUTCOME: outcome }, wishes.exported));
  },
};

/** One driver per CodeBuild stage, by state name. */
export type StageDrivers = { readonly [S in BuildStageName]: StageDriver<S> };

/** A simulated driver for every CodeBuild stage. */
export function simulatedDrivers(): StageDrivers {
  return {
    RunTests: runTests,
    TerraformPlan: terraformPlan,
    BuildImage: buildImage,
    TerraformApply: terraformApply,
    HelmDeploy: helmDeploy,
    HelmRollback: helmRollback,
  };
}
