import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BucketAlreadyExists, BucketAlreadyOwnedByYou, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { onPath } from './run-stage-script';
import type { StageMode, StageRunContext } from './stage-driver';

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
  return { mode: 'real', reason: `terraform ${version} against moto_server at ${endpoint}` };
}

/** The state bucket, named as the stack names it in AWS (`<account>-<region>-terraform-state`). */
export function stateBucketName(region: string): string {
  return `${MOTO_ACCOUNT_ID}-${region}-terraform-state`;
}

/** Creates the state bucket in moto_server unless it exists (terraform/bootstrap's job in AWS). */
export async function ensureStateBucket(endpoint: string, region: string): Promise<string> {
  const bucket = stateBucketName(region);
  const s3 = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
      }),
    );
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou || error instanceof BucketAlreadyExists)) throw error;
  } finally {
    s3.destroy();
  }
  return bucket;
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
 * - the S3 backend with path-style addressing (`TF_CLI_ARGS_init`), state bucket created first;
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
  const bucket = await ensureStateBucket(endpoint, region);
  const mirror = process.env.TF_PLUGIN_MIRROR ?? DEFAULT_PLUGIN_MIRROR;
  const overrides: Record<string, string | undefined> = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    TF_STATE_BUCKET: bucket,
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
  return overrides;
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
