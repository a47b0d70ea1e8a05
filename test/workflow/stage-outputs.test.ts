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

interface State {
  Type: string;
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

  test("each build task reads exactly its stage's declared outputs", () => {
    const states = taskStates(JSON.parse(readDeployPipelineAsl()).States);
    const tasks = states.filter(([name]) => (BUILD_STAGE_NAMES as string[]).includes(name));
    // HelmRollback is not in the workflow yet; every other build stage is.
    expect(tasks.map(([name]) => name).sort()).toEqual(BUILD_STAGE_NAMES.filter((s) => s !== 'HelmRollback').sort());
    for (const [name, state] of tasks) {
      const read = Object.values(state.ResultSelector ?? {})
        .flatMap((expr) => [...expr.matchAll(/'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]))
        .sort();
      expect([name, read]).toEqual([name, [...STAGE_EXPORTS[name as BuildStageName]].sort()]);
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
    ).toThrow(/IMAGE_URI: must be <repository>:<40-character commit>/);
    expect(() => parseStageOutputs('TerraformApply', { PLAN_KEY: 'runs/e/x' })).toThrow(/unknown field\(s\): PLAN_KEY/);
  });
});
