/**
 * Developer loop on this machine (issue 17, measure 6): `npm run synth` (cdk synth with cdk-nag and
 * bundling), `npm run demo` (full and `--changes app`) and the full `npm test`, each its wall time over
 * a few runs (median with the range). Slow (the test run alone takes minutes on 2 cores), so
 * `npm run bench` runs it only with `--slow`:
 *
 *   npm run bench -- --slow            # everything, dev loop included
 *   npx tsx test/bench/dev-loop.bench.ts   # DEV_LOOP_RUNS=3 (synth, demo), DEV_LOOP_TEST_RUNS=1
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface Case {
  readonly label: string;
  readonly command: readonly string[];
  readonly targetSeconds: number;
  readonly runs: number;
}

/** Wall seconds of one run of `command` in the repository (its output discarded); throws when it fails. */
function wallSeconds(command: readonly string[]): number {
  const started = performance.now();
  const r = spawnSync(command[0] as string, command.slice(1), {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: process.env.CI ?? '', FORCE_COLOR: '0' },
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) {
    throw new Error(
      `${command.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).split('\n').slice(-5).join(' ')}`,
    );
  }
  return seconds;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export async function run(): Promise<string> {
  const runs = Number(process.env.DEV_LOOP_RUNS ?? 3);
  const testRuns = Number(process.env.DEV_LOOP_TEST_RUNS ?? 1);
  const cases: Case[] = [
    {
      label: '`npm run synth` (cdk synth, cdk-nag, bundling)',
      command: ['npm', 'run', 'synth'],
      targetSeconds: 20,
      runs,
    },
    { label: '`npm run demo` (full run)', command: ['npm', 'run', 'demo'], targetSeconds: 6 * 60, runs },
    {
      label: '`npm run demo -- --changes app` (app-only)',
      command: ['npm', 'run', 'demo', '--', '--changes', 'app'],
      targetSeconds: 3 * 60,
      runs,
    },
    {
      label: '`npm test` (lint, every suite, the app)',
      command: ['npm', 'test'],
      targetSeconds: 5 * 60,
      runs: testRuns,
    },
  ];
  const rows: string[] = [];
  for (const c of cases) {
    const times = Array.from({ length: c.runs }, () => wallSeconds(c.command));
    const m = median(times);
    rows.push(
      `| ${c.label} | ${m.toFixed(1)} | ${Math.min(...times).toFixed(1)}-${Math.max(...times).toFixed(1)} (${c.runs} runs) | < ${c.targetSeconds} s | ${m < c.targetSeconds ? 'met' : '**missed**'} |`,
    );
  }
  return [
    '### Developer loop',
    '',
    `Wall time on this machine (${cpus().length} cores, Node ${process.version}), each command run in the repository as a developer runs it (output discarded).`,
    '',
    '| command | median (s) | range | target | result |',
    '|---|---|---|---|---|',
    ...rows,
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
