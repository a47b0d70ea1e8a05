import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  DestructiveChangeBlocked,
  describeChange,
  PlanUnreadable,
  type ProtectedChange,
} from '../../../lambdas/plan-guard/errors';
import { evaluatePlan, type PlanEvaluation } from '../../../lambdas/plan-guard/evaluate-plan';
import { parsePlan } from '../../../lambdas/plan-guard/parse-plan';
import { resolveProtectedTypes } from '../../../lambdas/plan-guard/protected-types';
import { decodeText, TextDecodingError } from '../../contracts/decode-text';
import { UsageError } from '../cli-errors';
import { loadPipelineConfig } from '../pipeline-config-source';
import { configName } from '../run-filter-options';

interface PlanCheckOptions {
  env?: string;
  config?: string;
  json?: boolean;
}

/** Plan files larger than this are refused rather than read into memory. */
const MAX_PLAN_BYTES = 512 * 1024 * 1024;

/** The `--json` document: exactly these keys, in this order. */
export function planCheckJson(
  environment: string | null,
  protectedTypes: readonly string[],
  result: PlanEvaluation | null,
  blocked: readonly ProtectedChange[],
) {
  return {
    passed: result !== null,
    environment,
    add: result?.add ?? null,
    change: result?.change ?? null,
    destroy: result?.destroy ?? null,
    replace: result?.replace ?? null,
    summary: result?.summary ?? null,
    protectedTypes,
    blocked: blocked.map((c) => ({
      address: c.address,
      type: c.type,
      actions: c.actions,
      ...(c.deposed === undefined ? {} : { deposed: c.deposed }),
    })),
  };
}

async function readPlan(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw new UsageError(`plan file not found: ${path}`);
  if (!info.isFile()) throw new UsageError(`plan file is not a file: ${path}`);
  if (info.size > MAX_PLAN_BYTES) throw new UsageError(`plan file ${path} is larger than ${MAX_PLAN_BYTES} bytes`);
  try {
    // The guard's decoding step: a byte-order mark or UTF-16 from PowerShell's ">" is read the same way.
    return decodeText(await readFile(path), `Plan JSON at ${path}`);
  } catch (err) {
    if (err instanceof TextDecodingError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * `deployctl plan-check <plan.json> [--env E]`: PlanGuard's policy (the same parser, protected
 * types and rule) on `terraform show -json` output of a saved plan. Exit 0 pass, 1 blocked (a
 * protected resource would be deleted or replaced), 2 unreadable plan or bad arguments.
 */
export function register(program: Command): void {
  const command = program
    .command('plan-check')
    .description("Judge a Terraform plan (terraform show -json) with PlanGuard's policy before you push")
    .argument('<plan>', 'terraform show -json output of a saved plan');
  command
    .option('--env <name>', 'judge the plan for this environment', configName('environment'))
    .option('--config <file>', 'pipeline configuration that names the environments (default: as cdk deploy)')
    .option('--json', 'print { passed, environment, add, change, destroy, replace, summary, protectedTypes, blocked }');
  command.addHelpText(
    'after',
    `
The policy is the installation's: deleting or replacing a protected resource type is blocked.
It is the same in every environment today; --env checks the name against the configuration.

Examples:
  $ terraform plan -out plan.tfplan && terraform show -json plan.tfplan > plan.json
  $ deployctl plan-check plan.json --env prod
  $ deployctl plan-check plan.json --json`,
  );
  command.action(async (planPath: string, options: PlanCheckOptions) => {
    if (options.env !== undefined) {
      const config = loadPipelineConfig(options.config);
      const known = [...new Set(config.services.flatMap((s) => s.environments.map((e) => e.name)))];
      if (!known.includes(options.env)) {
        throw new UsageError(`unknown environment "${options.env}" (configured: ${known.join(', ')})`);
      }
    }
    const text = await readPlan(planPath);
    const protectedTypes = resolveProtectedTypes(undefined);
    let result: PlanEvaluation | null = null;
    let blocked: readonly ProtectedChange[] = [];
    try {
      result = evaluatePlan(parsePlan(text, planPath), { protectedTypes });
    } catch (err) {
      if (err instanceof PlanUnreadable) throw new UsageError(err.message);
      if (!(err instanceof DestructiveChangeBlocked)) throw err;
      blocked = err.changes;
    }
    const environment = options.env ?? null;
    if (options.json) {
      process.stdout.write(`${JSON.stringify(planCheckJson(environment, protectedTypes, result, blocked), null, 2)}\n`);
    } else {
      const where = environment === null ? '' : ` (environment ${environment})`;
      const lines =
        result !== null
          ? [
              `${planPath}${where}: ${result.summary}${result.replace > 0 ? ` (${result.replace} replaced)` : ''}`,
              'PASS',
            ]
          : [
              `${planPath}${where}: BLOCKED: the plan would delete or replace ${blocked.length} protected resource(s):`,
              ...blocked.map((c) => `  ${describeChange(c)}`),
              `Protected types: ${protectedTypes.join(', ')}`,
            ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    if (result === null) process.exitCode = 1;
  });
}
