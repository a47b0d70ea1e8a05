import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  BUILD_STAGE_NAMES,
  type BuildStageName,
  parseStageOutputs,
  STAGE_EXPORTS,
} from '../../lib/contracts/stage-outputs';
import { readDeployPipelineAsl } from '../../lib/workflow/deploy-pipeline-definition';

const BUILDSPEC_DIR = join(__dirname, '..', '..', 'lib', 'buildspecs');

/** `run-tests.yml` -> `RunTests`: each buildspec is named after its state, in kebab case. */
const stageOf = (file: string) =>
  file.replace(/\.yml$/, '').replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase());

/**
 * The functions that read a build's exported variables passed on whole (`exported.$`), by the
 * variable's name: CoverageGate reads RunTests' CHANGED_LINES_KEY, VerifyDeployment HelmDeploy's DEPLOYED_COMMIT.
 */
const WHOLE_LIST_READERS = [
  join(__dirname, '..', '..', 'lambdas', 'coverage-gate', 'gate-event.ts'),
  join(__dirname, '..', '..', 'lib', 'contracts', 'rollback.ts'),
];

interface State {
  Type: string;
  Parameters?: Record<string, unknown>;
  ResultSelector?: Record<string, string>;
  Branches?: Array<{ States: Record<string, State> }>;
}
function taskStates(states: Record<string, State>): Array<[string, State]> {
  return Object.entries(states).flatMap(([name, s]) => [
    [name, s] as [string, State],
    ...(s.Branches ?? []).flatMap((b) => taskStates(b.States)),
  ]);
}

describe('stage outputs: lib/contracts/stage-outputs.ts against the buildspecs and the state machine', () => {
  const files = readdirSync(BUILDSPEC_DIR).filter((f) => f.endsWith('.yml'));

  test('every buildspec belongs to a declared stage, and every stage has a buildspec', () => {
    expect(files.map(stageOf).sort()).toEqual([...BUILD_STAGE_NAMES].sort());
  });

  test.each(files)("%s exports exactly the stage's declared outputs, in order", (file) => {
    const spec = parse(readFileSync(join(BUILDSPEC_DIR, file), 'utf8')) as { env?: Record<string, unknown> };
    const stage = stageOf(file) as BuildStageName;
    expect(spec.env?.['exported-variables'] ?? []).toEqual(STAGE_EXPORTS[stage]);
  });

  test("each build task reads only its stage's declared outputs, and every declared output is read", () => {
    const text = readDeployPipelineAsl();
    const states = taskStates(JSON.parse(text).States);
    // A build task runs the stage whose buildspec it overrides with (`${HelmRollbackBuildspec}` = HelmRollback).
    const tasks = states.flatMap(([name, state]) => {
      const [, stage] = /^\$\{([A-Za-z]+)Buildspec\}$/.exec(String(state.Parameters?.BuildspecOverride)) ?? [];
      return stage === undefined ? [] : [[name, stage as BuildStageName, state] as const];
    });
    expect([...new Set(tasks.map(([, stage]) => stage))].sort()).toEqual([...BUILD_STAGE_NAMES].sort());
    expect(tasks.map(([name]) => name).sort()).toEqual(
      [
        ...BUILD_STAGE_NAMES.filter((s) => s !== 'HelmRollback'),
        'BuildDeferredImage',
        'RollbackRelease',
        'RollbackOnRequest',
      ].sort(),
    );
    for (const [name, stage, state] of tasks) {
      const selector = Object.values(state.ResultSelector ?? {});
      const byName = selector.flatMap((expr) => [...expr.matchAll(/'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1] as string));
      const declared = STAGE_EXPORTS[stage] as readonly string[];
      // Nothing read by name that the stage does not declare.
      expect([name, byName.filter((v) => !declared.includes(v))]).toEqual([name, []]);
      // Every declared output is read: by name here, or passed on whole and read by name downstream
      // (in the definition, or by the function whose input schema reads it).
      const whole = selector.includes('$.Build.ExportedEnvironmentVariables');
      const unread = declared.filter(
        (v) =>
          !byName.includes(v) &&
          !(
            whole &&
            (text.includes(`'${v}'`) ||
              WHOLE_LIST_READERS.some((file) => readFileSync(file, 'utf8').includes(`'${v}'`)))
          ),
      );
      expect([name, unread]).toEqual([name, []]);
    }
  });

  test('an optional output is absent, never a sentinel; an empty value counts as absent', () => {
    expect(parseStageOutputs('RunTests', { COVERAGE_REPORT_KEY: 'runs/e/coverage/report' })).toEqual({
      COVERAGE_REPORT_KEY: 'runs/e/coverage/report',
    });
    expect(
      parseStageOutputs('RunTests', [
        { Name: 'COVERAGE_REPORT_KEY', Value: 'runs/e/coverage/report' },
        { Name: 'CHANGED_LINES_KEY', Value: '' },
      ]),
    ).toEqual({ COVERAGE_REPORT_KEY: 'runs/e/coverage/report' });
    expect(() =>
      parseStageOutputs('RunTests', { COVERAGE_REPORT_KEY: 'runs/e/coverage/report', CHANGED_LINES_KEY: 'none' }),
    ).toThrow('RunTests outputs do not match lib/contracts/stage-outputs.ts: CHANGED_LINES_KEY: must be an S3 key');
  });

  test('a missing, malformed or undeclared output is refused with the stage and the variable named', () => {
    expect(() => parseStageOutputs('TerraformPlan', { PLAN_KEY: 'runs/e/terraform/plan.tfplan' })).toThrow(
      /^TerraformPlan outputs .*PLAN_JSON_KEY: required; PLAN_HAS_CHANGES: must be "true" or "false"$/,
    );
    expect(() =>
      parseStageOutputs('BuildImage', { IMAGE_URI: 'repo:latest', IMAGE_DIGEST: `sha256:${'a'.repeat(64)}` }),
    ).toThrow(/IMAGE_URI: must be <repository>@sha256:<64 hex digits>/);
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(() =>
      parseStageOutputs('BuildImage', { IMAGE_URI: `repo@sha256:${'b'.repeat(64)}`, IMAGE_DIGEST: digest }),
    ).toThrow(/IMAGE_URI: must end with @IMAGE_DIGEST/);
    expect(() => parseStageOutputs('BuildImage', { IMAGE_DEFERRED: 'true', IMAGE_DIGEST: digest })).toThrow(
      /IMAGE_DEFERRED comes alone/,
    );
    expect(() => parseStageOutputs('BuildImage', {})).toThrow(/IMAGE_URI: is required unless IMAGE_DEFERRED is "true"/);
    expect(parseStageOutputs('BuildImage', { IMAGE_DEFERRED: 'true' })).toEqual({ IMAGE_DEFERRED: 'true' });
    expect(() => parseStageOutputs('TerraformApply', { PLAN_KEY: 'runs/e/x' })).toThrow(/unknown field\(s\): PLAN_KEY/);
  });
});
