import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..');
const DEPCRUISE = join(REPO_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = join(REPO_ROOT, '.dependency-cruiser.cjs');
const RULE_NAMES = (require(CONFIG) as { forbidden: { name: string }[] }).forbidden.map((r) => r.name);

interface DepcruiseOutput {
  summary: { violations: { from: string; to: string; rule: { name: string } }[] };
}

/**
 * Runs dependency-cruiser in `cwd` with the repository's rules, as `npm run lint` does, and returns
 * its violations as `rule: from → to` lines, sorted. Paths into node_modules are cut to start at
 * `node_modules/`, so a temporary tree that links the repository's node_modules reads the same.
 */
function cruise(cwd: string, dirs: string[]): string[] {
  const run = spawnSync(process.execPath, [DEPCRUISE, ...dirs, '--config', CONFIG, '--output-type', 'json'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) throw run.error;
  let output: DepcruiseOutput;
  try {
    output = JSON.parse(run.stdout) as DepcruiseOutput;
  } catch {
    throw new Error(`depcruise printed no JSON report (exit ${run.status}): ${run.stderr}`);
  }
  const short = (path: string) => path.replace(/^.*?(node_modules\/)/, '$1');
  return output.summary.violations.map((v) => `${v.rule.name}: ${short(v.from)} → ${short(v.to)}`).sort();
}

describe('dependency rules (.dependency-cruiser.cjs) on this repository', () => {
  it('bin, lib and lambdas break no rule', () => {
    expect(cruise(REPO_ROOT, ['bin', 'lib', 'lambdas'])).toEqual([]);
  });
});

describe('each dependency rule fires on an import that breaks it (temporary tree)', () => {
  /** One tree holding allowed imports and one or more breaking imports per rule. */
  const FILES: Record<string, string> = {
    'tsconfig.json': JSON.stringify({
      compilerOptions: { module: 'commonjs', moduleResolution: 'node', esModuleInterop: true, strict: true },
      include: ['bin', 'lib', 'lambdas'],
    }),
    // Allowed: contracts import zod and each other.
    'lib/contracts/error-names.ts': "export const COVERAGE_BELOW_THRESHOLD = 'CoverageBelowThreshold';\n",
    'lib/contracts/pipeline-config.ts': [
      "import { z } from 'zod';",
      "import { COVERAGE_BELOW_THRESHOLD } from './error-names';",
      'export const pipelineConfigSchema = z.object({ name: z.string() });',
      'export const ERROR = COVERAGE_BELOW_THRESHOLD;',
    ].join('\n'),
    // Allowed: runtime imports lib/contracts and its own modules.
    'lambdas/webhook/limits.ts': 'export const MAX_BODY_BYTES = 1024;\n',
    'lambdas/webhook/index.ts': [
      "import { pipelineConfigSchema } from '../../lib/contracts/pipeline-config';",
      "import { MAX_BODY_BYTES } from './limits';",
      'export const handler = () => [pipelineConfigSchema, MAX_BODY_BYTES];',
    ].join('\n'),
    // Allowed: the config loader reads files and uses contracts; a driver (lib/cli) imports runtime code;
    // infrastructure names a handler by its entry path only.
    'lib/config/load-config.ts': [
      "import { readFileSync } from 'node:fs';",
      "import { pipelineConfigSchema } from '../contracts/pipeline-config';",
      'export const loadConfig = (file: string) => pipelineConfigSchema.parse(JSON.parse(readFileSync(file, "utf8")));',
    ].join('\n'),
    'lib/cli/coverage.ts': [
      "import { handler } from '../../lambdas/webhook/index';",
      'export const run = handler;',
    ].join('\n'),
    'lib/stages/webhook.ts': [
      "import { join } from 'node:path';",
      "import { ERROR } from '../contracts/pipeline-config';",
      "export const entry = join(__dirname, '..', '..', 'lambdas', 'webhook', 'index.ts');",
      'export const errors = [ERROR];',
    ].join('\n'),

    // lambdas-import-only-contracts: a value import and a type-only import from lib/ outside contracts.
    'lambdas/coverage-gate/index.ts': [
      "import { loadConfig } from '../../lib/config/load-config';",
      "import type { Stage } from '../../lib/stages/stage';",
      'export const handler = (stage: Stage) => [loadConfig, stage];',
    ].join('\n'),
    'lib/stages/stage.ts': 'export interface Stage { name: string }\n',
    // infrastructure-imports-no-runtime: a construct, a stage and bin/app.ts import Lambda code.
    'lib/constructs/push-trigger.ts': [
      "import { MAX_BODY_BYTES } from '../../lambdas/webhook/limits';",
      'export const limit = MAX_BODY_BYTES;',
    ].join('\n'),
    'lib/stages/plan-guard.ts': [
      "import { handler } from '../../lambdas/webhook/index';",
      'export const h = handler;',
    ].join('\n'),
    'bin/app.ts': [
      "import { MAX_BODY_BYTES } from '../lambdas/webhook/limits';",
      "import { loadConfig } from '../lib/config/load-config';",
      'export const app = [MAX_BODY_BYTES, loadConfig];',
    ].join('\n'),
    // contracts-are-pure: CDK, a Node built-in and Lambda code imported from lib/contracts.
    'lib/contracts/stage-outputs.ts': [
      "import { readFileSync } from 'node:fs';",
      "import { Duration } from 'aws-cdk-lib';",
      "import { MAX_BODY_BYTES } from '../../lambdas/webhook/limits';",
      'export const outputs = [readFileSync, Duration, MAX_BODY_BYTES];',
    ].join('\n'),
    // no-circular: two modules that import each other.
    'lib/workflow/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
    'lib/workflow/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
    // not-to-unresolvable: a relative import of a file that does not exist.
    'lib/nag/acknowledge.ts': "import { rules } from './no-such-file';\nexport const acknowledged = rules;\n",
  };

  const EXPECTED: Record<string, string[]> = {
    'lambdas-import-only-contracts': [
      'lambdas-import-only-contracts: lambdas/coverage-gate/index.ts → lib/config/load-config.ts',
      'lambdas-import-only-contracts: lambdas/coverage-gate/index.ts → lib/stages/stage.ts',
    ],
    'infrastructure-imports-no-runtime': [
      'infrastructure-imports-no-runtime: bin/app.ts → lambdas/webhook/limits.ts',
      'infrastructure-imports-no-runtime: lib/constructs/push-trigger.ts → lambdas/webhook/limits.ts',
      'infrastructure-imports-no-runtime: lib/stages/plan-guard.ts → lambdas/webhook/index.ts',
    ],
    'contracts-are-pure': [
      'contracts-are-pure: lib/contracts/stage-outputs.ts → fs',
      'contracts-are-pure: lib/contracts/stage-outputs.ts → lambdas/webhook/limits.ts',
      'contracts-are-pure: lib/contracts/stage-outputs.ts → node_modules/aws-cdk-lib/index.js',
    ],
    // A cycle is reported once, at the module where the cruise meets it.
    'no-circular': ['no-circular: lib/workflow/a.ts → lib/workflow/b.ts'],
    'not-to-unresolvable': ['not-to-unresolvable: lib/nag/acknowledge.ts → ./no-such-file'],
  };

  let dir: string;
  let violations: string[];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dependency-rules-'));
    for (const [file, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    // zod and aws-cdk-lib resolve as in the repository.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    violations = cruise(dir, ['bin', 'lib', 'lambdas']);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every rule in the config has a breaking import here', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...RULE_NAMES].sort());
  });

  it.each(RULE_NAMES)('%s names itself on each breaking import', (rule) => {
    expect(violations.filter((v) => v.startsWith(`${rule}: `))).toEqual(EXPECTED[rule]);
  });

  it('allowed imports (contracts, zod, drivers, entry paths) raise nothing', () => {
    expect(violations).toEqual(Object.values(EXPECTED).flat().sort());
  });
});
