import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parseStageOutputs } from '../../lib/contracts/stage-outputs';
import { readBuildspec, runBuildspec } from './run-buildspec';

const TF_DIR = 'terraform/environments/dev';

/** A checkout like CodeBuild's: an environment that uses a module by relative path, and a .git folder. */
function checkout(): string {
  const src = mkdtempSync(join(tmpdir(), 'terraform-src-'));
  mkdirSync(join(src, TF_DIR), { recursive: true });
  mkdirSync(join(src, 'terraform', 'modules', 'net'), { recursive: true });
  mkdirSync(join(src, '.git'));
  writeFileSync(join(src, TF_DIR, 'main.tf'), 'module "net" {\n  source = "../../modules/net"\n}\n');
  writeFileSync(join(src, 'terraform', 'modules', 'net', 'main.tf'), '');
  writeFileSync(join(src, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  return src;
}

/**
 * Terraform and S3 are shims (no state bucket here). `terraform` logs the directory of every call,
 * fails when the module is not where the configuration says, and writes into a saved plan the
 * directory it was planned in; `apply` records the plan it was given. `aws s3 cp` copies to and from
 * a folder standing in for the artifacts bucket.
 */
const SHIMS = `
terraform() {
  echo "$(pwd) $1" >> "$STATE/terraform.log"
  [ -f ../../modules/net/main.tf ] || { echo "module ../../modules/net not found from $(pwd)" >&2; return 1; }
  case "$1" in
    init) ;;
    plan) for a in "$@"; do case "$a" in -out=*) echo "planned in $(pwd)" > "\${a#-out=}" ;; esac; done
          return "$PLAN_EXIT" ;;
    show) echo '{"format_version":"1.2"}' ;;
    apply) cp "\${@: -1}" "$STATE/applied.tfplan" ;;
    output) [ "$2" = -json ] && echo '{"cluster_name":{"sensitive":false,"type":"string","value":"deploy-dev"}}' ;;
    *) return 2 ;;
  esac
}
aws() {
  [ "$1 $2" = "s3 cp" ] || return 2
  local src="\${@: -2:1}" dst="\${@: -1}"
  case "$src" in s3://*) src="$STATE/bucket/\${src#s3://*/}" ;; esac
  case "$dst" in s3://*) dst="$STATE/bucket/\${dst#s3://*/}"; mkdir -p "$(dirname "$dst")" ;; esac
  cp "$src" "$dst"
}`;

function run(buildspec: 'terraform-plan' | 'terraform-apply', state: string, workRoot: string, env = {}) {
  return runBuildspec(buildspec, ['build'], {
    cwd: checkout(),
    shims: SHIMS,
    env: {
      STATE: state,
      // The fixed path, here one per test so parallel runs cannot meet.
      TF_WORK_ROOT: workRoot,
      TF_DIR,
      TF_STATE_BUCKET: 'state',
      TF_STATE_KEY: 'sample-service/dev/infra.tfstate',
      AWS_REGION: 'us-east-1',
      ARTIFACTS_BUCKET: 'artifacts',
      RUN_PREFIX: 'runs/x/',
      PLAN_KEY: 'runs/x/terraform/plan.tfplan',
      PLAN_EXIT: '2',
      SERVICE: 'sample-service',
      ENVIRONMENT: 'dev',
      ...env,
    },
  });
}

describe('terraform-plan and terraform-apply buildspecs (real bash and tar; Terraform and S3 replaced by shims)', () => {
  let state: string;
  let workRoot: string;
  beforeEach(() => {
    state = mkdtempSync(join(tmpdir(), 'terraform-state-'));
    workRoot = join(mkdtempSync(join(tmpdir(), 'terraform-work-')), 'source');
  });

  test('both builds work at one fixed absolute path, declared the same in both buildspecs', () => {
    const plan = readBuildspec('terraform-plan').env?.variables?.TF_WORK_ROOT;
    const apply = readBuildspec('terraform-apply').env?.variables?.TF_WORK_ROOT;
    expect(plan).toBe(apply);
    expect(isAbsolute(plan ?? '')).toBe(true);
  });

  test('the saved plan is applied from the directory it was planned in, though each build checks out elsewhere', () => {
    const planned = run('terraform-plan', state, workRoot);
    expect({ status: planned.status, stderr: planned.stderr }).toEqual({ status: 0, stderr: '' });
    const applied = run('terraform-apply', state, workRoot);
    expect({ status: applied.status, stderr: applied.stderr }).toEqual({ status: 0, stderr: '' });

    const dir = join(workRoot, TF_DIR);
    expect(readFileSync(join(state, 'terraform.log'), 'utf8')).toBe(
      [`${dir} init`, `${dir} plan`, `${dir} show`, `${dir} init`, `${dir} apply`, `${dir} output`, ''].join('\n'),
    );
    // The outputs are published at the stable key HelmDeploy reads.
    expect(
      JSON.parse(
        readFileSync(join(state, 'bucket', 'deploy-values/sample-service/dev/terraform-outputs.json'), 'utf8'),
      ),
    ).toEqual({ cluster_name: { sensitive: false, type: 'string', value: 'deploy-dev' } });
    expect(readFileSync(join(state, 'applied.tfplan'), 'utf8')).toBe(`planned in ${dir}\n`);
    expect(existsSync(join(workRoot, '.git'))).toBe(false);
  });

  test('a copy left by an earlier build is replaced, not merged', () => {
    mkdirSync(join(workRoot, TF_DIR), { recursive: true });
    writeFileSync(join(workRoot, TF_DIR, 'stale.tf'), 'resource "x" "y" {}\n');
    expect(run('terraform-plan', state, workRoot).status).toBe(0);
    expect(existsSync(join(workRoot, TF_DIR, 'stale.tf'))).toBe(false);
  });

  test('in a git work tree the copy holds what a push would: tracked and new files, not ignored ones', () => {
    const src = checkout();
    rmSync(join(src, '.git'), { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: src });
    git('init', '-q');
    writeFileSync(join(src, '.gitignore'), 'node_modules/\n.terraform/\n');
    git('add', '.');
    git('commit', '-qm', 'first');
    // A local run plans the work tree: a new file counts, a developer's init and installs do not.
    writeFileSync(join(src, TF_DIR, 'new.tf'), '');
    mkdirSync(join(src, TF_DIR, '.terraform'), { recursive: true });
    writeFileSync(join(src, TF_DIR, '.terraform', 'terraform.tfstate'), '{}');
    mkdirSync(join(src, 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(src, 'node_modules', 'x', 'index.js'), '');
    const planned = runBuildspec('terraform-plan', ['build'], {
      cwd: src,
      shims: SHIMS,
      env: {
        STATE: state,
        TF_WORK_ROOT: workRoot,
        TF_DIR,
        TF_STATE_BUCKET: 'state',
        TF_STATE_KEY: 'k',
        AWS_REGION: 'us-east-1',
        ARTIFACTS_BUCKET: 'artifacts',
        RUN_PREFIX: 'runs/x/',
        PLAN_EXIT: '2',
      },
    });
    expect({ status: planned.status, stderr: planned.stderr }).toEqual({ status: 0, stderr: '' });
    expect(existsSync(join(workRoot, TF_DIR, 'main.tf'))).toBe(true);
    expect(existsSync(join(workRoot, TF_DIR, 'new.tf'))).toBe(true);
    expect(existsSync(join(workRoot, 'terraform', 'modules', 'net', 'main.tf'))).toBe(true);
    // The build's own init wrote .terraform/ after the copy; the developer's state file was not copied.
    expect(existsSync(join(workRoot, TF_DIR, '.terraform', 'terraform.tfstate'))).toBe(false);
    expect(existsSync(join(workRoot, 'node_modules'))).toBe(false);
    expect(existsSync(join(workRoot, '.git'))).toBe(false);
  });

  test.each([
    ['2', 'true'],
    ['0', 'false'],
  ])('a plan that exits %s exports PLAN_HAS_CHANGES=%s with the keys of the uploaded plan', (exit, changes) => {
    const planned = run('terraform-plan', state, workRoot, { PLAN_EXIT: exit });
    expect(planned.status).toBe(0);
    expect(parseStageOutputs('TerraformPlan', planned.exported)).toEqual({
      PLAN_KEY: 'runs/x/terraform/plan.tfplan',
      PLAN_JSON_KEY: 'runs/x/terraform/plan.json',
      PLAN_HAS_CHANGES: changes,
    });
    expect(existsSync(join(state, 'bucket', 'runs/x/terraform/plan.json'))).toBe(true);
  });

  test('a plan that errors fails the build and exports nothing', () => {
    const planned = run('terraform-plan', state, workRoot, { PLAN_EXIT: '1' });
    expect(planned.status).not.toBe(0);
    expect(planned.exported).toEqual({});
  });
});
