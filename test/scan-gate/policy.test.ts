import { collectScan } from '../../lambdas/shared/scan/collect-scan';
import { ScanResponseUnreadable } from '../../lambdas/shared/scan/errors';
import { judgeScan } from '../../lambdas/shared/scan/judge-scan';
import { type ScanPolicyInput, type ScanVerdict, scanPolicySchema } from '../../lib/contracts/scan-policy';
import { formatIssues } from '../../lib/contracts/validation-issues';
import { basicFinding, enhancedFinding, fixture, type PageOptions, page, paginate, statusOnly } from './scan-builders';

const NOW = new Date('2025-06-30T12:00:00Z');

function judge(pages: unknown[], policy: ScanPolicyInput = {}, now = NOW): ScanVerdict {
  return judgeScan(collectScan(pages), scanPolicySchema.parse(policy), now);
}
const one = (options: PageOptions, policy: ScanPolicyInput = {}, now = NOW) => judge([page(options)], policy, now);

describe('thresholds', () => {
  it('defaults: CRITICAL 0 and HIGH 0 block, the other severities are unlimited', () => {
    const findings = [
      basicFinding('CVE-1', 'MEDIUM'),
      basicFinding('CVE-2', 'LOW'),
      basicFinding('CVE-3', 'INFORMATIONAL'),
      basicFinding('CVE-4', 'UNDEFINED'),
    ];
    const passed = one({ findings });
    expect(passed.passed).toBe(true);
    expect(passed.outcome).toBe('passed');
    expect(passed.counts).toEqual({ CRITICAL: 0, HIGH: 0, MEDIUM: 1, LOW: 1, INFORMATIONAL: 1, UNDEFINED: 1 });
    expect(passed.limits).toEqual({
      CRITICAL: 0,
      HIGH: 0,
      MEDIUM: null,
      LOW: null,
      INFORMATIONAL: null,
      UNDEFINED: null,
    });

    const blocked = one({ findings: [...findings, basicFinding('CVE-5', 'HIGH')] });
    expect(blocked).toMatchObject({ passed: false, outcome: 'blocked-findings', failedSeverities: ['HIGH'] });
    expect(blocked.blocking.map((f) => f.id)).toEqual(['CVE-5']);
  });

  it('all six count keys appear even with no findings at all', () => {
    const verdict = one({ findings: [] });
    expect(Object.keys(verdict.counts)).toEqual(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED']);
    expect(verdict.passed).toBe(true);
  });

  it('maxCounts merges with the defaults; at the maximum passes, one over fails', () => {
    const findings = [basicFinding('CVE-1', 'MEDIUM'), basicFinding('CVE-2', 'MEDIUM'), basicFinding('CVE-3', 'HIGH')];
    expect(one({ findings }, { maxCounts: { MEDIUM: 2, HIGH: 1 } }).passed).toBe(true);
    const over = one({ findings }, { maxCounts: { MEDIUM: 1 } });
    // HIGH keeps its default 0 although only MEDIUM was given.
    expect(over.failedSeverities).toEqual(['HIGH', 'MEDIUM']);
    expect(over.limits).toMatchObject({ CRITICAL: 0, HIGH: 0, MEDIUM: 1 });
  });

  it('null lifts a default limit; the result lists every gating finding of each failed severity', () => {
    const findings = [
      basicFinding('CVE-9', 'CRITICAL'),
      basicFinding('CVE-3', 'HIGH'),
      basicFinding('CVE-1', 'HIGH'),
      basicFinding('CVE-2', 'LOW'),
    ];
    expect(one({ findings }, { maxCounts: { CRITICAL: null, HIGH: null } }).passed).toBe(true);
    const verdict = one({ findings });
    expect(verdict.blocking.map((f) => [f.severity, f.id])).toEqual([
      ['CRITICAL', 'CVE-9'],
      ['HIGH', 'CVE-1'],
      ['HIGH', 'CVE-3'],
    ]);
  });
});

describe('severities', () => {
  it("Inspector's UNTRIAGED, lower case, missing and unknown severities", () => {
    const verdict = one({
      enhancedFindings: [
        enhancedFinding('CVE-1', 'UNTRIAGED'),
        enhancedFinding('CVE-2', 'SEVERE'),
        { ...enhancedFinding('CVE-3', 'LOW'), severity: undefined },
        enhancedFinding('CVE-4', 'high'),
      ],
    });
    expect(verdict.counts).toEqual({ CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNDEFINED: 3 });
  });
});

describe('onlyFixable', () => {
  const enhancedFindings = [
    enhancedFinding('CVE-NO', 'CRITICAL', { fixAvailable: 'NO' }),
    enhancedFinding('CVE-PARTIAL', 'CRITICAL', { fixAvailable: 'PARTIAL' }),
    enhancedFinding('CVE-MISSING', 'CRITICAL', { fixAvailable: null }),
    enhancedFinding('CVE-YES', 'HIGH', { fixAvailable: 'YES' }),
  ];

  it('skips only enhanced findings whose fixAvailable is NO; counts stay whole', () => {
    const verdict = one({ enhancedFindings }, { onlyFixable: true });
    expect(verdict.counts.CRITICAL).toBe(3);
    expect(verdict.skippedNotFixable).toBe(1);
    expect(verdict.blocking.map((f) => f.id)).toEqual(['CVE-MISSING', 'CVE-PARTIAL', 'CVE-YES']);
  });

  it('passes when every gating finding has no fix', () => {
    const verdict = one({ enhancedFindings: [enhancedFindings[0]] }, { onlyFixable: true });
    expect(verdict).toMatchObject({ passed: true, counts: { CRITICAL: 1 } });
    expect(one({ enhancedFindings: [enhancedFindings[0]] }).passed).toBe(false);
  });

  it('never skips basic findings (they carry no fix information)', () => {
    const verdict = one({ findings: [basicFinding('CVE-B', 'CRITICAL')] }, { onlyFixable: true });
    expect(verdict.passed).toBe(false);
  });
});

describe('exceptions', () => {
  const findings = [basicFinding('CVE-2024-1', 'CRITICAL'), basicFinding('CVE-2024-10', 'HIGH')];
  const exception = (id: string, expires: string) => ({ id, reason: 'vendor fix pending, not reachable', expires });

  it('an active exception excuses its finding; counts are not reduced', () => {
    const verdict = one(
      { findings },
      { exceptions: [exception('CVE-2024-1', '2025-07-31'), exception('CVE-2024-10', '2025-12-31')] },
    );
    expect(verdict.passed).toBe(true);
    expect(verdict.counts).toMatchObject({ CRITICAL: 1, HIGH: 1 });
    expect(verdict.excepted).toEqual(['CVE-2024-1', 'CVE-2024-10']);
    expect(verdict.expiredExceptions).toEqual([]);
  });

  it('matches the id exactly: CVE-2024-1 does not excuse CVE-2024-10', () => {
    const verdict = one({ findings }, { exceptions: [exception('CVE-2024-1', '2025-07-31')] });
    expect(verdict.blocking.map((f) => f.id)).toEqual(['CVE-2024-10']);
    expect(verdict.excepted).toEqual(['CVE-2024-1']);
  });

  it('applies through its expires day (UTC), judged on the UTC date of now', () => {
    const policy = { exceptions: [exception('CVE-2024-1', '2025-06-30'), exception('CVE-2024-10', '2025-06-30')] };
    expect(one({ findings }, policy, new Date('2025-06-30T00:00:00Z')).passed).toBe(true);
    expect(one({ findings }, policy, new Date('2025-06-30T23:59:59.999Z')).passed).toBe(true);
    // 01:00 on 1 July in UTC+02:00 is still 30 June in UTC: the exception applies.
    expect(one({ findings }, policy, new Date('2025-07-01T01:00:00+02:00')).passed).toBe(true);
    const next = one({ findings }, policy, new Date('2025-07-01T00:00:00Z'));
    expect(next.passed).toBe(false);
    expect(next.expiredExceptions).toEqual(['CVE-2024-1', 'CVE-2024-10']);
    expect(next.excepted).toEqual([]);
  });

  it('reports every expired entry, matched or not; an expired entry no longer applies', () => {
    const verdict = one(
      { findings: [basicFinding('CVE-2024-1', 'CRITICAL')] },
      {
        exceptions: [
          exception('CVE-2024-1', '2025-06-29'),
          exception('CVE-1999-0001', '2020-01-01'),
          exception('CVE-2030-5', '2026-01-01'),
        ],
      },
    );
    expect(verdict.passed).toBe(false);
    expect(verdict.expiredExceptions).toEqual(['CVE-1999-0001', 'CVE-2024-1']);
    expect(verdict.blocking.map((f) => f.id)).toEqual(['CVE-2024-1']);
  });

  it('expired exceptions are reported even when the scan status is not evaluated', () => {
    const verdict = judge([statusOnly('IN_PROGRESS')], { exceptions: [exception('CVE-1', '2020-01-01')] });
    expect(verdict.expiredExceptions).toEqual(['CVE-1']);
  });
});

describe('a CVE in two packages', () => {
  it('basic: two findings (one per CVE and package), both counted and both excused by one exception', () => {
    const findings = [
      basicFinding('CVE-2023-44487', 'HIGH', 'nghttp2', '1.52.0-1'),
      basicFinding('CVE-2023-44487', 'HIGH', 'golang-1.19', '1.19.8-2'),
    ];
    const blocked = one({ findings });
    expect(blocked.counts.HIGH).toBe(2);
    expect(blocked.blocking.map((f) => f.packages[0]?.name)).toEqual(['nghttp2', 'golang-1.19']);
    const excused = one(
      { findings },
      { exceptions: [{ id: 'CVE-2023-44487', reason: 'HTTP/2 not exposed', expires: '2025-12-31' }] },
    );
    expect(excused).toMatchObject({ passed: true, excepted: ['CVE-2023-44487'], counts: { HIGH: 2 } });
  });

  it('enhanced: one finding naming both packages, counted once', () => {
    const verdict = one({
      enhancedFindings: [
        enhancedFinding('CVE-2023-44487', 'HIGH', {
          packages: [
            { name: 'nghttp2', version: '1.52.0', release: '1', fixedInVersion: '1.52.0-1+deb12u1' },
            { name: 'golang-1.19', version: '1.19.8', release: '2' },
          ],
        }),
      ],
    });
    expect(verdict.counts.HIGH).toBe(1);
    expect(verdict.blocking).toHaveLength(1);
    expect(verdict.blocking[0]?.packages).toEqual([
      { name: 'nghttp2', installedVersion: '1.52.0-1', fixedVersion: '1.52.0-1+deb12u1' },
      { name: 'golang-1.19', installedVersion: '1.19.8-2' },
    ]);
  });
});

describe('suppressed and closed enhanced findings', () => {
  it('only ACTIVE findings count', () => {
    const verdict = one({
      enhancedFindings: [
        enhancedFinding('CVE-S', 'CRITICAL', { status: 'SUPPRESSED' }),
        enhancedFinding('CVE-C', 'CRITICAL', { status: 'CLOSED' }),
        enhancedFinding('CVE-A', 'MEDIUM', { status: 'ACTIVE' }),
      ],
    });
    expect(verdict).toMatchObject({ passed: true, inactive: 2, counts: { CRITICAL: 0, MEDIUM: 1 } });
  });
});

describe('scan statuses', () => {
  it.each(['COMPLETE', 'ACTIVE'])('%s is evaluated', (status) => {
    expect(one({ status, findings: [basicFinding('CVE-1', 'CRITICAL')] }).outcome).toBe('blocked-findings');
    expect(one({ status, findings: [] }).outcome).toBe('passed');
  });

  it.each(['IN_PROGRESS', 'PENDING'])('%s never passes, whatever failOnStatus says', (status) => {
    const verdict = judge([statusOnly(status)], { failOnStatus: ['FAILED'] });
    expect(verdict).toMatchObject({ passed: false, outcome: 'pending', status });
  });

  it.each([
    'FAILED',
    'UNSUPPORTED_IMAGE',
    'SCAN_ELIGIBILITY_EXPIRED',
    'FINDINGS_UNAVAILABLE',
    'LIMIT_EXCEEDED',
    'IMAGE_ARCHIVED',
    'A_STATUS_AWS_ADDS_LATER',
  ])('%s blocks by default', (status) => {
    const verdict = judge([statusOnly(status, 'scan description')]);
    expect(verdict).toMatchObject({ passed: false, outcome: 'blocked-status', status });
  });

  it('with failOnStatus set, only the listed statuses block; the others pass with a warning', () => {
    const policy = { failOnStatus: ['FAILED'] };
    expect(judge([statusOnly('FAILED')], policy).outcome).toBe('blocked-status');
    const warned = judge([statusOnly('UNSUPPORTED_IMAGE', 'The operating system is not supported.')], policy);
    expect(warned).toMatchObject({ passed: true, outcome: 'passed' });
    expect(warned.warnings.join('\n')).toMatch(
      /UNSUPPORTED_IMAGE \(The operating system is not supported\.\) is not in failOnStatus/,
    );
    expect(judge([statusOnly('A_STATUS_AWS_ADDS_LATER')], policy).passed).toBe(true);
  });

  it('an explicitly empty failOnStatus lets every unusable status through with a warning', () => {
    expect(judge([statusOnly('FAILED')], { failOnStatus: [] }).passed).toBe(true);
  });
});

describe('reported counts against the listed findings', () => {
  it('the list decides; a disagreement is reported', () => {
    const verdict = one({ findings: [basicFinding('CVE-1', 'HIGH')], counts: { MEDIUM: 4 } });
    expect(verdict.passed).toBe(false);
    expect(verdict.warnings).toEqual([
      'findingSeverityCounts reports MEDIUM 4 but the listed findings give HIGH 1; the listed findings decide',
    ]);
    const lower = one({ findings: [], counts: { CRITICAL: 5 } });
    expect(lower.passed).toBe(true);
    expect(lower.warnings[0]).toMatch(/reports CRITICAL 5 but the listed findings give none/);
  });

  it('no warning when the counts agree (UNTRIAGED read as UNDEFINED)', () => {
    const verdict = one({
      enhancedFindings: [enhancedFinding('CVE-1', 'UNTRIAGED'), enhancedFinding('CVE-2', 'MEDIUM')],
      counts: { MEDIUM: 1, UNTRIAGED: 1 },
    });
    expect(verdict.warnings).toEqual([]);
  });
});

describe('pages', () => {
  const many = (n: number, severity = 'LOW') =>
    Array.from({ length: n }, (_, i) => basicFinding(`CVE-2024-${10000 + i}`, severity, `pkg-${i % 50}`));

  it('reads thousands of findings over many pages; a CRITICAL on the last page blocks', () => {
    const findings = [...many(4_999), basicFinding('CVE-2025-0001', 'CRITICAL', 'glibc')];
    const counts = { LOW: 4_999, CRITICAL: 1 };
    const pages = paginate(findings, 1_000, 'findings', counts);
    expect(pages).toHaveLength(5);
    const verdict = judge(pages);
    expect(verdict.counts).toMatchObject({ LOW: 4_999, CRITICAL: 1 });
    expect(verdict.blocking.map((f) => f.id)).toEqual(['CVE-2025-0001']);
    // Each page repeats the image's totals: never summed, so no disagreement is reported.
    expect(verdict.warnings).toEqual([]);
  });

  it('pages reporting different totals are noted', () => {
    const pages = paginate(many(3), 2, 'findings', { LOW: 3 });
    (pages[1] as any).imageScanFindings.findingSeverityCounts = { LOW: 4 };
    expect(judge(pages).warnings).toEqual([
      'pages report different findingSeverityCounts: the first page was compared with the listed findings',
    ]);
  });

  it('a set whose last page still has a nextToken is incomplete', () => {
    const pages = paginate(many(3), 1, 'findings').slice(0, 2);
    expect(() => judge(pages)).toThrow(ScanResponseUnreadable);
    expect(() => judge(pages)).toThrow(/incomplete: the last page \(2\) still has a nextToken/);
  });

  it("the AWS CLI's NextToken (truncated by --max-items) is incomplete too", () => {
    expect(() => judge([{ ...page({ findings: many(1) }), NextToken: 'eyJuZXh0VG9rZW4iOiAiYWJjIn0=' }])).toThrow(
      /incomplete/,
    );
  });

  it('pages of different reads (statuses disagree) are refused', () => {
    expect(() => judge([page({ findings: [], nextToken: 'x' }), page({ status: 'IN_PROGRESS' })])).toThrow(
      /page 2 reports status IN_PROGRESS but an earlier page reports COMPLETE/,
    );
  });

  it('refuses responses without a status or without findings for an evaluated status', () => {
    expect(() => judge([{ imageScanFindings: { findings: [] } }])).toThrow(/no imageScanStatus\.status/);
    expect(() => judge([statusOnly('COMPLETE')])).toThrow(/status COMPLETE without an imageScanFindings object/);
    expect(() => judge([])).toThrow(/no pages/);
    expect(() => judge([[]])).toThrow(/page 1 is not a DescribeImageScanFindings response object/);
    expect(() => judge([{ imageScanStatus: { status: 7 } }])).toThrow(/page 1: imageScanStatus\.status:/);
  });
});

describe("AWS's documented responses", () => {
  it('basic (AWS CLI example): one MEDIUM finding in e2fsprogs passes the default policy', () => {
    const verdict = judge([fixture('describe-basic.cli-example.json')]);
    expect(verdict).toMatchObject({
      passed: true,
      status: 'COMPLETE',
      counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 1, LOW: 0, INFORMATIONAL: 0, UNDEFINED: 0 },
      warnings: [],
    });
    const strict = judge([fixture('describe-basic.cli-example.json')], { maxCounts: { MEDIUM: 0 } });
    expect(strict.blocking).toEqual([
      {
        id: 'CVE-2019-5188',
        severity: 'MEDIUM',
        packages: [{ name: 'e2fsprogs', installedVersion: '1.44.1-1ubuntu1.1' }],
      },
    ]);
  });

  it('enhanced (API Reference example): HIGH CVE-2022-49043 in libxml2 blocks; no fix, so onlyFixable passes it', () => {
    const verdict = judge([fixture('describe-enhanced.api-example.json')]);
    expect(verdict).toMatchObject({ passed: false, status: 'ACTIVE', counts: { HIGH: 1 }, warnings: [] });
    expect(verdict.blocking).toEqual([
      {
        id: 'CVE-2022-49043',
        severity: 'HIGH',
        fixAvailable: 'NO',
        packages: [{ name: 'libxml2', installedVersion: '2.9.14+dfsg-1.3~deb12u1' }],
      },
    ]);
    expect(judge([fixture('describe-enhanced.api-example.json')], { onlyFixable: true })).toMatchObject({
      passed: true,
      counts: { HIGH: 1 },
      skippedNotFixable: 1,
    });
  });

  it('a StartImageScan reply (IN_PROGRESS) never passes', () => {
    expect(judge([fixture('start-image-scan.cli-example.json')]).outcome).toBe('pending');
  });
});

describe('policy schema', () => {
  const problems = (input: unknown) => {
    // As the CLI and the Lambdas parse it: reportInput lets the formatter tell a wrong type from a missing field.
    const parsed = scanPolicySchema.safeParse(input, { reportInput: true });
    return parsed.success ? [] : formatIssues(parsed.error.issues);
  };

  it('an empty policy is the default', () => {
    expect(scanPolicySchema.parse({})).toEqual({ maxCounts: {}, onlyFixable: false, exceptions: [] });
  });

  it.each([
    [{ maxCounts: { HIGH: -1 } }, 'maxCounts.HIGH: must be 0 or more (null = unlimited)'],
    [{ maxCounts: { HIGH: 1.5 } }, 'maxCounts.HIGH: must be a whole number'],
    [{ maxCounts: { SEVERE: 1 } }, 'maxCounts: unknown field(s): SEVERE'],
    [{ exceptions: [{ id: 'CVE-1', expires: '2025-01-01' }] }, 'exceptions[0].reason: required'],
    [
      { exceptions: [{ id: 'CVE-1', reason: ' ', expires: '2025-01-01' }] },
      'exceptions[0].reason: required: say why the finding is accepted',
    ],
    [
      { exceptions: [{ id: 'CVE-1', reason: 'x', expires: '2025-02-30' }] },
      'exceptions[0].expires: is not a calendar date',
    ],
    [
      { exceptions: [{ id: 'CVE-1', reason: 'x', expires: '30/06/2025' }] },
      'exceptions[0].expires: must be a date YYYY-MM-DD (the last UTC day the exception applies)',
    ],
    [
      { failOnStatus: ['COMPLETE'] },
      'failOnStatus[0]: is evaluated or waited for, never a failure status (COMPLETE, ACTIVE, IN_PROGRESS, PENDING)',
    ],
    [{ failOnStatus: ['failed'] }, 'failOnStatus[0]: must be an ECR scan status in capitals, e.g. FAILED'],
    [{ onlyFixable: 'yes' }, 'onlyFixable: Invalid input: expected boolean, received string'],
    [{ maxCount: {} }, '(root): unknown field(s): maxCount'],
  ])('%j -> %s', (input, message) => {
    expect(problems(input)).toEqual([message]);
  });
});
