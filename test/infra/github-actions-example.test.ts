import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BUILD_STAGE_NAMES, type BuildStageName, STAGE_EXPORTS } from '../../lib/contracts/stage-outputs';
import { STAGE_SCRIPTS, STAGE_SCRIPTS_DIR } from '../../lib/stages/stage-scripts';
import { TOOL_VERSIONS } from '../../lib/tool-versions';
import { readDeployPipelineAsl } from '../../lib/workflow/deploy-pipeline-definition';

const WORKFLOW_FILE = join(__dirname, '..', '..', 'docs', 'github-actions.example.yml');

type Step = { run?: string; env?: Record<string, string>; id?: string };
type Job = {
  needs?: string | string[];
  if?: string;
  env?: Record<string, string>;
  outputs?: Record<string, string>;
  steps: Step[];
};
type Workflow = { env?: Record<string, string>; jobs: Record<string, Job> };

type AslState = {
  Type: string;
  Resource?: string;
  Parameters?: { BuildspecOverride?: unknown };
  Next?: string;
  Default?: string;
  End?: boolean;
  Choices?: { Next: string }[];
  Catch?: { Next: string }[];
  Branches?: { StartAt: string; States: Record<string, AslState> }[];
};

/**
 * Build states of the state machine the example has no job for, on purpose, each with the words of
 * the example's header that explain it (the example documents each one).
 */
const LEFT_OUT: Readonly<Record<string, RegExp>> = {
  // One image build with ON_MISSING_REPOSITORY=fail instead of a deferred second build.
  BuildDeferredImage: /BuildDeferredImage:[\s\S]*ON_MISSING_REPOSITORY=fail/,
  // A requested rollback is a run of its own (`deployctl rollback`), not part of a push.
  RollbackOnRequest: /RollbackOnRequest:[\s\S]*deployctl rollback/,
};

/**
 * The stage a build state runs, by its `BuildspecOverride` placeholder `${<Stage>Buildspec}` (as
 * `buildStageOf` in lib/local/run-local-pipeline.ts maps them): `BuildDeferredImage` runs BuildImage,
 * `RollbackRelease` and `RollbackOnRequest` run HelmRollback.
 * @throws Error when a build state's buildspec is no stage's placeholder.
 */
function stageOfState(name: string, state: AslState): BuildStageName {
  const placeholder = /^\$\{(\w+)Buildspec\}$/.exec(String(state.Parameters?.BuildspecOverride))?.[1];
  if (placeholder === undefined || !(BUILD_STAGE_NAMES as string[]).includes(placeholder)) {
    throw new Error(`${name}: BuildspecOverride ${String(state.Parameters?.BuildspecOverride)} names no build stage`);
  }
  return placeholder as BuildStageName;
}

/**
 * The CodeBuild tasks of the state machine (state name and stage) and which must finish before
 * which: B comes after A when B is reachable from A along the workflow's transitions (Next, Choices,
 * Default, and Catch: a failed deploy goes on to the rollback build), where a Parallel state leads
 * into each branch and each branch's end leads to the Parallel's Next. Tasks in different branches of
 * one Parallel are side by side.
 */
function aslOrder(): { tasks: Map<string, BuildStageName>; precedes: (a: string, b: string) => boolean } {
  const asl = JSON.parse(readDeployPipelineAsl()) as { StartAt: string; States: Record<string, AslState> };
  const edges = new Map<string, string[]>();
  const tasks = new Map<string, BuildStageName>();
  const add = (from: string, to: string) => edges.set(from, [...(edges.get(from) ?? []), to]);
  const walk = (states: Record<string, AslState>, after: string | undefined) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Resource === 'arn:aws:states:::codebuild:startBuild.sync') tasks.set(name, stageOfState(name, state));
      const nexts = [state.Next, state.Default, ...(state.Choices ?? []), ...(state.Catch ?? [])].map((n) =>
        typeof n === 'object' ? n.Next : n,
      );
      for (const next of nexts) {
        if (next !== undefined) add(name, next);
      }
      if (state.End && after !== undefined) add(name, after);
      for (const branch of state.Branches ?? []) {
        add(name, branch.StartAt);
        walk(branch.States, state.Next);
      }
    }
  };
  walk(asl.States, undefined);
  const reachable = (from: string): Set<string> => {
    const seen = new Set<string>();
    const queue = [...(edges.get(from) ?? [])];
    while (queue.length > 0) {
      const s = queue.shift() as string;
      if (seen.has(s)) continue;
      seen.add(s);
      queue.push(...(edges.get(s) ?? []));
    }
    return seen;
  };
  return { tasks, precedes: (a, b) => reachable(a).has(b) };
}

const workflow = parse(readFileSync(WORKFLOW_FILE, 'utf8')) as Workflow;
const SCRIPT_CALL = /bash "\$STAGE_SCRIPTS\/([a-z-]+\.sh)"/g;
const stageOfScript = new Map(BUILD_STAGE_NAMES.map((s) => [STAGE_SCRIPTS[s], s] as const));

/** The stage each job runs (by the stage scripts its steps call), with the step that calls it. */
function stageJobs(): Map<BuildStageName, { job: string; step: Step }> {
  const found = new Map<BuildStageName, { job: string; step: Step }>();
  for (const [job, { steps }] of Object.entries(workflow.jobs)) {
    for (const step of steps) {
      for (const [, script] of (step.run ?? '').matchAll(SCRIPT_CALL)) {
        if (script === 'install-tools.sh') continue;
        const stage = stageOfScript.get(script as string);
        if (stage === undefined) throw new Error(`job ${job} calls ${script}, which is not a stage script`);
        if (found.has(stage)) throw new Error(`${script} is called twice`);
        found.set(stage, { job, step });
      }
    }
  }
  return found;
}

/** Whether job `b` needs job `a`, directly or through other jobs. */
function needs(b: string, a: string): boolean {
  const direct = workflow.jobs[b]?.needs ?? [];
  return (Array.isArray(direct) ? direct : [direct]).some((n) => n === a || needs(n, a));
}

describe('docs/github-actions.example.yml', () => {
  const jobs = stageJobs();
  const { tasks: allTasks, precedes } = aslOrder();
  /** The build states the example has a job for, and the stage each runs. */
  const tasks = [...allTasks].filter(([name]) => !(name in LEFT_OUT));
  const text = readFileSync(WORKFLOW_FILE, 'utf8');

  test('calls the stage scripts of lib/stages/scripts, from a checkout of this repository', () => {
    expect(workflow.env?.STAGE_SCRIPTS).toMatch(/\/lib\/stages\/scripts$/);
    expect(STAGE_SCRIPTS_DIR).toMatch(/\/lib\/stages\/scripts$/);
    expect(tasks.length).toBeGreaterThanOrEqual(5);
  });

  test('maps each build state to its stage by the buildspec it runs', () => {
    expect(Object.fromEntries(allTasks)).toEqual({
      RunTests: 'RunTests',
      TerraformPlan: 'TerraformPlan',
      BuildImage: 'BuildImage',
      TerraformApply: 'TerraformApply',
      BuildDeferredImage: 'BuildImage',
      HelmDeploy: 'HelmDeploy',
      RollbackRelease: 'HelmRollback',
      RollbackOnRequest: 'HelmRollback',
    });
  });

  test('leaves out only build states of the state machine, and says why in its header', () => {
    for (const [name, explained] of Object.entries(LEFT_OUT)) {
      expect({ name, inAsl: allTasks.has(name) }).toEqual({ name, inAsl: true });
      expect(text).toMatch(explained);
    }
    // The one image build cannot defer: it fails on a missing repository, as the header says.
    expect(jobs.get('BuildImage')?.step.env?.ON_MISSING_REPOSITORY).toBe('fail');
  });

  test('calls exactly the scripts of the stages the state machine builds, once each', () => {
    const stages = tasks.map(([, stage]) => stage);
    // Each stage by one state here, so each job stands for one state.
    expect(new Set(stages).size).toBe(stages.length);
    expect([...jobs.keys()].sort()).toEqual([...stages].sort());
  });

  test('in the same order: a stage after another needs its job; side-by-side stages do not', () => {
    for (const [a, stageA] of tasks) {
      for (const [b, stageB] of tasks) {
        if (a === b) continue;
        const jobA = jobs.get(stageA)?.job as string;
        const jobB = jobs.get(stageB)?.job as string;
        expect({ a, b, workflowOrder: needs(jobB, jobA) }).toEqual({ a, b, workflowOrder: precedes(a, b) });
      }
    }
  });

  test('the rollback job runs only when the deploy job failed, with the decision for a failed deploy', () => {
    const rollback = jobs.get('HelmRollback');
    const deploy = jobs.get('HelmDeploy')?.job as string;
    expect(precedes('HelmDeploy', 'RollbackRelease')).toBe(true);
    expect(workflow.jobs[rollback?.job as string]?.if).toBe(`\${{ failure() && needs.${deploy}.result == 'failure' }}`);
    expect(rollback?.step.env?.ROLLBACK_ACTION).toBe('restore');
  });

  test('gives every script the variables it requires, and publishes each stage output as a job output', () => {
    for (const [stage, { job, step }] of jobs) {
      const script = readFileSync(join(STAGE_SCRIPTS_DIR, STAGE_SCRIPTS[stage]), 'utf8');
      const required = [...script.matchAll(/^require_vars (.+)$/gm)].flatMap((m) => (m[1] as string).split(' '));
      const given = { ...workflow.env, ...workflow.jobs[job]?.env, ...step.env };
      expect({ stage, missing: required.filter((v) => !(v in given)) }).toEqual({ stage, missing: [] });
      const outputs = STAGE_EXPORTS[stage];
      if (outputs.length === 0) continue;
      expect(step.run).toContain('STAGE_OUTPUT_FILE="$GITHUB_OUTPUT"');
      for (const name of outputs) {
        expect(workflow.jobs[job]?.outputs?.[name]).toBe(`\${{ steps.${step.id}.outputs.${name} }}`);
      }
    }
  });

  test('pins the tools as the builds do (lib/tool-versions.ts)', () => {
    expect(workflow.env).toMatchObject({
      TERRAFORM_VERSION: TOOL_VERSIONS.terraform.version,
      TERRAFORM_SHA256: TOOL_VERSIONS.terraform.sha256,
      KUBECTL_LAYER_PACKAGE: TOOL_VERSIONS.kubectlLayer.package,
      KUBECTL_LAYER_INTEGRITY: TOOL_VERSIONS.kubectlLayer.integrity,
    });
  });

  test('the order check can fail: a workflow that runs the apply beside the plan is caught', () => {
    const apply = jobs.get('TerraformApply')?.job as string;
    const plan = jobs.get('TerraformPlan')?.job as string;
    expect(precedes('TerraformPlan', 'TerraformApply')).toBe(true);
    const saved = workflow.jobs[apply]?.needs;
    (workflow.jobs[apply] as Job).needs = [];
    try {
      expect(needs(apply, plan)).toBe(false);
    } finally {
      (workflow.jobs[apply] as Job).needs = saved;
    }
  });
});
