import { Readable } from 'node:stream';
import type { CoverageReport } from '../../lambdas/coverage-gate/coverage-types';
import { CoverageReportInvalid } from '../../lambdas/coverage-gate/errors';
import { pathMatcher } from '../../lambdas/coverage-gate/match-paths';
import { normalizePath } from '../../lambdas/coverage-gate/normalize-path';
import { countOf, parseCount } from '../../lambdas/coverage-gate/parse-count';
import { parseReport } from '../../lambdas/coverage-gate/parse-report';
import { forEachLine } from '../../lambdas/coverage-gate/read-lines';

/** The same bytes cut into pieces of `size` bytes (cutting through CRLF, BOM and multi-byte characters). */
function pieces(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** Parses with every file's line map kept and returns plain data to compare. */
async function parsed(chunks: Buffer[], format?: 'lcov' | 'cobertura' | 'go') {
  const report: CoverageReport = await parseReport(Readable.from(chunks), { keepLines: () => true, format });
  return {
    format: report.format,
    lines: report.lines,
    branches: report.branches,
    files: report.files.map((f) => ({ path: f.path, lines: f.lines, hits: [...(f.hits ?? new Map())].sort() })),
  };
}

// Every spelling the byte path reads in place next to ones that must take the text path; the figures
// below are worked out by hand from the LCOV rules in docs/coverage-gate.md.
const LCOV = [
  '\ufeffTN:suite',
  'SF:src/ünïcode/a.ts',
  'FN:1,(anonymous_0), with comma',
  'FNDA:3,(anonymous_0), with comma',
  'DA:1,3',
  'DA:2,0',
  'DA: 3 , 4 ', // spaces: text path, same meaning
  'DA:4,1.2E+07', // exponent count: text path
  'DA:5,0,checksum',
  'LF:5',
  'LH:4',
  'BRDA:1,0,0,2',
  'BRDA:1,0,1,-',
  'BRDA:2,0,0, 0', // space before the count: text path
  'BRF:3',
  'BRH:1',
  'end_of_record',
  'SF:./src\\b.ts',
  'DA:9,1',
  'DA:3,0',
  'DA:9,0', // out of order and repeated: distinct lines, highest count kept
  'BRDA:3,0,0,1',
  'BRDA:3,0,1,-',
  '  end_of_record  ',
  '',
].join('\r\n');

describe('byte-level LCOV reading gives the same report however the stream is cut', () => {
  const bytes = Buffer.from(LCOV, 'utf8');

  it('reads the mixed report with the figures worked out by hand', async () => {
    const whole = await parsed([bytes]);
    // Record 1 from LF/LH (4/5), record 2 from its distinct DA lines (line 9 covered, line 3 not): 5/7.
    expect(whole.lines).toEqual({ covered: 5, valid: 7, pct: (5 * 100) / 7 });
    // Record 1 from BRF/BRH (1/3), record 2 from BRDA (1 of 2 taken): 2/5.
    expect(whole.branches).toEqual({ covered: 2, valid: 5, pct: 40 });
    // A file's own figures are its distinct DA lines (3 of 5 ran), not the record's LF/LH.
    expect(whole.files).toEqual([
      {
        path: 'src/ünïcode/a.ts',
        lines: { covered: 3, valid: 5 },
        hits: [
          [1, 3],
          [2, 0],
          [3, 4],
          [4, 12_000_000],
          [5, 0],
        ],
      },
      {
        path: 'src/b.ts',
        lines: { covered: 1, valid: 2 },
        hits: [
          [3, 0],
          [9, 1],
        ],
      },
    ]);
  });

  it.each([1, 2, 3, 7, 64])('in %i-byte pieces', async (size) => {
    expect(await parsed(pieces(bytes, size))).toEqual(await parsed([bytes]));
  });

  it('a report passed as string chunks reads the same as bytes', async () => {
    const text = await parseReport(Readable.from([LCOV], { objectMode: true }), { keepLines: () => true });
    expect(text.lines).toEqual((await parsed([bytes])).lines);
  });

  it('per-file figures without line maps are the distinct lines of each record', async () => {
    const report = await parseReport(Readable.from(pieces(bytes, 5)));
    expect(report.files.map((f) => [f.path, f.lines.covered, f.lines.valid, f.hits])).toEqual([
      ['src/ünïcode/a.ts', 3, 5, undefined],
      ['src/b.ts', 1, 2, undefined],
    ]);
  });

  it.each([
    ['DA:x,1', /line 3 \(DA\): line number must be a non-negative integer, got "x"/],
    ['DA:1,-2', /line 3 \(DA\): hits must be a non-negative/],
    ['DA:1', /line 3 \(DA\): expected DA:<line>,<hits>/],
    ['BRDA:1,0,0', /line 3 \(BRDA\): expected BRDA/],
    ['BRDA:1,0,0,x', /line 3 \(BRDA\): taken must be/],
    ['LH:1.5', /line 3 \(LH\) must be a non-negative integer/],
    ['brda:1,0,0,1', /line 3 is not an LCOV record line/],
    ['DA:1234567890123456789012,1.5', /line 3 \(DA\): hits must be/],
  ])('refuses %s with its line number, cut or whole', async (bad, message) => {
    const report = Buffer.from(`TN:\nSF:a.ts\n${bad}\nend_of_record\n`);
    for (const chunks of [[report], pieces(report, 2)]) {
      const err = await parseReport(Readable.from(chunks)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CoverageReportInvalid);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('a DA line before any SF is refused', async () => {
    const err = await parseReport(Readable.from([Buffer.from('TN:\nDA:1,1\n')]), { format: 'lcov' }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/line 2 \(DA\) comes before any SF/);
  });

  it('a line that never ends is refused once it passes 1 MiB', async () => {
    const chunks = [Buffer.from('TN:\nSF:a.ts\nFN:1,'), ...pieces(Buffer.alloc(2 * 1024 * 1024, 0x61), 64 * 1024)];
    const err = await parseReport(Readable.from(chunks)).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/longer than 1 MiB/);
  });
});

describe('line reading for Go profiles', () => {
  it('splits LF and CRLF lines, drops a BOM cut across chunks and keeps a last line without a break', async () => {
    const lines: string[] = [];
    const bytes = Buffer.from('\ufeffmode: set\r\na.go:1.1,2.2 1 1\n\nb.go:1.1,2.2 1 0', 'utf8');
    await forEachLine(Readable.from(pieces(bytes, 2)), (line) => lines.push(line));
    expect(lines).toEqual(['mode: set', 'a.go:1.1,2.2 1 1', '', 'b.go:1.1,2.2 1 0']);
  });
});

describe('XML parsers read counts on the fast path and fall back for other spellings', () => {
  it('Cobertura counts with spaces and exponents read as before, cut into 3-byte pieces', async () => {
    const xml = Buffer.from(
      `<coverage line-rate="1"><packages><package name="p"><classes><class name="a" filename="a.ts"><lines>
        <line number="1" hits="2"/><line number=" 2" hits="1e3"/><line number="3" hits="0"/>
      </lines></class></classes></package></packages></coverage>`,
    );
    const report = await parsed(pieces(xml, 3), 'cobertura');
    expect(report.lines).toEqual({ covered: 2, valid: 3, pct: (2 * 100) / 3 });
    expect(report.files[0]?.hits).toEqual([
      [1, 2],
      [2, 1000],
      [3, 0],
    ]);
  });

  it('a bad Cobertura count still names the file and line', async () => {
    const xml = `<coverage line-rate="1"><packages><package name="p"><classes><class name="a" filename="a.ts"><lines>
        <line number="7" hits="-1"/></lines></class></classes></package></packages></coverage>`;
    const err = await parseReport(Readable.from([Buffer.from(xml)])).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/cobertura a\.ts line 7: hits must be a non-negative integer, got "-1"/);
  });
});

describe('count parsing', () => {
  it.each([
    ['0', 0],
    ['007', 7],
    ['123456789012345', 123456789012345],
    // Past 15 digits the general path reads it (as the nearest double).
    ['12345678901234567', 12345678901234568],
    [' 5 ', 5],
    ['1.2E+07', 12_000_000],
  ])('reads %j as %d', (raw, value) => {
    expect(parseCount(raw, 'n')).toBe(value);
    expect(countOf(raw, () => 'n')).toBe(value);
  });

  it.each(['', '-1', '1.5', 'x', 'NaN', 'Infinity', '1e400'])('refuses %j', (raw) => {
    expect(() => parseCount(raw, 'the field')).toThrow(/the field must be a non-negative integer/);
    expect(() => countOf(raw, () => 'the field')).toThrow(/the field must be a non-negative integer/);
  });

  it('builds the field description only when the value is not plain digits', () => {
    const what = jest.fn(() => 'field');
    expect(countOf('42', what)).toBe(42);
    expect(what).not.toHaveBeenCalled();
    expect(() => countOf('x', what)).toThrow(/field/);
    expect(what).toHaveBeenCalledTimes(1);
  });
});

describe('path spelling', () => {
  it.each([
    ['src/a.ts', 'src/a.ts'],
    ['/codebuild/output/src/a.ts', '/codebuild/output/src/a.ts'],
    [' ./src\\a.ts ', 'src/a.ts'],
    ['././src//a.ts', 'src/a.ts'],
    ['C:\\build\\src\\a.cs', 'C:/build/src/a.cs'],
    ['\u00a0src/a.ts\u00a0', 'src/a.ts'],
    ['src/ünï.ts', 'src/ünï.ts'],
    ['.hidden/a.ts', '.hidden/a.ts'],
  ])('%j is %j', (raw, normal) => {
    expect(normalizePath(raw)).toBe(normal);
  });

  it('report paths match changed paths exactly or on whole trailing segments only', () => {
    const match = pathMatcher(['app/src/a.ts', 'lib/b.ts']);
    expect(match('app/src/a.ts')).toBe('app/src/a.ts');
    expect(match('/codebuild/output/src/repo/app/src/a.ts')).toBe('app/src/a.ts');
    expect(match('src/a.ts')).toBe('app/src/a.ts');
    expect(match('a.ts')).toBe('app/src/a.ts');
    expect(match('/work/lib/b.ts')).toBe('lib/b.ts');
    expect(match('app/src/xa.ts')).toBeUndefined();
    expect(match('app/src/a.tsx')).toBeUndefined();
    expect(match('app/src')).toBeUndefined();
    expect(match('c.ts')).toBeUndefined();
  });
});
