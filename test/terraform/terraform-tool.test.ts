import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithTools } from '../support/real-tool';
import {
  type CommandResult,
  PLUGIN_DIR,
  TERRAFORM_DIR,
  TerraformWorkspace,
  terraformRoots,
} from './terraform-workspace';

const LOCK_FILE = '.terraform.lock.hcl';

/**
 * Timeout of each hook, per step (one hook per step and root). Sized from measured durations, with at
 * least four times the slowest root: `TF_SUITE_TIMINGS=<file> npx jest test/terraform --maxWorkers=1` on
 * the 2-core CI machine, with a load average of 4-11 from other jobs, measured at most init 3.1 s,
 * validate 8.8 s (environments/prod) and test 16.3 s (modules/cloudwatch; modules/eks took 25 s in a
 * run of its own at load 8), fmt 0.2 s and the workspace copy 0.03 s; the suite took 140-155 s. A slow
 * machine adds up across ~40 hooks without any single one coming near its limit. Re-measure when a
 * root's tests grow.
 */
const TIMEOUT_MS = { workspace: 30_000, fmt: 30_000, init: 30_000, validate: 45_000, test: 120_000 } as const;

/** Durations of every step (ms), written to `$TF_SUITE_TIMINGS` when set: the measurement behind TIMEOUT_MS. */
const timings: Record<string, number> = {};

async function timed<T>(label: string, step: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await step();
  } finally {
    timings[label] = Date.now() - start;
  }
}

/** `run "..."` blocks declared in a root's tests/*.tftest.hcl, i.e. what `terraform test` must report as passed. */
function declaredRuns(root: string): number {
  const dir = join(TERRAFORM_DIR, root, 'tests');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.tftest.hcl'))
    .reduce((n, f) => n + (readFileSync(join(dir, f), 'utf8').match(/^run "/gm)?.length ?? 0), 0);
}

function explain(result: CommandResult | undefined): string {
  return result === undefined ? 'not run' : `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
}

const hasLockFile = (root: string) => existsSync(join(TERRAFORM_DIR, root, LOCK_FILE));
const hasTests = (root: string) => readdirSync(join(TERRAFORM_DIR, root)).includes('tests');

describeWithTools(['terraform'], 'terraform (real CLI, provider from the local mirror, mocked AWS)', () => {
  const roots = terraformRoots();
  let workspace: TerraformWorkspace;

  beforeAll(async () => {
    workspace = await timed('workspace', async () => new TerraformWorkspace());
  }, TIMEOUT_MS.workspace);

  afterAll(() => {
    workspace?.dispose();
    const file = process.env.TF_SUITE_TIMINGS;
    if (file) writeFileSync(file, `${JSON.stringify(timings, null, 2)}\n`);
  });

  describe('fmt', () => {
    let fmt: CommandResult;
    beforeAll(async () => {
      fmt = await timed('fmt', () => workspace.run('.', ['fmt', '-check', '-recursive', '-diff', '-no-color']));
    }, TIMEOUT_MS.fmt);

    it('terraform fmt -check -recursive finds nothing to rewrite', () => {
      expect(fmt.stdout).toBe('');
      expect(fmt.code).toBe(0);
    });
  });

  it('covers every module, the composition, both environments, bootstrap and app-settings', () => {
    expect(roots).toEqual(
      expect.arrayContaining([
        'modules/vpc',
        'modules/eks',
        'modules/rds',
        'modules/ecr',
        'modules/iam',
        'modules/cloudwatch',
        'modules/environment',
        'environments/dev',
        'environments/prod',
        'bootstrap',
        'app-settings',
      ]),
    );
  });

  it('the environments and all modules have terraform tests', () => {
    expect(roots.filter(hasTests)).toEqual(roots);
  });

  // One describe per root and one hook per step (init once, reused by validate and test), each with its own timeout.
  describe.each(roots)('%s', (root) => {
    let init: CommandResult | undefined;

    beforeAll(async () => {
      init = await timed(`${root} init`, () =>
        workspace.run(root, ['init', '-backend=false', `-plugin-dir=${PLUGIN_DIR}`, '-input=false', '-no-color']),
      );
    }, TIMEOUT_MS.init);

    if (hasLockFile(root)) {
      it('init installs the provider the committed lock file pins and leaves the file unchanged', () => {
        expect(init?.code).toBe(0);
        expect(init?.stdout).toContain('Reusing previous version of hashicorp/aws from the dependency lock file');
        // A rewritten lock file would mean the mirror's package did not match the committed hashes or version.
        expect(workspace.readFile(root, LOCK_FILE)).toBe(readFileSync(join(TERRAFORM_DIR, root, LOCK_FILE), 'utf8'));
      });
    }

    describe('validate', () => {
      let validate: CommandResult | undefined;
      beforeAll(async () => {
        if (init?.code !== 0) return;
        validate = await timed(`${root} validate`, () => workspace.run(root, ['validate', '-json', '-no-color']));
      }, TIMEOUT_MS.validate);

      it('init from the mirror and validate', () => {
        if (init?.code !== 0) throw new Error(`terraform init in ${root} failed:\n${explain(init)}`);
        // The mirror holds only 5.100.0, so a successful init proves the version constraint admits it.
        expect(init?.stdout).toContain('hashicorp/aws v5.100.0');
        const report = JSON.parse(validate?.stdout ?? '{}') as {
          valid?: boolean;
          error_count?: number;
          warning_count?: number;
          diagnostics?: unknown[];
        };
        expect({ valid: report.valid, errors: report.error_count, warnings: report.warning_count }).toEqual({
          valid: true,
          errors: 0,
          warnings: 0,
        });
      });
    });

    describe('test', () => {
      let test: CommandResult | undefined;
      beforeAll(async () => {
        if (init?.code !== 0 || !workspace.hasTests(root)) return;
        test = await timed(`${root} test`, () => workspace.run(root, ['test', '-no-color']));
      }, TIMEOUT_MS.test);

      it('terraform test passes every run block', () => {
        if (test?.code !== 0) throw new Error(`terraform test in ${root} failed:\n${explain(test)}`);
        const summary = test.stdout.match(/Success! (\d+) passed, (\d+) failed\./);
        expect(summary).not.toBeNull();
        // Every declared run block passed: none skipped after an earlier failure, none silently dropped.
        expect(Number(summary?.[1])).toBe(declaredRuns(root));
        expect(Number(summary?.[2])).toBe(0);
      });
    });
  });
});
