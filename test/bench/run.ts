/**
 * `npm run bench`: runs every benchmark and prints one markdown report (paste into
 * docs/BENCHMARKS.md). Each benchmark measures side by side in one run and reports ratios.
 */
import { run as coverage } from './coverage.bench';
import { run as pipeline } from './pipeline.bench';
import { run as scan } from './scan.bench';
import { run as webhook } from './webhook.bench';

async function main(): Promise<void> {
  const only = process.argv[2];
  const benches: Record<string, () => Promise<string>> = { pipeline, webhook, coverage, scan };
  for (const [name, bench] of Object.entries(benches)) {
    if (only && only !== name) continue;
    process.stdout.write(`${await bench()}\n\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
