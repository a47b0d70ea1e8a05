import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  HeadBucketCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { onPath } from './run-stage-script';
import { LocalBuildFailed, type StageMode, type StageRunContext } from './stage-driver';

/** The account moto_server answers as. */
export const MOTO_ACCOUNT_ID = '123456789012';

/** Region of the state bucket and backend when the run names none. */
const DEFAULT_REGION = 'us-east-1';

/** Where the image's filesystem mirror of the providers lives unless `TF_PLUGIN_MIRROR` says otherwise. */
const DEFAULT_PLUGIN_MIRROR = '/opt/tf-plugins';

/**
 * The Terraform root's switch for the composite alarm (moto_server 5.2.1 does not implement
 * PutCompositeAlarm, and the provider then waits on it forever).
 */
export const COMPOSITE_ALARM_SWITCH = 'create_composite_alarm';

/** The run's AWS endpoint: the option, else `AWS_ENDPOINT_URL` of this process (what `--aws-endpoint` sets). */
export function awsEndpoint(option: string | undefined): string | undefined {
  return option ?? process.env.AWS_ENDPOINT_URL ?? undefined;
}

/** `terraform version` on the PATH, or undefined without Terraform. */
export function terraformVersion(): string | undefined {
  if (!onPath('terraform')) return undefined;
  const out = spawnSync('terraform', ['version', '-json'], {
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1' },
  });
  try {
    return (JSON.parse(out.stdout) as { terraform_version?: string }).terraform_version;
  } catch {
    return undefined;
  }
}

/**
 * Whether the Terraform stages run for real: `terraform` and `moto_server` installed and the run
 * pointed at an AWS endpoint (moto_server). The reason says what runs, or what is missing.
 */
export function detectTerraform(endpoint: string | undefined): StageMode {
  const version = terraformVersion();
  if (version === undefined) return { mode: 'simulated', reason: 'terraform is not on the PATH' };
  if (!onPath('moto_server'))
    return { mode: 'simulated', reason: 'moto_server is not installed (pip install moto[server])' };
  if (endpoint === undefined) {
    return {
      mode: 'simulated',
      reason: 'the run has no AWS endpoint (moto_server): start one and pass --aws-endpoint',
    };
  }
  return {
    mode: 'real',
    reason: `terraform ${version} against moto_server at ${endpoint} (resources moto cannot create are left out of the plan)`,
  };
}

/** The state bucket, named as the stack names it in AWS (`<account>-<region>-terraform-state`). */
export function stateBucketName(region: string): string {
  return `${MOTO_ACCOUNT_ID}-${region}-terraform-state`;
}

function s3Client(endpoint: string, region: string): S3Client {
  return new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
}

/**
 * What `terraform/bootstrap` does once per account before any environment is planned, done in
 * moto_server unless the state bucket exists already: the state bucket, and the GitHub OIDC provider
 * every environment looks up. The project's own bootstrap root is applied for those two resources
 * only: its bucket policy denies requests without TLS (moto_server speaks plain HTTP) and the
 * provider waits about a minute on its lifecycle rule. Without a bootstrap root (a service laid out
 * otherwise) only the bucket is created.
 *
 * @throws {@link LocalBuildFailed} FAULT when the bootstrap apply fails, with Terraform's output.
 */
export async function bootstrapAccount(
  ctx: StageRunContext,
  endpoint: string,
  region: string,
  env: Record<string, string | undefined>,
): Promise<string> {
  const bucket = stateBucketName(region);
  const s3 = s3Client(endpoint, region);
  try {
    const exists = await s3.send(new HeadBucketCommand({ Bucket: bucket })).then(
      () => true,
      () => false,
    );
    if (exists) return bucket;
    const tfDir = ctx.environment.TF_DIR ?? ctx.settings.terraformDir;
    const root = join(ctx.sourceDir, dirname(dirname(tfDir)), 'bootstrap');
    if (!existsSync(join(root, 'main.tf'))) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: unknown) => {
        if (!(error instanceof BucketAlreadyOwnedByYou || error instanceof BucketAlreadyExists)) throw error;
      });
      return bucket;
    }
    const copy = join(ctx.workDir, 'terraform-bootstrap');
    cpSync(root, copy, { recursive: true, filter: (src) => !/[\\/]\.terraform$|\.tfstate(\.backup)?$/.test(src) });
    const terraform = (args: string[]) => {
      const run = spawnSync('terraform', [`-chdir=${copy}`, ...args], {
        encoding: 'utf8',
        env: env as NodeJS.ProcessEnv,
      });
      for (const line of `${run.stdout}${run.stderr}`.split('\n')) if (line.trim() !== '') ctx.log(line);
      if (run.status !== 0)
        throw new LocalBuildFailed('FAULT', `bootstrap of moto_server failed: terraform ${args[0]}`);
    };
    ctx.log(`bootstrapping moto_server with ${root}: state bucket ${bucket} and the GitHub OIDC provider`);
    terraform(['init', '-input=false']);
    terraform([
      'apply',
      '-input=false',
      '-auto-approve',
      '-target=aws_s3_bucket.state',
      '-target=aws_iam_openid_connect_provider.github',
    ]);
    return bucket;
  } finally {
    s3.destroy();
  }
}

/** Whether the environment root at `rootDir` declares the composite alarm switch. */
export function declaresCompositeAlarmSwitch(rootDir: string): boolean {
  if (!existsSync(rootDir)) return false;
  const declaration = new RegExp(`variable\\s+"${COMPOSITE_ALARM_SWITCH}"`);
  return readdirSync(rootDir)
    .filter((f) => f.endsWith('.tf'))
    .some((f) => declaration.test(readFileSync(join(rootDir, f), 'utf8')));
}

/**
 * What the Terraform scripts need to run against moto_server, on top of the build's variables:
 * - every AWS call (provider and S3 backend) goes to the endpoint, with moto's dummy credentials
 *   (the machine's own AWS credentials and profile are removed, so nothing reaches AWS);
 * - the S3 backend with path-style addressing (`TF_CLI_ARGS_init`), in the state bucket of the
 *   account's bootstrap ({@link bootstrapAccount}, run first when moto has no state bucket yet);
 * - providers from the machine's filesystem mirror when there is one (`TF_PLUGIN_MIRROR`, default
 *   /opt/tf-plugins), else the user's own Terraform configuration;
 * - `TF_WORK_ROOT` in the run's scratch directory, the same for plan and apply;
 * - the stack's Terraform variables: the deploy role (a role ARN in moto's account), and
 *   `create_composite_alarm=false` when the root declares that switch.
 */
export async function terraformOverrides(
  ctx: StageRunContext,
  endpoint: string,
): Promise<Record<string, string | undefined>> {
  const region = ctx.environment.AWS_REGION ?? process.env.AWS_REGION ?? DEFAULT_REGION;
  const mirror = process.env.TF_PLUGIN_MIRROR ?? DEFAULT_PLUGIN_MIRROR;
  const overrides: Record<string, string | undefined> = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    TF_STATE_BUCKET: stateBucketName(region),
    TF_WORK_ROOT: join(ctx.workDir, 'terraform-source'),
    TF_CLI_ARGS_init: '-backend-config=use_path_style=true',
    // Plain text for the run's log lines.
    TF_CLI_ARGS: '-no-color',
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    TF_VAR_pipeline_deploy_role_arn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/DeployPipeline-helm-deploy`,
  };
  if (existsSync(mirror)) {
    const cliConfig = join(ctx.workDir, 'terraformrc');
    writeFileSync(
      cliConfig,
      `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`,
    );
    overrides.TF_CLI_CONFIG_FILE = cliConfig;
  }
  const root = join(ctx.sourceDir, ctx.environment.TF_DIR ?? ctx.settings.terraformDir);
  if (declaresCompositeAlarmSwitch(root)) overrides[`TF_VAR_${COMPOSITE_ALARM_SWITCH}`] = 'false';
  const env: Record<string, string | undefined> = { ...process.env, ...overrides };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  await bootstrapAccount(ctx, endpoint, region, env);
  return overrides;
}

/**
 * What moto_server 5.2.1 cannot create, by resource address, and why: found by applying
 * `terraform/environments/dev` against it (the apply fails on each). The local plan leaves these out
 * ({@link planTargets}); in AWS they are planned and applied as always.
 */
export const MOTO_UNSUPPORTED: readonly { readonly match: RegExp; readonly why: string }[] = [
  { match: /(^|\.)aws_eks_addon\./, why: 'no EKS add-on API (CreateAddon answers 404)' },
  { match: /(^|\.)aws_eks_access_entry\./, why: 'no EKS access entry API' },
  { match: /(^|\.)aws_eks_access_policy_association\./, why: 'no EKS access entry API' },
  { match: /(^|\.)aws_eks_pod_identity_association\./, why: 'no EKS Pod Identity API' },
  { match: /(^|\.)aws_cloudwatch_composite_alarm\./, why: 'no CloudWatch PutCompositeAlarm' },
  {
    match: /\.aws_vpc_security_group_ingress_rule\.(cluster_api_from_deploy|postgres_from_eks)$/,
    why: 'a rule on the EKS cluster security group, which moto does not give its clusters',
  },
];

interface PlanJson {
  readonly resource_changes?: readonly { address: string; mode?: string; change: { actions: readonly string[] } }[];
}

/** The resource (not instance) address: `a.b["x"]` -> `a.b`, module instance keys kept. */
function resourceAddress(address: string): string {
  return address.replace(/\[[^\]]*\]$/, '');
}

/**
 * The `-target`s that plan everything of a full plan except what moto cannot create, and what they
 * leave out (instance addresses with the reason); no targets when nothing needs leaving out.
 * Targets are resource addresses, so no instance key needs quoting in `TF_CLI_ARGS_plan`.
 */
export function planTargets(planJson: string): { targets: string[]; leftOut: { address: string; why: string }[] } {
  const managed = ((JSON.parse(planJson) as PlanJson).resource_changes ?? []).filter((rc) => rc.mode !== 'data');
  const leftOut: { address: string; why: string }[] = [];
  // Unchanged resources are targeted too: a later run, where everything moto can create exists,
  // then plans "no changes" instead of targeting nothing.
  const keep = new Set<string>();
  for (const rc of managed) {
    const rule = MOTO_UNSUPPORTED.find((r) => r.match.test(resourceAddress(rc.address)));
    if (rule === undefined) keep.add(resourceAddress(rc.address));
    else if (!rc.change.actions.every((a) => a === 'no-op')) leftOut.push({ address: rc.address, why: rule.why });
  }
  return { targets: leftOut.length === 0 ? [] : [...keep].sort(), leftOut };
}

/**
 * Plan JSON recorded from real `terraform show -json` output of `terraform/environments/dev`
 * against moto_server 5.2.1 (Terraform 1.11.4, hashicorp/aws 5.100.0), gzipped, for runs where
 * Terraform cannot run: `first-apply` creates all 80 resources of an empty state; `replace-database`
 * (`plan -replace=module.rds.aws_db_instance.this` after a partial apply) replaces the RDS instance
 * and the EKS cluster, which the plan guard blocks.
 */
export function recordedPlanJson(name: 'first-apply' | 'replace-database'): Buffer {
  return gunzipSync(readFileSync(join(__dirname, 'fixtures', 'terraform', `dev-${name}.plan.json.gz`)));
}
