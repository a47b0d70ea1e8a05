import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseReport } from '../../lambdas/coverage-gate/parse-report';
import { CONFORMANCE_DIR } from './conformance-paths';

interface ManifestEntry {
  file: string;
  format: string;
  bytes: number;
  sha256: string;
  oracle: {
    lines_covered: number;
    lines_valid: number;
    line_pct: number;
    branches_covered: number;
    branches_valid: number;
    branch_pct: number | null;
  };
}

/** Summaries of the corpus that disagree with their detail (from the manifest's notes). */
const FINDINGS: Record<string, string[]> = {
  'clover_reportgenerator-writer_reportgenerator.xml': [
    'lines 75/108 vs 54/75 used summary',
    'branches 4/8 vs 6/6 used summary',
  ],
  'cobertura_istanbul_grandlinex-core.xml': ['branches 541/790 vs 479/711 used summary'],
};

const manifest = JSON.parse(readFileSync(join(CONFORMANCE_DIR, 'MANIFEST.json'), 'utf8')) as ManifestEntry[];

describe('real reports parse to their tools own totals (test/fixtures/coverage)', () => {
  it('the corpus is there and covers every XML and line format it lists', () => {
    expect(new Set(manifest.map((m) => m.format))).toEqual(new Set(['cobertura', 'lcov', 'jacoco', 'clover']));
  });

  it('holds exactly the reports the manifest lists, byte for byte as upstream published them', () => {
    const reports = readdirSync(CONFORMANCE_DIR).filter((f) => /\.(xml|info)$/.test(f));
    expect(reports.sort()).toEqual(manifest.map((m) => m.file).sort());
    for (const entry of manifest) {
      const bytes = readFileSync(join(CONFORMANCE_DIR, entry.file));
      expect({
        file: entry.file,
        bytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      }).toEqual({ file: entry.file, bytes: entry.bytes, sha256: entry.sha256 });
    }
  });

  it.each(manifest.map((m) => [m.file, m] as const))('%s', async (_file, entry) => {
    const report = await parseReport(createReadStream(join(CONFORMANCE_DIR, entry.file)));
    const { oracle } = entry;
    expect(report.format).toBe(entry.format);
    expect(report.lines.covered).toBe(oracle.lines_covered);
    expect(report.lines.valid).toBe(oracle.lines_valid);
    expect(Math.abs(report.lines.pct - oracle.line_pct)).toBeLessThanOrEqual(0.01);
    if (oracle.branch_pct === null) {
      expect(report.branches).toBeNull();
    } else {
      expect(report.branches).not.toBeNull();
      expect(report.branches?.covered).toBe(oracle.branches_covered);
      expect(report.branches?.valid).toBe(oracle.branches_valid);
      expect(Math.abs((report.branches?.pct ?? -1) - oracle.branch_pct)).toBeLessThanOrEqual(0.01);
    }
    // The producer's summary is kept (the tools' own totals above) and every disagreement is reported:
    // exactly the two the manifest notes (ReportGenerator's Clover writer, istanbul's Cobertura branches).
    const expected = FINDINGS[entry.file] ?? [];
    expect(
      report.findings.map(
        (f) =>
          `${f.measure} ${f.summary.covered}/${f.summary.valid} vs ${f.detail.covered}/${f.detail.valid} used ${f.used}`,
      ),
    ).toEqual(expected);
  });

  it('merges the classes of one file (coverlet: GenericAsyncClass.cs in 11 classes) by path', async () => {
    const report = await parseReport(
      createReadStream(join(CONFORMANCE_DIR, 'cobertura_coverlet_reportgenerator.xml')),
      {
        keepLines: () => true,
      },
    );
    const generic = report.files.filter((f) => f.path.endsWith('GenericAsyncClass.cs'));
    expect(generic).toHaveLength(1);
    expect(new Set(report.files.map((f) => f.path)).size).toBe(report.files.length);
  });

  it('keeps the highest hits of a repeated DA line and keeps files that share a basename apart', async () => {
    const coverlet = await parseReport(createReadStream(join(CONFORMANCE_DIR, 'lcov_coverlet_reportgenerator.info')), {
      keepLines: () => true,
    });
    const testClass2 = coverlet.files.find((f) => f.path.endsWith('/TestClass2.cs'));
    // DA:47 is listed with hits 1, 1, 4, 5.
    expect(testClass2?.hits?.get(47)).toBe(5);
    const excludes = coverlet.files.find((f) => f.path.endsWith('/ClassWithExcludes.cs'));
    expect(excludes?.hits?.get(6)).toBe(1);
    const cpp = await parseReport(createReadStream(join(CONFORMANCE_DIR, 'lcov_cpp_reportgenerator.info')));
    expect(cpp.files.map((f) => f.path).sort()).toEqual([
      'C:/temp/calculator.cpp',
      'C:/temp/main.cpp',
      'C:/temp/sub/calculator.cpp',
    ]);
  });
});
