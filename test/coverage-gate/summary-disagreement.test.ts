import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { CoverageFormat } from '../../lambdas/coverage-gate/coverage-types';
import { CoverageBelowThreshold, CoverageReportInvalid } from '../../lambdas/coverage-gate/errors';
import { evaluatePolicy } from '../../lambdas/coverage-gate/evaluate-policy';
import type { GateEvent } from '../../lambdas/coverage-gate/gate-event';
import { parseReport } from '../../lambdas/coverage-gate/parse-report';
import { type GateDeps, runGate } from '../../lambdas/coverage-gate/run-gate';
import { describeFinding } from '../../lambdas/coverage-gate/summary-check';
import { CONFORMANCE_DIR, REPO_ROOT } from './conformance-paths';

const REGRESSIONS = join(REPO_ROOT, 'test', 'fixtures', 'regressions');
const RECORD = join(REGRESSIONS, 'lcov_coveragepy6_faqt_utils_record.lcov');
const WHOLE = join(REGRESSIONS, 'lcov_coveragepy6_faqt_whole.lcov');

const parseBytes = (bytes: Buffer, format?: CoverageFormat) =>
  parseReport(() => Readable.from([bytes]), format === undefined ? {} : { format });
const parseText = (text: string) => parseBytes(Buffer.from(text, 'utf8'));

function utf16(bytes: Buffer, order: 'LE' | 'BE'): Buffer {
  const le = Buffer.from(bytes.toString('utf8'), 'utf16le');
  return Buffer.concat([
    Buffer.from(order === 'LE' ? [0xff, 0xfe] : [0xfe, 0xff]),
    order === 'LE' ? le : Buffer.from(le).swap16(),
  ]);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error) => e,
  );
}

describe('coverage.py 6.x LCOV: the inflated LH is replaced by coverage.py’s own figure (issue 11)', () => {
  it('the regression record is what the manifest says: LF 73, LH 19, 75 DA lines of which 19 hit', () => {
    const text = readFileSync(RECORD, 'utf8');
    expect(text).toMatch(/^LF:73$/m);
    expect(text).toMatch(/^LH:19$/m);
    expect(text.match(/^DA:\d+,1,/gm)).toHaveLength(19);
    expect(text.match(/^DA:\d+,0,/gm)).toHaveLength(56);
  });

  it('reads 17 of 73 (23.29%, coverage.py’s total), says why, and fails a 25% threshold', async () => {
    const report = await parseReport(() => createReadStream(RECORD));
    expect(report.lines).toEqual({ covered: 17, valid: 73, pct: (17 * 100) / 73 });
    expect(report.findings).toEqual([
      {
        file: 'faqt/utils.py',
        measure: 'lines',
        summaryField: 'LH/LF',
        summary: { covered: 19, valid: 73 },
        detailField: 'DA lines',
        detail: { covered: 19, valid: 75 },
        used: 'derived',
        figure: { covered: 17, valid: 73 },
        reason: expect.stringContaining('coverage.py 6.x'),
      },
    ]);
    const verdict = evaluatePolicy(
      { lines: report.lines, branches: null, newCode: null, baseline: null },
      { minLinePct: 25 },
    );
    expect(verdict.passed).toBe(false);
  });

  it('the gate’s failure message names the file, both figures and the one used', async () => {
    const bytes = readFileSync(RECORD);
    const deps: GateDeps = {
      openObject: async (_bucket, key) => (key.endsWith('/report') ? Readable.from([bytes]) : undefined),
      log: { info: () => undefined, warn: () => undefined },
    };
    const event: GateEvent = {
      bucket: 'b',
      reportKey: 'runs/x/coverage/report',
      diffKey: null,
      baselineKey: 'baselines/s/e/coverage.json',
      service: 's',
      environment: 'e',
      commit: 'a'.repeat(40),
      policy: { minLinePct: 25 },
    };
    const err = await rejection(runGate(event, deps));
    expect(err).toBeInstanceOf(CoverageBelowThreshold);
    expect(err.message).toContain('line coverage 23.28% (17/73 lines) < required 25.00%');
    expect(err.message).toContain(
      'faqt/utils.py: lines LH/LF 19/73 disagrees with its DA lines 19/75; used 17/73 (derived: coverage.py 6.x',
    );
    // Passing at a lower threshold, the summary still carries the finding for notifications.
    const passed = await runGate({ ...event, policy: { minLinePct: 20 } }, deps);
    expect(passed.findingsTotal).toBe(1);
    expect(passed.findings[0]).toMatchObject({ file: 'faqt/utils.py', used: 'derived' });
  });

  it('the whole faqt report is read, not refused, at coverage.py’s 331 of 410 (LH/LF sum 341/410, genhtml 341/420)', async () => {
    const report = await parseReport(() => createReadStream(WHOLE));
    expect(report.lines).toEqual({ covered: 331, valid: 410, pct: (331 * 100) / 410 });
    const keyword = report.findings.find((f) => f.file === 'faqt/model/keyword_rule_matching_model.py');
    // "covered 20 exceeds total 19" used to refuse the whole report.
    expect(keyword).toMatchObject({ summary: { covered: 20, valid: 19 }, figure: { covered: 19, valid: 19 } });
    expect(report.findings.map((f) => f.file)).toHaveLength(7);
    expect(report.findings.every((f) => f.used === 'derived')).toBe(true);
  });
});

describe('summaries that disagree with their detail in other ways', () => {
  it('llvm-cov style (LF/LH 1 of 4, DA lines 1 of 8, no checksums): the summary is used and reported', async () => {
    const das = Array.from({ length: 8 }, (_, i) => `DA:${i + 1},${i === 0 ? 3 : 0}`);
    const report = await parseText(['SF:src/a.c', ...das, 'LF:4', 'LH:1', 'end_of_record', ''].join('\n'));
    expect(report.lines).toEqual({ covered: 1, valid: 4, pct: 25 });
    expect(report.findings).toEqual([
      expect.objectContaining({ file: 'src/a.c', summary: { covered: 1, valid: 4 }, detail: { covered: 1, valid: 8 } }),
    ]);
    expect(report.findings[0]?.used).toBe('summary');
  });

  it('checksummed DA lines with real counts (geninfo --checksum) are not taken for coverage.py 6.x', async () => {
    const sum = 'AAAAAAAAAAAAAAAAAAAAAA';
    const report = await parseText(
      ['SF:a.c', `DA:1,5,${sum}`, `DA:2,0,${sum}`, `DA:3,1,${sum}`, 'LF:2', 'LH:2', 'end_of_record', ''].join('\n'),
    );
    expect(report.lines).toMatchObject({ covered: 2, valid: 2 });
    expect(report.findings[0]?.used).toBe('summary');
  });

  it('a summary that agrees with its DA entries (coverlet repeats lines per method) is no finding', async () => {
    const report = await parseText(
      ['SF:a.cs', 'DA:1,1', 'DA:1,0', 'DA:2,0', 'LF:3', 'LH:1', 'end_of_record', ''].join('\n'),
    );
    expect(report.lines).toMatchObject({ covered: 1, valid: 3 });
    expect(report.findings).toEqual([]);
  });

  it('an impossible BRH above BRF gives way to the BRDA lines, reported', async () => {
    const report = await parseText(
      ['SF:a.ts', 'DA:1,1', 'LF:1', 'LH:1', 'BRDA:1,0,0,1', 'BRDA:1,0,1,-', 'BRF:2', 'BRH:3', 'end_of_record', ''].join(
        '\n',
      ),
    );
    expect(report.branches).toMatchObject({ covered: 1, valid: 2 });
    expect(report.findings).toEqual([expect.objectContaining({ measure: 'branches', used: 'detail' })]);
  });

  it('an impossible LH above LF without the coverage.py signature gives way to the distinct DA lines', async () => {
    const report = await parseText(['SF:a.ts', 'DA:1,2', 'DA:2,0', 'LF:2', 'LH:5', 'end_of_record', ''].join('\n'));
    expect(report.lines).toMatchObject({ covered: 1, valid: 2 });
    expect(report.findings[0]).toMatchObject({ used: 'detail', figure: { covered: 1, valid: 2 } });
    await expect(parseText('SF:a.ts\nLF:2\nLH:5\nend_of_record\n')).rejects.toThrow(/covered 5 exceeds total 2/);
  });

  it.each([
    [
      'Clover project metrics',
      `<coverage clover="4"><project><metrics statements="2" coveredstatements="9" conditionals="0" coveredconditionals="0"/>
        <file path="a.java"><line num="1" type="stmt" count="1"/><line num="2" type="stmt" count="0"/></file></project></coverage>`,
    ],
    [
      'JaCoCo report counter',
      `<report name="r"><package name="p"><sourcefile name="A.java"><line nr="1" mi="0" ci="2"/><line nr="2" mi="3" ci="0"/></sourcefile></package>
        <counter type="LINE" missed="0" covered="2"/></report>`,
    ],
  ])('%s that disagree with their lines are judged by the same rule', async (_label, xml) => {
    const report = await parseText(xml);
    expect(report.lines).toMatchObject({ covered: report.format === 'clover' ? 1 : 2, valid: 2 });
    expect(report.findings).toHaveLength(1);
    expect(describeFinding(report.findings[0] as NonNullable<(typeof report.findings)[0]>)).toMatch(
      /^\(report\): lines /,
    );
  });
});

describe('reports in UTF-16 and reports that are not text (issue 11, item 6)', () => {
  it.each(['LE', 'BE'] as const)(
    'a UTF-16%s LCOV (with byte-order mark) gives the same figures as UTF-8',
    async (order) => {
      const bytes = readFileSync(RECORD);
      const report = await parseBytes(utf16(bytes, order));
      expect(report.format).toBe('lcov');
      expect(report.lines).toEqual((await parseBytes(bytes)).lines);
    },
  );

  it('a UTF-16LE Cobertura report matches its tool’s totals', async () => {
    const bytes = readFileSync(join(CONFORMANCE_DIR, 'cobertura_cobertura2.1.1_reportgenerator.xml'));
    const report = await parseBytes(utf16(bytes, 'LE'));
    expect(report.lines).toMatchObject({ covered: 24, valid: 36 });
    expect(report.branches).toMatchObject({ covered: 1, valid: 4 });
  });

  it('UTF-16 without a byte-order mark is refused naming the encoding, not "not a recognised coverage report"', async () => {
    const err = await rejection(parseBytes(Buffer.from(readFileSync(RECORD, 'utf8'), 'utf16le')));
    expect(err).toBeInstanceOf(CoverageReportInvalid);
    expect(err.message).toMatch(/looks like UTF-16LE without a byte-order mark/);
  });

  it('invalid UTF-8 (a Latin-1 path) is refused with its byte offset, never with U+FFFD', async () => {
    const bytes = Buffer.from('TN:\nSF:src/caf\xe9.ts\nDA:1,1\nLF:1\nLH:1\nend_of_record\n', 'latin1');
    const err = await rejection(parseBytes(bytes));
    expect(err).toBeInstanceOf(CoverageReportInvalid);
    expect(err.message).toBe(
      'coverage report: the file is not valid UTF-8: the sequence at byte offset 14 (bytes 0xE9 0x2E 0x74 0x73) is not a UTF-8 character; save it as UTF-8',
    );
    expect(err.message).not.toContain('\ufffd');
  });
});

describe('the gate’s other inputs go through the same decoding step', () => {
  it('a changed-lines diff that is not UTF-8 fails naming the object, the encoding and the offset', async () => {
    const diff = Buffer.from('+++ b/src/caf\xe9.ts\n@@ -0,0 +1 @@\n', 'latin1');
    const deps: GateDeps = {
      openObject: async (_bucket, key) =>
        key.endsWith('.diff')
          ? Readable.from([diff])
          : key.endsWith('/report')
            ? Readable.from([readFileSync(RECORD)])
            : undefined,
      log: { info: () => undefined, warn: () => undefined },
    };
    const err = await rejection(
      runGate(
        {
          bucket: 'b',
          reportKey: 'runs/x/coverage/report',
          diffKey: 'runs/x/coverage/changed-lines.diff',
          baselineKey: 'baselines/s/e/coverage.json',
          service: 's',
          environment: 'e',
          commit: 'a'.repeat(40),
          policy: { minLinePct: 0 },
        },
        deps,
      ),
    );
    expect(err).toBeInstanceOf(CoverageReportInvalid);
    expect(err.message).toMatch(
      /^changed-lines diff s3:\/\/b\/runs\/x\/coverage\/changed-lines\.diff is not valid UTF-8: the sequence at byte offset 13 /,
    );
  });
});

describe('deployctl coverage shows the disagreement', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'deployctl.js'), 'coverage', ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });

  it('fails the regression record at --threshold 25 and prints both figures and the one used', () => {
    const out = run(RECORD, '--threshold', '25');
    expect(out.status).toBe(1);
    expect(out.stdout).toMatch(/lines\s+23\.28%\s+17\/73/);
    expect(out.stdout).toContain('faqt/utils.py: lines LH/LF 19/73 disagrees with its DA lines 19/75; used 17/73');
    const json = JSON.parse(run(RECORD, '--threshold', '25', '--json').stdout);
    expect(json.findings).toEqual([expect.objectContaining({ file: 'faqt/utils.py', used: 'derived' })]);
  });

  it('reads a UTF-16 file from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coverage-utf16-'));
    try {
      writeFileSync(join(dir, 'lcov.info'), utf16(readFileSync(RECORD), 'LE'));
      expect(run(join(dir, 'lcov.info'), '--threshold', '20').stdout).toMatch(/lines\s+23\.28%\s+17\/73/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
