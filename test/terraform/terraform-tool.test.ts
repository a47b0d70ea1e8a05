import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithTools } from '../support/real-tool';
import {
  type CommandResult,
  mapWithLimit,
  PLUGIN_DIR,
  TERRAFORM_DIR,
  TerraformWorkspace,
  terraformRoots,
} from './terraform-workspace';

const LOCK_FILE = '.terraform.lock.hcl';

interface RootResult {
  readonly init: CommandResult;
  readonly validate?: CommandResult;
  readonly test?: CommandResult;
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

describeWithTools(['terraform'], 'terraform (real CLI, provider from the local mirror, mocked AWS)', () => {
  const roots = terraformRoots();
  const results = new Map<string, RootResult>();
  let workspace: TerraformWorkspace;
  let fmt: CommandResult;

  beforeAll(async () => {
    workspace = new TerraformWorkspace();
    // One init per root, reused by validate and test; two roots at a time for two cores.
    const [fmtResult] = await Promise.all([
      workspace.run('.', ['fmt', '-check', '-recursive', '-diff', '-no-color']),
      mapWithLimit(roots, 2, async (root) => {
        const init = await workspace.run(root, [
          'init',
          '-backend=false',
          `-plugin-dir=${PLUGIN_DIR}`,
          '-input=false',
          '-no-color',
        ]);
        if (init.code !== 0) {
          results.set(root, { init });
          return;
        }
        const validate = await workspace.run(root, ['validate', '-json', '-no-color']);
        const test = workspace.hasTests(root) ? await workspace.run(root, ['test', '-no-color']) : undefined;
        results.set(root, { init, validate, test });
      }),
    ]);
    fmt = fmtResult;
  }, 180_000);

  afterAll(() => workspace?.dispose());

  it('terraform fmt -check -recursive finds nothing to rewrite', () => {
    expect(fmt.stdout).toBe('');
    expect(fmt.code).toBe(0);
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

  it.each(terraformRoots())('%s: init from the mirror and validate', (root) => {
    const result = results.get(root);
    expect(result?.init.code).toBe(0);
    // The mirror holds only 5.100.0, so a successful init proves the version constraint admits it.
    expect(result?.init.stdout).toContain('hashicorp/aws v5.100.0');
    const report = JSON.parse(result?.validate?.stdout ?? '{}') as {
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

  it.each(terraformRoots().filter((r) => existsSync(join(TERRAFORM_DIR, r, LOCK_FILE))))(
    '%s: init installs the provider the committed lock file pins and leaves the file unchanged',
    (root) => {
      const init = results.get(root)?.init;
      expect(init?.code).toBe(0);
      expect(init?.stdout).toContain('Reusing previous version of hashicorp/aws from the dependency lock file');
      // A rewritten lock file would mean the mirror's package did not match the committed hashes or version.
      expect(workspace.readFile(root, LOCK_FILE)).toBe(readFileSync(join(TERRAFORM_DIR, root, LOCK_FILE), 'utf8'));
    },
  );

  it.each(terraformRoots().filter((r) => readdirSync(join(TERRAFORM_DIR, r)).includes('tests')))(
    '%s: terraform test passes every run block',
    (root) => {
      const result = results.get(root)?.test;
      if (result?.code !== 0) throw new Error(`terraform test in ${root} failed:\n${explain(result)}`);
      const summary = result.stdout.match(/Success! (\d+) passed, (\d+) failed\./);
      expect(summary).not.toBeNull();
      // Every declared run block passed: none skipped after an earlier failure, none silently dropped.
      expect(Number(summary?.[1])).toBe(declaredRuns(root));
      expect(Number(summary?.[2])).toBe(0);
    },
  );

  it('the environments and all modules have terraform tests', () => {
    const tested = roots.filter((r) => readdirSync(join(TERRAFORM_DIR, r)).includes('tests'));
    expect(tested).toEqual(roots);
  });
});
