import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BUILD_STAGE_NAMES, type BuildStageName, STAGE_EXPORTS } from '../../lib/contracts/stage-outputs';
import { STAGE_SCRIPTS, STAGE_SCRIPTS_DIR } from '../../lib/stages/stage-scripts';
import { TOOL_VERSIONS } from '../../lib/tool-versions';
import { readDeployPipelineAsl } from '../../lib/workflow/deploy-pipeline-definition';

const WORKFLOW_FILE = join(__dirname, '..', '..', 'docs', 'github-actions.example.yml');

type Step = { run?: string; env?: Record<string, string>; id?: string };
type Job = { needs?: string | string[]; env?: Record<string, string>; outputs?: Record<string, string>; steps: Step[] };
type Workflow = { env?: Record<string, string>; jobs: Record<string, Job> };

type AslState = {
  Type: string;
  Resource?: string;
  Next?: string;
  Default?: string;
  End?: boolean;
  Choices?: { Next: string }[];
  Branches?: { StartAt: string; States: Record<string, AslState> }[];
};

/**
 * The CodeBuild tasks of the state machine and which must finish before which: B comes after A when
 * B is reachable from A along normal transitions (Next, Choices, Default; not Catch, the failure
 * paths), where a Parallel state leads into each branch and each branch's end leads to the
 * Parallel's Next. Tasks in different branches of one Parallel are side by side.
 */
function aslOrder(): { tasks: string[]; precedes: (a: string, b: string) => boolean } {
  const asl = JSON.parse(readDeployPipelineAsl()) as { StartAt: string; States: Record<string, AslState> };
  const edges = new Map<string, string[]>();
  const tasks: string[] = [];
  const add = (from: string, to: string) => edges.set(from, [...(edges.get(from) ?? []), to]);
  const walk = (states: Record<string, AslState>, after: string | undefined) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Resource === 'arn:aws:states:::codebuild:startBuild.sync') tasks.push(name);
      for (const next of [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next)]) {
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
  const { tasks, precedes } = aslOrder();

  test('calls the stage scripts of lib/stages/scripts, from a checkout of this repository', () => {
    expect(workflow.env?.STAGE_SCRIPTS).toMatch(/\/lib\/stages\/scripts$/);
    expect(STAGE_SCRIPTS_DIR).toMatch(/\/lib\/stages\/scripts$/);
    expect(tasks.length).toBeGreaterThanOrEqual(5);
  });

  test('calls exactly the scripts of the stages the state machine builds, once each', () => {
    expect([...jobs.keys()].sort()).toEqual([...tasks].sort());
  });

  test('in the same order: a stage after another needs its job; side-by-side stages do not', () => {
    for (const a of tasks) {
      for (const b of tasks) {
        if (a === b) continue;
        const jobA = jobs.get(a as BuildStageName)?.job as string;
        const jobB = jobs.get(b as BuildStageName)?.job as string;
        expect({ a, b, workflowOrder: needs(jobB, jobA) }).toEqual({ a, b, workflowOrder: precedes(a, b) });
      }
    }
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
