import * as z from 'zod';
import { environmentConfigSchema } from './pipeline-config';
import { formatIssues } from './validation-issues';

/**
 * What a deploy takes from its environment's Terraform, so a fresh environment deploys in one run
 * with nothing typed by hand (docs/rollback.md, "Deploy inputs from Terraform"):
 * `TerraformApply` maps `terraform output -json` of the environment root to a {@link DeployInputs}
 * document and publishes it; `HelmDeploy` passes its `helmSet` arguments to `helm upgrade`.
 *
 * The mapping is written once, in {@link HELM_VALUES_FROM_TERRAFORM}; {@link deployInputsFromTerraform}
 * applies it in TypeScript and {@link deployInputsJqFilter} is the same mapping as a jq program for
 * the build, which has `jq` but not this project's code. `test/rollback/deploy-values.test.ts` runs
 * both on a real `terraform output -json` and requires the same document.
 */

/** One Terraform output a deploy passes to Helm. */
export interface HelmValueFromTerraform {
  /** The root's output name. */
  readonly output: string;
  /** The chart value it sets (`app/chart/values.yaml`). */
  readonly value: string;
  /** `string` is passed with `--set-string`; `integer` with `--set`, so Helm sees a number. */
  readonly kind: 'string' | 'integer';
  /** A deploy cannot go without it: the mapping fails when the output is missing. */
  readonly required: boolean;
}

/**
 * The chart values a deploy takes from Terraform. `db_address` is an output of every environment root
 * (`terraform/environments/<env>/outputs.tf`); `db_port` and `db_name` are taken when a root declares
 * them, else the chart's defaults apply (5432, `sample`).
 */
export const HELM_VALUES_FROM_TERRAFORM: readonly HelmValueFromTerraform[] = [
  { output: 'db_address', value: 'database.host', kind: 'string', required: true },
  { output: 'db_port', value: 'database.port', kind: 'integer', required: false },
  { output: 'db_name', value: 'database.name', kind: 'string', required: false },
];

/** The output naming the EKS cluster the environment's deploys go to. */
export const CLUSTER_OUTPUT = 'cluster_name';
/** The output with the network of in-VPC deploys, shaped like the configuration's `deployNetwork`. */
export const DEPLOY_NETWORK_OUTPUT = 'deploy_network';
/** The output naming the environment's Region. */
export const REGION_OUTPUT = 'region';

const deployNetworkSchema = environmentConfigSchema.shape.deployNetwork.unwrap();

/**
 * The document `TerraformApply` publishes for one service and environment, and `HelmDeploy` reads.
 * At most a few hundred bytes: it fits an SSM String parameter of the standard tier (4 KB,
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html).
 */
export const deployInputsSchema = z.strictObject({
  /** The EKS cluster Terraform made; HelmDeploy refuses to deploy when the run's cluster differs. */
  cluster: z.string().min(1),
  /** The environment's Region, when the root has a `region` output. */
  region: z.string().min(1).optional(),
  /** Where in-VPC deploys run, when the root has a `deploy_network` output. */
  deployNetwork: deployNetworkSchema.optional(),
  /** `helm upgrade` arguments, in pairs: `--set-string` / `--set` and `<value>=<escaped text>`. */
  helmSet: z.array(z.string()),
});

export type DeployInputs = z.output<typeof deployInputsSchema>;

/** One output of `terraform output -json`: `{ "sensitive": false, "type": ..., "value": ... }`. */
const terraformOutputSchema = z.looseObject({ sensitive: z.boolean(), value: z.unknown() });
const terraformOutputsSchema = z.record(z.string(), terraformOutputSchema);

/** The chart's `database.host` pattern (`app/chart/values.schema.json`). */
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** A Terraform output document a deploy cannot use; `problems` has one line per problem. */
export class TerraformOutputsInvalid extends Error {
  override readonly name = 'TerraformOutputsInvalid';
  constructor(readonly problems: readonly string[]) {
    super(`terraform output -json cannot feed the deploy: ${problems.join('; ')}`);
  }
}

/**
 * Escapes a value for Helm's `--set`/`--set-string` syntax, where "," separates assignments and "\"
 * escapes (Helm docs, "The Format and Limitations of --set": "you can use a backslash to escape the
 * characters").
 */
export function escapeHelmSetValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/,/g, '\\,');
}

function checkValue(mapping: HelmValueFromTerraform, value: unknown): string | undefined {
  if (mapping.kind === 'integer') {
    return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65_535
      ? undefined
      : `${mapping.output} must be a port number from 1 to 65535, got ${JSON.stringify(value)}`;
  }
  if (typeof value !== 'string' || value === '') {
    return `${mapping.output} must be a non-empty string, got ${JSON.stringify(value)}`;
  }
  if (mapping.value === 'database.host' && !HOST.test(value)) {
    return `${mapping.output} must be a host name (the chart's database.host pattern), got ${JSON.stringify(value)}`;
  }
  return undefined;
}

/**
 * Maps `terraform output -json` of an environment root to what its deploy needs.
 *
 * Terraform leaves an output whose value is `null` out of the document, so an optional output that
 * is null is simply absent. Sensitive outputs are refused: the document is stored in plain text.
 *
 * @param outputs the parsed `terraform output -json` document.
 * @throws {@link TerraformOutputsInvalid} naming each missing, sensitive or malformed output.
 */
export function deployInputsFromTerraform(outputs: unknown): DeployInputs {
  const parsed = terraformOutputsSchema.safeParse(outputs, { reportInput: true });
  if (!parsed.success) throw new TerraformOutputsInvalid(formatIssues(parsed.error.issues));
  const doc = parsed.data;
  const problems: string[] = [];
  const outputValue = (name: string, required: boolean): unknown => {
    const output = doc[name];
    if (output === undefined) {
      if (required) problems.push(`output "${name}" is missing (or null)`);
      return undefined;
    }
    if (output.sensitive) {
      problems.push(`output "${name}" is sensitive: it would be stored in plain text`);
      return undefined;
    }
    return output.value;
  };

  const helmSet: string[] = [];
  for (const mapping of HELM_VALUES_FROM_TERRAFORM) {
    const value = outputValue(mapping.output, mapping.required);
    if (value === undefined) continue;
    const problem = checkValue(mapping, value);
    if (problem !== undefined) {
      problems.push(problem);
      continue;
    }
    helmSet.push(
      mapping.kind === 'integer' ? '--set' : '--set-string',
      `${mapping.value}=${escapeHelmSetValue(String(value))}`,
    );
  }
  const cluster = outputValue(CLUSTER_OUTPUT, true);
  if (cluster !== undefined && (typeof cluster !== 'string' || cluster === '')) {
    problems.push(`output "${CLUSTER_OUTPUT}" must be a non-empty string`);
  }
  const region = outputValue(REGION_OUTPUT, false);
  if (region !== undefined && (typeof region !== 'string' || region === '')) {
    problems.push(`output "${REGION_OUTPUT}" must be a non-empty string`);
  }
  const networkValue = outputValue(DEPLOY_NETWORK_OUTPUT, false);
  let deployNetwork: DeployInputs['deployNetwork'];
  if (networkValue !== undefined) {
    const network = deployNetworkSchema.safeParse(networkValue, { reportInput: true });
    if (network.success) deployNetwork = network.data;
    else problems.push(...formatIssues(network.error.issues).map((p) => `output "${DEPLOY_NETWORK_OUTPUT}" ${p}`));
  }
  if (problems.length > 0) throw new TerraformOutputsInvalid(problems);
  return {
    cluster: cluster as string,
    ...(region === undefined ? {} : { region: region as string }),
    ...(deployNetwork === undefined ? {} : { deployNetwork }),
    helmSet,
  };
}

/** A jq string literal. */
const jqString = (text: string) => JSON.stringify(text);

/**
 * {@link deployInputsFromTerraform} as a jq program (jq 1.6): `terraform output -json | jq -c
 * "$FILTER"` prints the same {@link DeployInputs} document, and stops with an error naming a missing
 * required output. It maps only: the checks of values are the TypeScript function's, and the chart's
 * schema checks the values again at `helm upgrade`.
 */
export function deployInputsJqFilter(): string {
  const escapeForHelm = 'tostring | gsub("\\\\\\\\"; "\\\\\\\\") | gsub(","; "\\\\,")';
  const sets = HELM_VALUES_FROM_TERRAFORM.map((m) => {
    const flag = jqString(m.kind === 'integer' ? '--set' : '--set-string');
    const pair = `[${flag}, (${jqString(`${m.value}=`)} + (.${m.output}.value | ${escapeForHelm}))]`;
    return m.required
      ? `(if has(${jqString(m.output)}) then ${pair} else error(${jqString(`output "${m.output}" is missing (or null)`)}) end)`
      : `(if has(${jqString(m.output)}) then ${pair} else [] end)`;
  });
  return [
    `if has(${jqString(CLUSTER_OUTPUT)}) | not then error(${jqString(`output "${CLUSTER_OUTPUT}" is missing (or null)`)}) else . end`,
    '| {',
    `  cluster: .${CLUSTER_OUTPUT}.value,`,
    `  helmSet: (${sets.join(' + ')})`,
    '}',
    `+ (if has(${jqString(REGION_OUTPUT)}) then { region: .${REGION_OUTPUT}.value } else {} end)`,
    `+ (if has(${jqString(DEPLOY_NETWORK_OUTPUT)}) then { deployNetwork: .${DEPLOY_NETWORK_OUTPUT}.value } else {} end)`,
  ].join('\n');
}
