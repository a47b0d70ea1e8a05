import { readFile, stat } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { collectScan } from '../../../lambdas/shared/scan/collect-scan';
import { ScanResponseUnreadable } from '../../../lambdas/shared/scan/errors';
import { judgeScan } from '../../../lambdas/shared/scan/judge-scan';
import {
  DEFAULT_SCAN_POLICY,
  type GatingFinding,
  type ScanPolicy,
  type ScanVerdict,
  SEVERITIES,
  scanPolicySchema,
} from '../../contracts/scan-policy';
import { formatIssues } from '../../contracts/validation-issues';

interface ScanCheckOptions {
  policy?: string;
  now?: Date;
  json?: boolean;
}

/** Saved responses larger than this are refused rather than read into memory. */
const MAX_INPUT_BYTES = 512 * 1024 * 1024;

const NOW = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function parseNow(value: string): Date {
  const date = new Date(/T/.test(value) ? value : `${value}T00:00:00Z`);
  if (!NOW.test(value) || Number.isNaN(date.getTime()) || !(/T/.test(value) || date.toISOString().startsWith(value))) {
    throw new InvalidArgumentError(
      `--now must be an ISO 8601 date or a date-time with a zone (2025-06-30 or 2025-06-30T12:00:00Z), got "${value}"`,
    );
  }
  return date;
}

async function readJson(path: string, what: string): Promise<unknown> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw new Error(`${what} not found: ${path}`);
  if (!info.isFile()) throw new Error(`${what} is not a file: ${path}`);
  if (info.size > MAX_INPUT_BYTES) throw new Error(`${what} ${path} is larger than ${MAX_INPUT_BYTES} bytes`);
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} ${path} is not JSON: ${(err as Error).message}`);
  }
}

async function loadPolicy(path: string | undefined): Promise<ScanPolicy> {
  if (path === undefined) return DEFAULT_SCAN_POLICY;
  const parsed = scanPolicySchema.safeParse(await readJson(path, 'policy file'), { reportInput: true });
  if (!parsed.success) {
    throw new Error(`invalid scan policy ${path}:\n  - ${formatIssues(parsed.error.issues, 20).join('\n  - ')}`);
  }
  return parsed.data;
}

const packageOf = (finding: GatingFinding) =>
  finding.packages.length === 0 ? null : finding.packages.map((p) => p.name).join(', ');

/** The `--json` document: exactly these keys, in this order. */
export function scanCheckJson(verdict: ScanVerdict) {
  return {
    passed: verdict.passed,
    status: verdict.status,
    counts: verdict.counts,
    blocking: verdict.blocking.map((f) => ({ id: f.id, severity: f.severity, package: packageOf(f) })),
    excepted: verdict.excepted,
    expiredExceptions: verdict.expiredExceptions,
  };
}

function versions(finding: GatingFinding): string {
  return finding.packages
    .map(
      (p) =>
        `${p.name}${p.installedVersion ? ` ${p.installedVersion}` : ''}${p.fixedVersion ? ` (fixed in ${p.fixedVersion})` : ''}`,
    )
    .join('; ');
}

function report(path: string, verdict: ScanVerdict): string[] {
  const total = SEVERITIES.reduce((n, s) => n + verdict.counts[s], 0);
  const inactive = verdict.inactive > 0 ? `, ${verdict.inactive} suppressed or closed not counted` : '';
  const lines = [`${path}: status ${verdict.status}, ${total} findings counted${inactive}`];
  lines.push(`  ${'severity'.padEnd(14)}${'count'.padStart(6)}${'limit'.padStart(10)}`);
  for (const s of SEVERITIES) {
    const limit = verdict.limits[s];
    const mark = verdict.failedSeverities.includes(s) ? '  over' : '';
    lines.push(
      `  ${s.padEnd(14)}${String(verdict.counts[s]).padStart(6)}${(limit === null ? '-' : String(limit)).padStart(10)}${mark}`,
    );
  }
  if (verdict.excepted.length > 0) lines.push(`excepted: ${verdict.excepted.join(', ')}`);
  if (verdict.expiredExceptions.length > 0)
    lines.push(`expired exceptions (no longer applied): ${verdict.expiredExceptions.join(', ')}`);
  if (verdict.skippedNotFixable > 0)
    lines.push(`skipped (no fix available, onlyFixable): ${verdict.skippedNotFixable}`);
  for (const warning of verdict.warnings) lines.push(`warning: ${warning}`);
  if (verdict.outcome === 'blocked-findings') {
    lines.push(
      `BLOCKED: ${verdict.blocking.length} gating findings over the limits (${verdict.failedSeverities.join(', ')}):`,
    );
    for (const f of verdict.blocking)
      lines.push(`  ${f.severity.padEnd(13)} ${f.id}  ${versions(f) || '(no package named)'}`);
  } else if (verdict.outcome === 'blocked-status') {
    lines.push(`BLOCKED: scan status ${verdict.status} is not usable (failOnStatus)`);
  } else if (verdict.outcome === 'pending') {
    lines.push(`BLOCKED: scan is ${verdict.status}; an image is never passed before its scan is complete`);
  } else {
    lines.push('PASS');
  }
  return lines;
}

/**
 * `deployctl scan-check <findings.json> [--policy policy.json] [--now ISO-DATE] [--json]`: the scan
 * gate's policy on a saved `DescribeImageScanFindings` response (`aws ecr describe-image-scan-findings`
 * output) or a JSON array of its pages. Exit 0 pass, 1 blocked (findings or status), 2 unreadable
 * input (not JSON, no status, COMPLETE/ACTIVE without findings, pages missing) or a bad policy;
 * an exit 2 prints nothing on stdout, so it never reports `passed: true`.
 */
export function register(program: Command): void {
  program
    .command('scan-check')
    .description('Judge a saved ECR image scan (describe-image-scan-findings output) against a scan policy')
    .argument('<findings>', 'DescribeImageScanFindings response as JSON, or a JSON array of its pages')
    .option(
      '--policy <file>',
      'scan policy JSON: { maxCounts, onlyFixable, exceptions, failOnStatus } (default: CRITICAL 0, HIGH 0)',
    )
    .option('--now <date>', 'judge exception expiry on this UTC date (ISO 8601; default: now)', parseNow)
    .option('--json', 'print { passed, status, counts, blocking, excepted, expiredExceptions } as JSON')
    .action(async (findingsPath: string, options: ScanCheckOptions) => {
      await scanCheck(findingsPath, options);
    });
}

async function scanCheck(findingsPath: string, options: ScanCheckOptions): Promise<void> {
  const policy = await loadPolicy(options.policy);
  const input = await readJson(findingsPath, 'findings file');
  let verdict: ScanVerdict;
  try {
    verdict = judgeScan(collectScan(Array.isArray(input) ? input : [input]), policy, options.now ?? new Date());
  } catch (err) {
    // bin/deployctl.ts prints the message and exits 2: an unreadable response is unusable input.
    if (err instanceof ScanResponseUnreadable) throw new Error(`${findingsPath}: ${err.message}`);
    throw err;
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(scanCheckJson(verdict), null, 2)}\n`);
    for (const warning of verdict.warnings) process.stderr.write(`warning: ${warning}\n`);
  } else {
    process.stdout.write(`${report(findingsPath, verdict).join('\n')}\n`);
  }
  if (!verdict.passed) process.exitCode = 1;
}
