import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingStub, runStageScript } from '../infra/run-buildspec';

const OUTPUTS = '{"cluster_name":{"sensitive":false,"type":"string","value":"deploy-dev"}}';

/** A checkout with the environment root, terraform and aws as recording stubs (S3 by the AWS CLI). */
function apply(terraformBody: string, extraEnv: Record<string, string> = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'tf-apply-checkout-'));
  mkdirSync(join(cwd, 'terraform/environments/dev'), { recursive: true });
  writeFileSync(join(cwd, 'terraform/environments/dev/main.tf'), '');
  const workRoot = join(mkdtempSync(join(tmpdir(), 'tf-apply-root-')), 'source');
  const result = runStageScript('terraform-apply.sh', {
    cwd,
    stubs: {
      terraform: recordingStub(terraformBody),
      aws: recordingStub(
        'case "${@: -1}" in s3://*) cp "${@: -2:1}" "$STUB_LOG.published" ;; *) : > "${@: -1}" ;; esac',
      ),
    },
    env: {
      TF_WORK_ROOT: workRoot,
      TF_DIR: 'terraform/environments/dev',
      TF_STATE_BUCKET: 'state-bucket',
      TF_STATE_KEY: 'sample-service/dev/infra.tfstate',
      AWS_REGION: 'eu-west-1',
      PLAN_KEY: 'runs/x/terraform/plan.tfplan',
      SERVICE: 'sample-service',
      ENVIRONMENT: 'dev',
      ARTIFACTS_BUCKET: 'artifacts-bucket',
      ARTIFACTS_DIR: undefined,
      ...extraEnv,
    },
  });
  return { ...result, workRoot };
}

describe('terraform-apply.sh with stub terraform and aws (exact commands)', () => {
  test('creates the provider plugin cache directory before init when TF_PLUGIN_CACHE_DIR is set', () => {
    const cache = join(mkdtempSync(join(tmpdir(), 'tf-plugin-cache-')), 'plugin-cache');
    // The stub init fails unless Terraform would find the directory.
    const { run } = apply(
      `[ "$1" != init ] || [ -d "$TF_PLUGIN_CACHE_DIR" ] || exit 9; [ "$1" != output ] || echo '${OUTPUTS}'`,
      { TF_PLUGIN_CACHE_DIR: cache },
    );
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(existsSync(cache)).toBe(true);
  });

  test('applies the saved plan from the fixed path, then publishes terraform output -json at the stable key', () => {
    const { run, calls } = apply(`[ "$1" != output ] || echo '${OUTPUTS}'`);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(calls).toEqual([
      [
        'terraform',
        'init',
        '-input=false',
        '-backend-config=bucket=state-bucket',
        '-backend-config=key=sample-service/dev/infra.tfstate',
        '-backend-config=region=eu-west-1',
      ],
      ['aws', 's3', 'cp', '--only-show-errors', 's3://artifacts-bucket/runs/x/terraform/plan.tfplan', 'plan.tfplan'],
      ['terraform', 'apply', '-input=false', '-lock-timeout=5m', 'plan.tfplan'],
      ['terraform', 'output', '-json'],
      [
        'aws',
        's3',
        'cp',
        '--only-show-errors',
        'terraform-outputs.json',
        's3://artifacts-bucket/deploy-values/sample-service/dev/terraform-outputs.json',
      ],
    ]);
    expect(run.stdout).toContain(
      'published the Terraform outputs (cluster_name) to deploy-values/sample-service/dev/terraform-outputs.json',
    );
  });

  test('a failed apply publishes nothing', () => {
    const { run, calls } = apply('[ "$1" != apply ] || exit 1');
    expect(run.status).toBe(1);
    expect(calls.map((c) => c.slice(0, 2))).toEqual([
      ['terraform', 'init'],
      ['aws', 's3'],
      ['terraform', 'apply'],
    ]);
  });

  test('a relative TF_WORK_ROOT is refused (the plan and the apply need one absolute path)', () => {
    const result = runStageScript('terraform-apply.sh', {
      cwd: tmpdir(),
      stubs: { terraform: recordingStub(), aws: recordingStub() },
      env: {
        TF_WORK_ROOT: 'source',
        TF_DIR: 'x',
        TF_STATE_BUCKET: 'b',
        TF_STATE_KEY: 'k',
        AWS_REGION: 'eu-west-1',
        PLAN_KEY: 'p',
        SERVICE: 's',
        ENVIRONMENT: 'e',
      },
    });
    expect(result.run.status).toBe(1);
    expect(result.run.stderr).toContain('TF_WORK_ROOT must be an absolute path, not source');
    expect(result.calls).toEqual([]);
  });
});
