import type { Readable } from 'node:stream';
import type { CoverageReport, ParseOptions } from './coverage-types';
import { CoverageReportInvalid } from './errors';
import { parseCount, summaryPair } from './parse-count';
import { forEachLine } from './read-lines';
import { ReportBuilder } from './report-builder';

interface RecordState {
  readonly file: ReturnType<ReportBuilder['file']>;
  readonly da: Map<number, number>;
  brdaValid: number;
  brdaCovered: number;
  lf?: number;
  lh?: number;
  brf?: number;
  brh?: number;
}

const KEYED_LINE = /^[A-Z][A-Z_]*:/;

/**
 * LCOV tracefiles (geninfo, istanbul, coverlet, c8). Totals are the sums of each record's `LH`/`LF` and
 * `BRH`/`BRF`, as genhtml reports them; a record without them is counted from its `DA`/`BRDA` lines.
 * `FN`/`FNDA` names may contain commas and are not needed, so they are not split.
 */
export async function parseLcov(input: Readable, options: ParseOptions = {}): Promise<CoverageReport> {
  const builder = new ReportBuilder(options.keepLines);
  const lines = { covered: 0, valid: 0 };
  const branches = { covered: 0, valid: 0 };
  let sawBranchData = false;
  let record: RecordState | undefined;
  let lineNo = 0;

  const endRecord = () => {
    if (record === undefined) return;
    const r = record;
    let lineValid = r.lf;
    let lineCovered = r.lh;
    if (lineValid === undefined || lineCovered === undefined) {
      lineValid = r.da.size;
      lineCovered = 0;
      for (const hits of r.da.values()) if (hits > 0) lineCovered += 1;
    }
    const pair = summaryPair(lineCovered, lineValid, `lcov ${r.file.path} LH/LF`);
    lines.covered += pair.covered;
    lines.valid += pair.valid;
    for (const [line, hits] of r.da) builder.line(r.file, line, hits);
    if (r.brf !== undefined && r.brh !== undefined) {
      const b = summaryPair(r.brh, r.brf, `lcov ${r.file.path} BRH/BRF`);
      sawBranchData = true;
      branches.covered += b.covered;
      branches.valid += b.valid;
    } else if (r.brdaValid > 0) {
      sawBranchData = true;
      branches.covered += r.brdaCovered;
      branches.valid += r.brdaValid;
    }
    record = undefined;
  };

  await forEachLine(input, (raw) => {
    lineNo += 1;
    const text = raw.trim();
    if (text === '') return;
    if (text === 'end_of_record') {
      endRecord();
      return;
    }
    if (!KEYED_LINE.test(text)) {
      throw new CoverageReportInvalid(`lcov report line ${lineNo} is not an LCOV record line: "${text.slice(0, 60)}"`);
    }
    const colon = text.indexOf(':');
    const key = text.slice(0, colon);
    const value = text.slice(colon + 1);
    if (key === 'SF') {
      endRecord();
      if (value === '') throw new CoverageReportInvalid(`lcov report line ${lineNo}: SF without a path`);
      record = { file: builder.file(value), da: new Map(), brdaValid: 0, brdaCovered: 0 };
      return;
    }
    if (key === 'TN' || key === 'VER') return;
    const where = `lcov report line ${lineNo} (${key})`;
    if (record === undefined) {
      if (key === 'DA' || key === 'LF' || key === 'LH' || key === 'BRDA' || key === 'BRF' || key === 'BRH') {
        throw new CoverageReportInvalid(`${where} comes before any SF: line`);
      }
      return;
    }
    switch (key) {
      case 'DA': {
        const first = value.indexOf(',');
        if (first < 0) throw new CoverageReportInvalid(`${where}: expected DA:<line>,<hits>`);
        const second = value.indexOf(',', first + 1);
        const line = parseCount(value.slice(0, first), `${where}: line number`);
        const hits = parseCount(value.slice(first + 1, second < 0 ? undefined : second), `${where}: hits`);
        // Repeated DA for one line (one entry per method mapped to it): keep the highest count.
        const before = record.da.get(line);
        if (before === undefined || hits > before) record.da.set(line, hits);
        break;
      }
      case 'BRDA': {
        const parts = value.split(',');
        if (parts.length < 4)
          throw new CoverageReportInvalid(`${where}: expected BRDA:<line>,<block>,<branch>,<taken>`);
        parseCount(parts[0], `${where}: line number`);
        const taken = parts[3] === '-' ? 0 : parseCount(parts[3], `${where}: taken`);
        record.brdaValid += 1;
        if (taken > 0) record.brdaCovered += 1;
        break;
      }
      case 'LF':
        record.lf = parseCount(value, where);
        break;
      case 'LH':
        record.lh = parseCount(value, where);
        break;
      case 'BRF':
        record.brf = parseCount(value, where);
        break;
      case 'BRH':
        record.brh = parseCount(value, where);
        break;
      default:
        // FN, FNDA, FNF, FNH, FNL, FNA and future keys carry nothing the gate measures.
        break;
    }
  });
  if (record !== undefined) {
    throw new CoverageReportInvalid(`lcov report ends inside the record of ${record.file.path} (no end_of_record)`);
  }
  return builder.build('lcov', lines, sawBranchData ? branches : null);
}
