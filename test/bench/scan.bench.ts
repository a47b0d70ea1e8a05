/**
 * Scan gate benchmark: time and memory to read and judge 10,000 findings spread over pages of 1,000
 * (the `DescribeImageScanFindings` maximum), for basic findings (the AWS CLI example's shape) and
 * enhanced ones (the API Reference example's shape, with descriptions, CVSS and resources), against a
 * bare loop that only counts severities over the same pages. Each case runs in its own child process
 * (this file bundled by esbuild, as the functions are deployed, in plain Node with `--expose-gc`).
 *
 *   npx tsx test/bench/scan.bench.ts      # SCAN_BENCH_FINDINGS=10000 SCAN_BENCH_RUNS=5 to change
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleSelf } from './bundle-self';

type Mode =
  | 'basic'
  | 'enhanced'
  | 'enhanced-streamed'
  | 'baseline-basic'
  | 'baseline-enhanced'
  | 'baseline-enhanced-streamed';

interface Measurement {
  readonly findings: number;
  readonly pages: number;
  /** Size of the pages as JSON. */
  readonly inputMb: number;
  /** Median run, CPU time (user + system), and the fastest and slowest. */
  readonly cpuMs: number;
  readonly cpuMinMs: number;
  readonly cpuMaxMs: number;
  /** Heap still held after the run by what the gate keeps (the collected scan and verdict), after GC. */
  readonly retainedMb: number;
  /** RSS with the pages in memory (streamed: with none), before the first run. */
  readonly idleRssMb: number;
  readonly maxRssMb: number;
  readonly check: string;
}

const PAGE_SIZE = 1_000;
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED', 'UNTRIAGED'];

function basicFinding(i: number) {
  return {
    name: `CVE-2024-${10000 + i}`,
    description: `A vulnerability in package ${i % 300} allows remote attackers to cause a denial of service via crafted input (${i}).`,
    uri: `http://people.ubuntu.com/~ubuntu-security/cve/CVE-2024-${10000 + i}`,
    severity: SEVERITIES[i % 6],
    attributes: [
      { key: 'package_version', value: `1.${i % 40}.${i % 7}-1ubuntu1.1` },
      { key: 'package_name', value: `pkg-${i % 300}` },
      { key: 'CVSS2_VECTOR', value: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' },
      { key: 'CVSS2_SCORE', value: '7.5' },
    ],
  };
}

function enhancedFinding(i: number) {
  const id = `CVE-2024-${10000 + i}`;
  const digest = `sha256:${'74b2c688c700ec95a93e478cdb959737c148df3fbf5ea706abe0318726e885e6'}`;
  return {
    awsAccountId: '123456789012',
    description: `xmlXIncludeAddNode in xinclude.c in libxml2 before 2.11.0 has a use-after-free (${i}). An attacker can trigger it with a crafted document that includes itself through XInclude.`,
    findingArn: `arn:aws:inspector2:us-west-2:123456789012:finding/${(1e23 + i * 7919).toString(16)}`,
    firstObservedAt: '2025-05-27T17:54:07.765000+00:00',
    lastObservedAt: '2025-06-09T07:08:40.144000+00:00',
    packageVulnerabilityDetails: {
      cvss: [
        {
          baseScore: 8.1,
          scoringVector: 'CVSS:3.1/AV:L/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H',
          source: 'NVD',
          version: '3.1',
        },
      ],
      referenceUrls: [
        `https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=${1094238 + i}`,
        `https://security-tracker.debian.org/tracker/${id}`,
      ],
      relatedVulnerabilities: [],
      source: 'DEBIAN_CVE',
      sourceUrl: `https://security-tracker.debian.org/tracker/${id}`,
      vendorSeverity: 'not yet assigned',
      vulnerabilityId: id,
      vulnerablePackages: Array.from({ length: 1 + (i % 3) }, (_, p) => ({
        arch: 'AMD64',
        epoch: 0,
        name: `lib-${(i + p) % 400}`,
        packageManager: 'OS',
        release: '1.3~deb12u1',
        sourceLayerHash: `sha256:deb7d8874f38d4ec281d990aac2c7badbfcd5b97d602a388056e3f918a3f8cc${p}`,
        version: `2.9.${i % 30}+dfsg`,
        fixedInVersion: i % 4 === 0 ? 'NotAvailable' : `2.9.${i % 30}+dfsg-1.3~deb12u2`,
      })),
    },
    remediation: { recommendation: { text: 'None Provided' } },
    resources: [
      {
        details: {
          awsEcrContainerImage: {
            architecture: 'amd64',
            imageHash: digest,
            imageTags: ['latest'],
            platform: 'DEBIAN_12',
            pushedAt: '2025-05-27T17:53:50.554000+00:00',
            registry: '123456789012',
            repositoryName: 'sample-repo',
          },
        },
        id: `arn:aws:ecr:us-west-2:123456789012:repository/sample-repo/${digest}`,
        tags: {},
        type: 'AWS_ECR_CONTAINER_IMAGE',
      },
    ],
    score: 8.1,
    scoreDetails: {
      cvss: { adjustments: [], score: 8.1, scoreSource: 'NVD', scoringVector: 'CVSS:3.1/AV:L', version: '3.1' },
    },
    severity: SEVERITIES[i % 7],
    status: i % 50 === 0 ? 'SUPPRESSED' : 'ACTIVE',
    title: `${id} - lib-${i % 400}`,
    type: 'PACKAGE_VULNERABILITY',
    updatedAt: '2025-06-09T07:08:40.144000+00:00',
    fixAvailable: i % 4 === 0 ? 'NO' : 'YES',
    exploitAvailable: 'NO',
  };
}

function buildPage(kind: 'basic' | 'enhanced', from: number, total: number) {
  const count = Math.min(PAGE_SIZE, total - from);
  const list = Array.from({ length: count }, (_, k) =>
    kind === 'basic' ? basicFinding(from + k) : enhancedFinding(from + k),
  );
  const last = from + count >= total;
  return {
    imageScanFindings: {
      [kind === 'basic' ? 'findings' : 'enhancedFindings']: list,
      imageScanCompletedAt: '2025-06-09T07:08:40.144000+00:00',
      findingSeverityCounts: { CRITICAL: 1, HIGH: 2 },
    },
    registryId: '123456789012',
    repositoryName: 'sample-repo',
    imageId: { imageDigest: `sha256:${'ab'.repeat(32)}` },
    imageScanStatus: { status: kind === 'basic' ? 'COMPLETE' : 'ACTIVE', description: 'done' },
    ...(last ? {} : { nextToken: `token-${from + count}` }),
  };
}

function* pagesOf(kind: 'basic' | 'enhanced', total: number) {
  for (let from = 0; from < total; from += PAGE_SIZE) yield buildPage(kind, from, total);
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();
const heapMb = () => process.memoryUsage().heapUsed / (1024 * 1024);

/** One measurement, run inside the child process. */
async function measure(mode: Mode, total: number, runs: number): Promise<Measurement> {
  const { collectScan } = await import('../../lambdas/shared/scan/collect-scan');
  const { judgeScan } = await import('../../lambdas/shared/scan/judge-scan');
  const { scanPolicySchema } = await import('../../lib/contracts/scan-policy');
  const policy = scanPolicySchema.parse({
    maxCounts: { HIGH: 5 },
    onlyFixable: true,
    exceptions: Array.from({ length: 50 }, (_, i) => ({
      id: `CVE-2024-${10000 + i * 3}`,
      reason: 'bench',
      expires: '2099-01-01',
    })),
  });
  const kind = mode.includes('enhanced') ? 'enhanced' : 'basic';
  // Streamed: each page is built when it is needed and dropped after, as the SDK paginator hands them
  // over; the baseline of that case builds the same pages, so the ratio compares like with like.
  const streamed = mode.endsWith('streamed');
  const inMemory = streamed ? [] : [...pagesOf(kind, total)];
  const pages = () => (streamed ? pagesOf(kind, total) : inMemory);
  const inputMb = streamed ? 0 : inMemory.reduce((n, p) => n + Buffer.byteLength(JSON.stringify(p)), 0) / (1024 * 1024);
  gc();
  const idleRssMb = process.memoryUsage().rss / (1024 * 1024);

  let kept: unknown;
  let check = '';
  const once = () => {
    if (mode.startsWith('baseline')) {
      const counts: Record<string, number> = {};
      for (const page of pages()) {
        const body = page.imageScanFindings as Record<string, { severity?: string }[] | undefined>;
        for (const f of body.findings ?? body.enhancedFindings ?? []) {
          const s = f.severity ?? 'UNDEFINED';
          counts[s] = (counts[s] ?? 0) + 1;
        }
      }
      kept = counts;
      check = JSON.stringify(counts);
    } else {
      const collected = collectScan(pages());
      const verdict = judgeScan(collected, policy, new Date('2025-06-30'));
      kept = { collected, verdict };
      check = `${verdict.outcome} ${JSON.stringify(verdict.counts)} blocking ${verdict.blocking.length}`;
    }
  };
  const cpu: number[] = [];
  for (let i = 0; i < runs + 1; i += 1) {
    const start = process.cpuUsage();
    once();
    const used = process.cpuUsage(start);
    if (i > 0 || runs === 0) cpu.push((used.user + used.system) / 1000); // run 0 warms up
  }
  cpu.sort((a, b) => a - b);
  // Retained heap: what the gate's result holds beside the pages (in-memory modes keep the pages on both readings).
  kept = undefined;
  gc();
  const before = heapMb();
  once();
  gc();
  const retainedMb = Math.max(0, heapMb() - before);
  if (kept === undefined) throw new Error('the measured run kept nothing');
  return {
    findings: total,
    pages: Math.ceil(total / PAGE_SIZE),
    inputMb,
    cpuMs: cpu[Math.floor(cpu.length / 2)] as number,
    cpuMinMs: cpu[0] as number,
    cpuMaxMs: cpu[cpu.length - 1] as number,
    retainedMb,
    idleRssMb,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    check,
  };
}

function runChild(script: string, mode: Mode, total: number, runs: number): Measurement {
  const child = spawnSync(process.execPath, ['--expose-gc', script, '--worker', mode, String(total), String(runs)], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`bench worker ${mode} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() ?? '') as Measurement;
}

export async function run(): Promise<string> {
  const total = Number(process.env.SCAN_BENCH_FINDINGS ?? 10_000);
  const runs = Number(process.env.SCAN_BENCH_RUNS ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'scan-bench-'));
  const script = await bundleSelf(__filename, dir, 'scan-bench');
  const cases: Array<{ label: string; mode: Mode; baseline?: Mode }> = [
    { label: 'basic, pages in memory', mode: 'basic', baseline: 'baseline-basic' },
    { label: 'enhanced, pages in memory', mode: 'enhanced', baseline: 'baseline-enhanced' },
    {
      label: 'enhanced, one page at a time (as the Lambda reads them)',
      mode: 'enhanced-streamed',
      baseline: 'baseline-enhanced-streamed',
    },
  ];
  const rows: string[] = [];
  const checks: string[] = [];
  let inputMb = 0;
  for (const c of cases) {
    const m = runChild(script, c.mode, total, runs);
    // A streamed case never holds all pages; its JSON size is the in-memory case's.
    if (m.inputMb > 0) inputMb = m.inputMb;
    const b = c.baseline ? runChild(script, c.baseline, total, runs) : undefined;
    const ok = m.cpuMs < 500 && m.maxRssMb < 256;
    rows.push(
      `| ${c.label} | ${m.findings} / ${m.pages} | ${(m.inputMb || inputMb).toFixed(1)} | ${m.cpuMs.toFixed(1)} (${m.cpuMinMs.toFixed(1)}-${m.cpuMaxMs.toFixed(1)}) | ${b ? b.cpuMs.toFixed(1) : '-'} | ${b ? (m.cpuMs / b.cpuMs).toFixed(1) : '-'} | ${m.retainedMb.toFixed(1)} | ${m.idleRssMb.toFixed(0)} | ${m.maxRssMb.toFixed(0)} | < 500 ms, < 256 MB: ${ok ? 'met' : '**missed**'} |`,
    );
    checks.push(`${c.mode}: ${m.check}`);
  }
  rmSync(dir, { recursive: true, force: true });
  return [
    '## Scan gate',
    '',
    `Reading and judging ${total.toLocaleString('en-US')} findings over pages of 1,000 on this machine (${cpus().length} cores, Node ${process.version}): page validation, normalization, counts, exceptions (50), \`onlyFixable\` and \`maxCounts\`. Median of ${runs} runs after a warm-up with the range, CPU time (user + system). The baseline loops over the same pages and only counts severities. In the streamed row both the gate and its baseline build each page as they read it (as the paginator hands pages over), so their CPU includes building the pages. "Retained" is the heap the collected scan and verdict hold after GC beside the pages (what a Lambda keeps while it answers every waiting deploy); "RSS before" has the pages in memory (streamed: none yet); peak RSS is the process's. Each row is a child process running this file bundled by esbuild.`,
    '',
    '| case | findings / pages | JSON MB | gate CPU ms (median, range) | baseline CPU ms | ratio | retained MB | RSS before (MB) | peak RSS (MB) | target |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...checks.map((c) => `- ${c}`),
    '',
    'Reproduce: `npx tsx test/bench/scan.bench.ts`.',
    '',
  ].join('\n');
}

if (require.main === module) {
  const [flag, mode, total, runs] = process.argv.slice(2);
  if (flag === '--worker' && mode !== undefined) {
    measure(mode as Mode, Number(total), Number(runs)).then((m) => process.stdout.write(`${JSON.stringify(m)}\n`));
  } else {
    run().then((section) => process.stdout.write(section));
  }
}
