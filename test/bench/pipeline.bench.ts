/**
 * Pipeline benchmarks (issue 17): transitions and orchestration cost per run, lead time against the
 * critical path, and the functions' cold start. Transitions are counted live from runs of the real
 * ASL (`runLocalScenario`, what `deployctl local --simulated --json` runs), never hard-coded.
 *
 *   npx tsx test/bench/pipeline.bench.ts      # PIPELINE_BENCH_RUNS=5 (lead-time runs), COLD_START_RUNS=20
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { DEFAULT_BUILD_COMPUTE } from '../../lib/contracts/pipeline-config';
import { billedBuildMinutes, DEFAULT_PRICING } from '../../lib/contracts/pricing';
import { profileDrivers, STANDARD_PROFILE_MINUTES } from '../../lib/local/profile-drivers';
import { runLocalScenario } from '../../lib/local/run-local-scenario';
import { scanReadyAtKey } from '../../lib/local/scan-tasks';
import type { ChangeSet } from '../../lib/local/scenarios';
import { type StageDrivers, simulatedDrivers } from '../../lib/local/simulated-drivers';
import { pushToHealthySection } from './push-to-healthy';

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

export async function transitionsAndCost(): Promise<string> {
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

/**
 * The profile drivers, with the image's scan taking `scanMs` from its push: the BuildImage driver
 * stores the scan-ready time under `scanReadyAtKey(digest)` in the run's artifact store, and the
 * local WaitForScan answers no earlier (lib/local/scan-tasks.ts), so the scan overlaps what follows
 * the build as ECR's scan-on-push does.
 */
function profileDriversWithScan(scanMs: number, scale: number): StageDrivers {
  const drivers = profileDrivers(STANDARD_PROFILE_MINUTES, scale);
  const build = drivers.BuildImage;
  return {
    ...drivers,
    BuildImage: {
      ...build,
      run: async (ctx, mode) => {
        const result = await build.run(ctx, mode);
        const digest = /sha256:[0-9a-f]{64}/.exec(JSON.stringify(result))?.[0];
        if (digest === undefined) throw new Error('the BuildImage driver returned no image digest');
        await ctx.artifacts.put(scanReadyAtKey(digest), String(Date.now() + scanMs));
        return result;
      },
    },
  };
}

export async function leadTime(): Promise<string> {
  const runs = Number(process.env.PIPELINE_BENCH_RUNS ?? 3);
  const scale = 100;
  const m = { ...STANDARD_PROFILE_MINUTES, ...NON_BUILD_MINUTES } as Record<string, number>;
  const sequential = Object.values(m).reduce((a, b) => a + b, 0);
  const critical =
    Math.max(m.RunTests ?? 0, m.TerraformPlan ?? 0, m.BuildImage ?? 0) +
    Math.max(m.TerraformApply ?? 0, m.WaitForScan ?? 0) +
    (m.HelmDeploy ?? 0) +
    (m.VerifyDeployment ?? 0);
  const scanMs = ((m.WaitForScan ?? 0) * 60_000) / scale;
  const walls: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t = performance.now();
    const { result } = await runLocalScenario({
      scenario: 'happy',
      changes: 'all',
      drivers: profileDriversWithScan(scanMs, scale),
    });
    if (result.status !== 'SUCCEEDED') throw new Error(`profile run ended ${result.status}`);
    // The verify minute is not slept by any driver here: it is added (the scan minute is slept by WaitForScan).
    walls.push(performance.now() - t + ((m.VerifyDeployment ?? 0) * 60_000) / scale);
  }
  const seqMs = (sequential * 60_000) / scale;
  const critMs = (critical * 60_000) / scale;
  const ratios = walls.map((w) => w / seqMs);
  const overheads = walls.map((w) => ((w - critMs) / critMs) * 100);
  const fixed3 = (xs: number[]) => `${Math.min(...xs).toFixed(3)}-${Math.max(...xs).toFixed(3)}`;
  return [
    '### Lead time (standard profile scaled 100x)',
    '',
    `${runs} runs of the real ASL with each CodeBuild stage sleeping its profile time / ${scale} (lib/local/profile-drivers.ts), and the image scan taking its minute / ${scale} from the push (the BuildImage driver stores the scan-ready time under \`scanReadyAtKey(digest)\`; the local WaitForScan answers no earlier), so the scan overlaps the work after the build. Sequential sum ${sequential} min (${seqMs} ms), critical path \`max(tests, plan, build) + max(apply, scan) + deploy + verify\` = ${critical} min (${critMs} ms). The verify minute is not slept here (no driver): it is added to the wall time.`,
    '',
    '| figure | median | spread | target | result |',
    '|---|---|---|---|---|',
    `| wall time (ms) | ${median(walls).toFixed(0)} | ${spread(walls)} | - | - |`,
    `| wall / sequential sum | ${median(ratios).toFixed(3)} | ${fixed3(ratios)} | <= 0.63 | ${met(median(ratios) <= 0.63)} |`,
    `| (wall - critical path) / critical path (%) | ${median(overheads).toFixed(1)} | ${spread(overheads)} | < 2% | ${met(median(overheads) < 2)} |`,
  ].join('\n');
}

/** The esbuild options the stack bundles functions with (lib/constructs/pipeline-function.ts), and the previous ones. */
const BUNDLE_VARIANTS = {
  /** Before: `import { z } from 'zod'` (every zod locale), SDK external, esbuild's default field order. */
  before: { external: ['@aws-sdk/*'], target: 'node24', restoreNamedZodImport: true },
  /** Namespace zod import, SDK external (loaded from the runtime), ES module entry points first. */
  'sdk external': { external: ['@aws-sdk/*'], target: 'node24', mainFields: ['module', 'main'] },
  /** What the stack deploys now: the SDK bundled and tree-shaken from its ES modules. */
  'sdk bundled': { target: 'node24', mainFields: ['module', 'main'] },
} as const;
type BundleVariant = keyof typeof BUNDLE_VARIANTS;

/** An esbuild plugin that puts back `import { z } from 'zod'`, to bundle the code as it was before. */
const namedZodImport: Plugin = {
  name: 'named-zod-import',
  setup(build) {
    build.onLoad({ filter: /\/(lambdas|lib)\/.*\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(/^import \* as z from 'zod';/m, "import { z } from 'zod';"),
      loader: 'ts',
    }));
  },
};

async function bundleHandler(entry: string, outfile: string, variant: BundleVariant): Promise<void> {
  const options = BUNDLE_VARIANTS[variant];
  await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'cjs',
    target: options.target,
    outfile,
    logLevel: 'silent',
    ...('external' in options ? { external: [...options.external] } : {}),
    ...('mainFields' in options ? { mainFields: [...options.mainFields] } : {}),
    ...('restoreNamedZodImport' in options ? { plugins: [namedZodImport] } : {}),
  });
}

const COLD_START_ENV = {
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

/** Module init of one bundle in a fresh Node process, in ms; or the first error line. */
function initTime(file: string): number | string {
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `const t=performance.now();require(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t))`,
    ],
    { env: { ...process.env, ...COLD_START_ENV }, encoding: 'utf8' },
  );
  return r.status === 0
    ? Number(r.stdout)
    : (r.stderr.split('\n').find((l) => /Error/.test(l)) ?? 'failed').slice(0, 80);
}

export async function coldStart(): Promise<string> {
  const runs = Number(process.env.COLD_START_RUNS ?? 20);
  const out = join(ROOT, 'test', 'bench', '.cold-start');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const variants = Object.keys(BUNDLE_VARIANTS) as BundleVariant[];
  const rows: string[] = [];
  const summary: Record<BundleVariant, { kb: number[]; ms: number[]; met: number }> = Object.fromEntries(
    variants.map((v) => [v, { kb: [], ms: [], met: 0 }]),
  ) as never;
  try {
    const handlers = readdirSync(join(ROOT, 'lambdas'))
      .sort()
      .filter((name) => existsSync(join(ROOT, 'lambdas', name, 'index.ts')));
    for (const name of handlers) {
      const files = {} as Record<BundleVariant, string>;
      for (const variant of variants) {
        files[variant] = join(out, `${name}-${variant.replace(/\W+/g, '-')}.js`);
        await bundleHandler(join(ROOT, 'lambdas', name, 'index.ts'), files[variant], variant);
      }
      // Interleaved: each round measures every variant once, so load on the machine hits them alike.
      const times = Object.fromEntries(variants.map((v) => [v, [] as number[]])) as Record<BundleVariant, number[]>;
      const errors: Partial<Record<BundleVariant, string>> = {};
      for (let i = 0; i < runs; i += 1) {
        for (const variant of variants) {
          if (errors[variant] !== undefined) continue;
          const t = initTime(files[variant]);
          if (typeof t === 'string') errors[variant] = t;
          else times[variant].push(t);
        }
      }
      const cells = variants.map((variant) => {
        const kb = statSync(files[variant]).size / 1024;
        const ms = times[variant];
        summary[variant].kb.push(kb);
        if (ms.length === 0) return `${kb.toFixed(0)} KB, init not measured: ${errors[variant]}`;
        const ok = kb < 500 && median(ms) < 80;
        summary[variant].ms.push(median(ms));
        if (ok) summary[variant].met += 1;
        return `${kb.toFixed(0)} KB, ${median(ms).toFixed(1)} ms (${spread(ms)}): ${ok ? 'met' : met(false)}`;
      });
      rows.push(`| ${name} | ${cells.join(' | ')} |`);
    }
    rows.push(
      `| **all ${handlers.length}** | ${variants
        .map(
          (v) =>
            `median ${median(summary[v].kb).toFixed(0)} KB, ${median(summary[v].ms).toFixed(1)} ms; ${summary[v].met}/${handlers.length} met`,
        )
        .join(' | ')} |`,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return [
    '### Lambda cold start',
    '',
    `Each \`lambdas/*/index.ts\` bundled by esbuild three ways (minified, CJS, target node24), then \`require\`d in a fresh Node ${process.version} process, ${runs} rounds, the variants interleaved in each round (module init only; an external SDK is loaded from node_modules here, from the runtime on Lambda). **before**: \`import { z } from 'zod'\` and the SDK external, as the stack bundled until now; **sdk external**: zod imported as a namespace, ES module entry points first; **sdk bundled**: the same with the SDK bundled (what the stack deploys, lib/constructs/pipeline-function.ts). Targets: < 500 KB and < 80 ms each.`,
    '',
    `| handler | ${variants.join(' | ')} |`,
    `|---|${variants.map(() => '---').join('|')}|`,
    ...rows,
  ].join('\n');
}

export async function run(): Promise<string> {
  return [
    '## Pipeline (issue 17)',
    '',
    await transitionsAndCost(),
    '',
    await leadTime(),
    '',
    pushToHealthySection(),
    '',
    await coldStart(),
  ].join('\n');
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
