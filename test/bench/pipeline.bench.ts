/**
 * Pipeline benchmarks (issue 17): transitions and orchestration cost per run, lead time against the
 * critical path, and the functions' cold start. Transitions are counted live from runs of the real
 * ASL (`runLocalScenario`, what `deployctl local --simulated --json` runs), never hard-coded.
 *
 *   npx tsx test/bench/pipeline.bench.ts      # PIPELINE_BENCH_RUNS=5 (lead-time runs), COLD_START_RUNS=20
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { DEFAULT_BUILD_COMPUTE } from '../../lib/contracts/pipeline-config';
import { billedBuildMinutes, DEFAULT_PRICING } from '../../lib/contracts/pricing';
import { profileDrivers, STANDARD_PROFILE_MINUTES } from '../../lib/local/profile-drivers';
import { runLocalScenario } from '../../lib/local/run-local-scenario';
import type { ChangeSet } from '../../lib/local/scenarios';
import { simulatedDrivers } from '../../lib/local/simulated-drivers';

const ROOT = join(__dirname, '..', '..');
/** Stages the profile times but no CodeBuild driver sleeps for here: the scan wait and the bake check. */
const NON_BUILD_MINUTES = { WaitForScan: 1, VerifyDeployment: 1 } as const;
const CODEPIPELINE_ACTION_MINUTE = 0.002; // https://aws.amazon.com/codepipeline/pricing/ (V2)
const GITHUB_RUNNER_MINUTE = 0.008; // https://docs.github.com/en/billing (Linux 2-core, per minute)

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}`;
const met = (ok: boolean) => (ok ? 'met' : '**missed**');

const RUNS: Array<{ label: string; scenario: string; changes: ChangeSet }> = [
  { label: 'full', scenario: 'happy', changes: 'all' },
  { label: 'app-only', scenario: 'happy', changes: 'app' },
  { label: 'infra-only', scenario: 'happy', changes: 'infra' },
  { label: 'deploy fails (rollback path)', scenario: 'deploy-fails', changes: 'all' },
  { label: 'superseded', scenario: 'superseded', changes: 'all' },
];

async function transitionsAndCost(): Promise<string> {
  const rows: string[] = [];
  for (const r of RUNS) {
    const { result } = await runLocalScenario({
      scenario: r.scenario,
      changes: r.changes,
      drivers: simulatedDrivers(),
    });
    const builds = result.states.filter((s) => s.name in STANDARD_PROFILE_MINUTES).map((s) => s.name);
    const minutesOf = (name: string) =>
      STANDARD_PROFILE_MINUTES[name as keyof typeof STANDARD_PROFILE_MINUTES] ??
      NON_BUILD_MINUTES[name as keyof typeof NON_BUILD_MINUTES] ??
      0;
    const stages = [...builds, ...result.states.filter((s) => s.name in NON_BUILD_MINUTES).map((s) => s.name)];
    const sfn = result.transitions * DEFAULT_PRICING.stepFunctionsTransition;
    const codebuild = builds.reduce((sum, b) => {
      const compute = DEFAULT_BUILD_COMPUTE[b as keyof typeof DEFAULT_BUILD_COMPUTE] ?? 'ec2-small';
      return sum + billedBuildMinutes(compute, minutesOf(b) * 60) * DEFAULT_PRICING.codeBuildMinute[compute];
    }, 0);
    const actionMinutes = stages.reduce((sum, s) => sum + minutesOf(s), 0);
    const budget = r.label === 'app-only' ? 22 : r.label === 'full' ? 30 : undefined;
    rows.push(
      `| ${r.label} | ${result.status} | ${result.transitions} | ${budget === undefined ? '-' : `<= ${budget}: ${met(result.transitions <= budget)}`} | $${sfn.toFixed(5)} | $${codebuild.toFixed(4)} | $${(sfn + codebuild).toFixed(4)} | $${(actionMinutes * CODEPIPELINE_ACTION_MINUTE + codebuild).toFixed(4)} | $${(actionMinutes * GITHUB_RUNNER_MINUTE).toFixed(4)} |`,
    );
  }
  return [
    '### Transitions and cost per run',
    '',
    'Transitions counted from runs of the real ASL (simulated drivers; deterministic, so one run each). Costs at us-east-1 list prices (`lib/contracts/pricing.ts`) for the standard profile (tests 3, plan 1, build 3, apply 2, scan 1, deploy 2, verify 1 minutes) over the stages each run entered, with the default compute per stage. CodePipeline V2: every stage an action billed per action-minute, plus the same CodeBuild minutes; GitHub-hosted runners: the same minutes as sequential jobs.',
    '',
    '| run | status | transitions | budget | Step Functions | CodeBuild | ours total | CodePipeline V2 | GitHub runners |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

async function leadTime(): Promise<string> {
  const runs = Number(process.env.PIPELINE_BENCH_RUNS ?? 3);
  const scale = 100;
  const sequential = Object.values(STANDARD_PROFILE_MINUTES).reduce((a, b) => a + (b ?? 0), 0) + 2; // + scan, verify
  const critical = Math.max(3, 1, 3) + Math.max(2, 1) + 2 + 1;
  const walls: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t = performance.now();
    const { result } = await runLocalScenario({ scenario: 'happy', changes: 'all', drivers: profileDrivers() });
    if (result.status !== 'SUCCEEDED') throw new Error(`profile run ended ${result.status}`);
    // The verify minute is not slept by any driver here: add it (the scan minute overlaps the apply).
    walls.push(performance.now() - t + (NON_BUILD_MINUTES.VerifyDeployment * 60_000) / scale);
  }
  const seqMs = (sequential * 60_000) / scale;
  const critMs = (critical * 60_000) / scale;
  const ratios = walls.map((w) => w / seqMs);
  const overheads = walls.map((w) => ((w - critMs) / critMs) * 100);
  return [
    '### Lead time (standard profile scaled 100x)',
    '',
    `${runs} runs of the real ASL with each CodeBuild stage sleeping its profile time / ${scale} (lib/local/profile-drivers.ts). Sequential sum ${sequential} min (${seqMs} ms), critical path ${critical} min (${critMs} ms). The scan minute is not slept (the local scan task answers at once; it overlaps the apply), the verify minute is added to the wall time.`,
    '',
    '| figure | median | spread | target | result |',
    '|---|---|---|---|---|',
    `| wall time (ms) | ${median(walls).toFixed(0)} | ${spread(walls)} | - | - |`,
    `| wall / sequential sum | ${median(ratios).toFixed(3)} | ${spread(ratios.map((r) => r * 1000)).replace(/(\d+\.\d)/g, (m) => (Number(m) / 1000).toFixed(3))} | <= 0.63 | ${met(median(ratios) <= 0.63)} |`,
    `| (wall - critical path) / critical path (%) | ${median(overheads).toFixed(1)} | ${spread(overheads)} | < 2% | ${met(median(overheads) < 2)} |`,
  ].join('\n');
}

function coldStart(): string {
  const runs = Number(process.env.COLD_START_RUNS ?? 20);
  const out = join(ROOT, 'test', 'bench', '.cold-start');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const env = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
    STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:s',
    DEPLOY_LOCK_TABLE: 't',
    SCAN_TOKENS_TABLE: 't',
    LOCK_LEASE_SECONDS: '3600',
    SCAN_TOKEN_TTL_SECONDS: '3600',
    WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:w',
    GITHUB_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:g',
    GITHUB_AUTH: 'token',
    GITHUB_API_URL: 'https://api.github.com',
    DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
    CHANNEL_NAME: 'c',
    MAX_BODY_BYTES: '5242880',
    PROTECTED_RESOURCE_TYPES: '[]',
  };
  const rows: string[] = [];
  try {
    for (const name of readdirSync(join(ROOT, 'lambdas')).sort()) {
      const entry = join(ROOT, 'lambdas', name, 'index.ts');
      try {
        statSync(entry);
      } catch {
        continue;
      }
      const file = join(out, `${name}.js`);
      // As the stack bundles them (lib/constructs/pipeline-function.ts): CJS, minified, AWS SDK from the runtime.
      buildSync({
        entryPoints: [entry],
        bundle: true,
        minify: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        external: ['@aws-sdk/*'],
        outfile: file,
        logLevel: 'silent',
      });
      const kb = statSync(file).size / 1024;
      const times: number[] = [];
      let error = '';
      for (let i = 0; i < runs; i += 1) {
        const r = spawnSync(
          process.execPath,
          [
            '-e',
            `const t=performance.now();require(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t))`,
          ],
          { env, encoding: 'utf8' },
        );
        if (r.status !== 0) {
          error = (r.stderr.split('\n').find((l) => /Error/.test(l)) ?? 'failed').slice(0, 80);
          break;
        }
        times.push(Number(r.stdout));
      }
      rows.push(
        times.length === 0
          ? `| ${name} | ${kb.toFixed(0)} | - | - | ${met(kb < 500)}, init not measured: ${error} |`
          : `| ${name} | ${kb.toFixed(0)} | ${median(times).toFixed(1)} | ${spread(times)} | ${met(kb < 500 && median(times) < 80)} |`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return [
    '### Lambda cold start',
    '',
    `Each \`lambdas/*/index.ts\` bundled by esbuild (minified, CJS, AWS SDK external as the Node.js runtime provides it), then \`require\`d in a fresh Node ${process.version} process, ${runs} times (module init only, SDK loaded from node_modules). Targets: < 500 KB, < 80 ms.`,
    '',
    '| handler | bundle KB | init ms (median) | spread | target |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export async function run(): Promise<string> {
  return ['## Pipeline (issue 17)', '', await transitionsAndCost(), '', await leadTime(), '', coldStart()].join('\n');
}

if (require.main === module) {
  run().then(
    (text) => process.stdout.write(`${text}\n`),
    (err) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
