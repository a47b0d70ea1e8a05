import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicFinding, FIXTURES, page, paginate } from './scan-builders';

const REPO_ROOT = join(__dirname, '..', '..');

function deployctl(...args: string[]) {
  const run = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'deployctl.js'), 'scan-check', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const BASIC = join(FIXTURES, 'describe-basic.cli-example.json');
const ENHANCED = join(FIXTURES, 'describe-enhanced.api-example.json');

describe('deployctl scan-check', () => {
  let dir: string;
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'scan-check-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exit 0 on a passing scan, with a table of counts and limits', () => {
    const out = deployctl(BASIC);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/status COMPLETE, 1 findings counted/);
    expect(out.stdout).toMatch(/MEDIUM\s+1\s+-/);
    expect(out.stdout).toMatch(/HIGH\s+0\s+0/);
    expect(out.stdout).toMatch(/^PASS$/m);
  });

  it('--json prints exactly passed, status, counts, blocking, excepted, expiredExceptions; exit 1 when blocked', () => {
    const out = deployctl(ENHANCED, '--json');
    expect(out.code).toBe(1);
    const json = JSON.parse(out.stdout);
    expect(Object.keys(json)).toEqual(['passed', 'status', 'counts', 'blocking', 'excepted', 'expiredExceptions']);
    expect(json).toEqual({
      passed: false,
      status: 'ACTIVE',
      counts: { CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNDEFINED: 0 },
      blocking: [{ id: 'CVE-2022-49043', severity: 'HIGH', package: 'libxml2' }],
      excepted: [],
      expiredExceptions: [],
    });
  });

  it('the human report names each blocking finding with its package and versions', () => {
    const out = deployctl(ENHANCED);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/BLOCKED: 1 gating findings over the limits \(HIGH\)/);
    expect(out.stdout).toMatch(/HIGH\s+CVE-2022-49043\s+libxml2 2\.9\.14\+dfsg-1\.3~deb12u1/);
  });

  it('--policy and --now: an exception applies through its expiry day, then is reported expired', () => {
    const policy = file('policy.json', {
      exceptions: [{ id: 'CVE-2022-49043', reason: 'libxml2 XInclude not used', expires: '2025-06-30' }],
    });
    const onDay = deployctl(ENHANCED, '--policy', policy, '--now', '2025-06-30T23:59:00Z', '--json');
    expect(onDay.code).toBe(0);
    expect(JSON.parse(onDay.stdout)).toMatchObject({ passed: true, excepted: ['CVE-2022-49043'], counts: { HIGH: 1 } });
    const after = deployctl(ENHANCED, '--policy', policy, '--now', '2025-07-01', '--json');
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toMatchObject({
      passed: false,
      excepted: [],
      expiredExceptions: ['CVE-2022-49043'],
    });
  });

  it('reads a JSON array of pages; a CRITICAL on the last page blocks', () => {
    const findings = [
      ...Array.from({ length: 2_500 }, (_, i) => basicFinding(`CVE-2024-${i}`, 'LOW')),
      basicFinding('CVE-2025-1', 'CRITICAL', 'glibc', '2.36-9'),
    ];
    const out = deployctl(
      file('pages.json', paginate(findings, 1_000, 'findings', { LOW: 2_500, CRITICAL: 1 })),
      '--json',
    );
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({
      counts: { LOW: 2_500, CRITICAL: 1 },
      blocking: [{ id: 'CVE-2025-1', severity: 'CRITICAL', package: 'glibc' }],
    });
  });

  it('a pending scan blocks (exit 1), a status left out of failOnStatus passes with a warning', () => {
    const pending = deployctl(join(FIXTURES, 'start-image-scan.cli-example.json'), '--json');
    expect(pending.code).toBe(1);
    expect(JSON.parse(pending.stdout)).toMatchObject({ passed: false, status: 'IN_PROGRESS' });
    const unsupported = file('unsupported.json', { imageScanStatus: { status: 'UNSUPPORTED_IMAGE' } });
    expect(deployctl(unsupported).code).toBe(1);
    const lenient = file('lenient.json', { failOnStatus: ['FAILED'] });
    const warned = deployctl(unsupported, '--policy', lenient, '--json');
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/warning: scan status UNSUPPORTED_IMAGE is not in failOnStatus/);
  });

  it.each([
    ['not JSON', () => ['{"imageScanStatus":'], /is not JSON/],
    ['no status', () => [{ imageScanFindings: { findings: [] } }], /no imageScanStatus\.status/],
    [
      'COMPLETE without findings',
      () => [{ imageScanStatus: { status: 'COMPLETE' } }],
      /status COMPLETE without an imageScanFindings object/,
    ],
    [
      'pages missing',
      () => [[page({ findings: [], nextToken: 'abc' })]],
      /incomplete: the last page \(1\) still has a nextToken/,
    ],
    ['an empty array', () => [[]], /no pages/],
    ['not an object', () => ['"COMPLETE"'], /page 1 is not a DescribeImageScanFindings response object/],
  ])('exit 2 and nothing on stdout for unreadable input: %s', (name, content, message) => {
    const [body] = content();
    const out = deployctl(file(`${name.replace(/\W/g, '-')}.json`, body), '--json');
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(message);
  });

  it.each([
    [() => ['no-such-file.json'], /findings file not found: no-such-file\.json/],
    [
      () => [BASIC, '--policy', file('bad-policy.json', { maxCounts: { HIGH: -1 }, onlyFixable: 'yes' })],
      /invalid scan policy .*\n {2}- maxCounts\.HIGH: must be 0 or more \(null = unlimited\)\n {2}- onlyFixable: Invalid input: expected boolean, received string/,
    ],
    [() => [BASIC, '--now', '30/06/2025'], /--now must be an ISO 8601 date or a date-time with a zone/],
    [() => [BASIC, '--now', '2025-02-30'], /--now must be an ISO 8601 date or a date-time with a zone/],
    [() => [], /missing required argument 'findings'/],
  ])('exit 2 with a clear message for bad arguments %#', (args, message) => {
    const out = deployctl(...args());
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(message);
  });
});
