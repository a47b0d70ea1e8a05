/**
 * `npm run bench`: runs every benchmark and prints one markdown report (paste into
 * docs/BENCHMARKS.md). Each benchmark measures side by side in one run and reports every figure as a
 * median with its range, its target and whether it is met.
 *
 *   npm run bench                    # pipeline, webhook, coverage (20 MB), scan: a few minutes
 *   npm run bench -- --slow          # also the developer loop (synth, demo, full npm test) and coverage at 100 MB
 *   npm run bench -- pipeline        # one benchmark: pipeline | webhook | coverage | scan | dev-loop
 */
import { run as coverage } from './coverage.bench';
import { run as devLoop } from './dev-loop.bench';
import { run as pipeline } from './pipeline.bench';
import { run as scan } from './scan.bench';
import { run as webhook } from './webhook.bench';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const slow = args.includes('--slow');
  const only = args.find((a) => !a.startsWith('--'));
  // The default run stays short: coverage at 20 MB only unless --slow or COVERAGE_BENCH_MB says otherwise.
  if (!slow && process.env.COVERAGE_BENCH_MB === undefined) process.env.COVERAGE_BENCH_MB = '20';
  const benches: Record<string, { run: () => Promise<string>; slowOnly?: boolean }> = {
    pipeline: { run: pipeline },
    webhook: { run: webhook },
    coverage: { run: coverage },
    scan: { run: scan },
    'dev-loop': { run: devLoop, slowOnly: true },
  };
  if (only !== undefined && !(only in benches)) {
    throw new Error(`unknown benchmark "${only}": choose one of ${Object.keys(benches).join(', ')}`);
  }
  for (const [name, bench] of Object.entries(benches)) {
    if (only !== undefined ? only !== name : bench.slowOnly && !slow) continue;
    process.stdout.write(`${await bench.run()}\n\n`);
  }
  if (!slow && only === undefined) {
    process.stdout.write('Developer loop (synth, demo, npm test) not run: `npm run bench -- --slow`.\n');
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
