import type { Readable } from 'node:stream';
import type { CoverageReport, ParseOptions } from './coverage-types';
import { CoverageReportInvalid } from './errors';
import { digitsAt, parseCount } from './parse-count';
import { forEachByteLine } from './read-lines';
import { ReportBuilder } from './report-builder';
import { type CountPair, judgeSummary, type SummaryFinding } from './summary-check';

type FileEntry = ReturnType<ReportBuilder['file']>;

/** The line and branch data of a file listed in several records, merged over them. */
interface MergedFile {
  readonly file: FileEntry;
  /** Line -> highest hits over the records. */
  readonly lines: Map<number, number>;
  /** `line,block,branch` of a `BRDA` -> highest taken count over the records (`-` is 0). */
  readonly branches: Map<string, number>;
}

interface RecordState {
  readonly file: FileEntry;
  /** Set when this file's records are merged (second pass) instead of summed. */
  readonly merged?: MergedFile;
  brdaValid: number;
  brdaCovered: number;
  lf?: number;
  lh?: number;
  brf?: number;
  brh?: number;
}

const KEYED_LINE = /^[A-Z][A-Z_]*:/;

// Byte values the line scanner compares against.
const COLON = 58;
const COMMA = 44;
const DASH = 45;
const UPPER_A = 65;
const UPPER_Z = 90;
const UNDERSCORE = 95;
const END_OF_RECORD = Buffer.from('end_of_record');
// Longer numbers take the text path, where `parseCount` reads them exactly as before.
const MAX_DIGITS = 15;

const CHECKSUM = /^[A-Za-z0-9+/]{22}$/;

/** Whether `buf[start, end)` is 22 base64 characters: an MD5 digest as geninfo and coverage.py write it. */
function isChecksumAt(buf: Buffer, start: number, end: number): boolean {
  if (end - start !== 22) return false;
  for (let i = start; i < end; i += 1) {
    const c = buf[i] as number;
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
    if (!ok) return false;
  }
  return true;
}

/**
 * The producer's true line figure of a coverage.py 6.3-7.2.1 record, or undefined for any other record.
 * Those versions wrote `LH` as every executed line, statements or not, while `LF` and the DA lines with 0
 * hits (the missing statements) were right; coverage.py 7.2.2 fixed it. Recognised by what that writer
 * produced: every DA line with a 22-character MD5 checksum, hits only 0 or 1, `LH` equal to the DA lines
 * hit, and more DA lines than `LF`. Checked on IDinsight/faqt's report: LF minus the zero-hit DA lines
 * gives 331 of 410 over its 12 records, coverage.py's own total.
 */
function coveragePy6Figure(lf: number, lh: number, da: DaLines): CountPair | undefined {
  const zeros = da.size - da.covered;
  const signature = da.size > 0 && da.checksummed === da.size && da.maxHits <= 1 && lh === da.covered && lf < da.size;
  return signature && lf >= zeros ? { covered: lf - zeros, valid: lf } : undefined;
}

/** ASCII whitespace as `String.prototype.trim` removes it (other Unicode spaces take the text path). */
function isSpace(byte: number): boolean {
  return byte === 32 || (byte >= 9 && byte <= 13);
}

/**
 * The `DA` lines of the current record, in reusable arrays: a record lists its lines in ascending order
 * almost always, and then the distinct lines are counted as they come, without a map per record.
 */
class DaLines {
  lines = new Float64Array(1024);
  hits = new Float64Array(1024);
  size = 0;
  covered = 0;
  ascending = true;
  /** Entries with a third field of 22 base64 characters (the MD5 source checksum geninfo and coverage.py write). */
  checksummed = 0;
  maxHits = 0;

  add(line: number, hits: number, checksum = false): void {
    const n = this.size;
    if (n > 0 && line <= (this.lines[n - 1] as number)) this.ascending = false;
    if (n === this.lines.length) {
      const lines = new Float64Array(n * 2);
      const counts = new Float64Array(n * 2);
      lines.set(this.lines);
      counts.set(this.hits);
      this.lines = lines;
      this.hits = counts;
    }
    this.lines[n] = line;
    this.hits[n] = hits;
    this.size = n + 1;
    if (hits > 0) this.covered += 1;
    if (checksum) this.checksummed += 1;
    if (hits > this.maxHits) this.maxHits = hits;
  }

  /** Distinct lines; a line listed more than once (once per method mapped to it) keeps its highest count. */
  distinct(): { covered: number; valid: number; byLine?: Map<number, number> } {
    if (this.ascending) return { covered: this.covered, valid: this.size };
    const byLine = new Map<number, number>();
    for (let i = 0; i < this.size; i += 1) {
      const line = this.lines[i] as number;
      const hits = this.hits[i] as number;
      const before = byLine.get(line);
      if (before === undefined || hits > before) byLine.set(line, hits);
    }
    let covered = 0;
    for (const hits of byLine.values()) if (hits > 0) covered += 1;
    return { covered, valid: byLine.size, byLine };
  }

  reset(): void {
    this.size = 0;
    this.covered = 0;
    this.ascending = true;
    this.checksummed = 0;
    this.maxHits = 0;
  }
}

/**
 * LCOV tracefiles (geninfo, istanbul, coverlet, c8, coverage.py, llvm-cov). Totals are the sums of each
 * record's figures: its `LH`/`LF` and `BRH`/`BRF` checked against its `DA`/`BRDA` lines by `judgeSummary`
 * (agreeing with the DA entries or the distinct DA lines is agreement; coverage.py 6.x's inflated `LH` is
 * replaced by coverage.py's own figure; an impossible summary gives way to the DA lines; any other
 * disagreement keeps the summary and is reported as a finding). A record without them is counted from its
 * `DA`/`BRDA` lines. (genhtml, by contrast, ignores `LF`/`LH` and recounts the distinct DA lines.)
 * `FN`/`FNDA` names may contain commas and are not needed, so they are not split.
 *
 * A file listed in more than one record (concatenated or sharded tracefiles, `./src/a.ts` next to
 * `src/a.ts`) is merged as lcov merges it: its distinct `DA` lines and `BRDA` branches over all its records,
 * each with its highest count. Records keep no line data while they stream past, so such a report is read
 * a second time through `reopen`, keeping line maps for exactly the repeated files.
 *
 * Lines are read as bytes: the keys and counts of `DA`, `BRDA`, `LF`, `LH`, `BRF` and `BRH` lines in their
 * usual spelling are read in place, and anything else (paths, unusual spacing, exponent counts, errors)
 * is decoded and takes the text path, so both paths accept and refuse the same input.
 */
export async function parseLcov(
  input: Readable,
  options: ParseOptions = {},
  reopen?: () => Readable | Promise<Readable>,
): Promise<CoverageReport> {
  const first = await lcovPass(input, options, new Set());
  if (first.repeated.size === 0) return first.build();
  const [example] = first.repeated;
  if (reopen === undefined) {
    throw new CoverageReportInvalid(
      `lcov report lists ${example} in more than one record; merging them needs a second read of the report`,
    );
  }
  let again: Readable;
  try {
    again = await reopen();
  } catch (err) {
    const why = (err as Error).message;
    throw new CoverageReportInvalid(
      `lcov report lists ${example} in more than one record; reading it again failed: ${why}`,
    );
  }
  const second = await lcovPass(again, options, first.repeated);
  if (second.repeated.size > 0) {
    throw new CoverageReportInvalid('lcov report changed between its two reads (a file repeats only in the second)');
  }
  return second.build();
}

/**
 * One read of a tracefile. Records of the files in `merge` are merged; any other file met in a second record
 * is returned in `repeated` (its records were summed, so the caller reads again to merge it).
 */
async function lcovPass(input: Readable, options: ParseOptions, merge: ReadonlySet<string>) {
  const builder = new ReportBuilder(options.keepLines);
  const merged = new Map<string, MergedFile>();
  const repeated = new Set<string>();
  const lines = { covered: 0, valid: 0 };
  const branches = { covered: 0, valid: 0 };
  const da = new DaLines();
  const findings: SummaryFinding[] = [];
  let sawBranchData = false;
  let record: RecordState | undefined;
  let lineNo = 0;

  const endRecord = () => {
    if (record === undefined) return;
    const r = record;
    if (r.merged !== undefined) {
      for (let i = 0; i < da.size; i += 1) {
        const line = da.lines[i] as number;
        const hits = da.hits[i] as number;
        const before = r.merged.lines.get(line);
        if (before === undefined || hits > before) r.merged.lines.set(line, hits);
      }
      da.reset();
      record = undefined;
      return;
    }
    const distinct = da.distinct();
    let pair: CountPair = distinct;
    if (r.lf !== undefined && r.lh !== undefined) {
      const derived = coveragePy6Figure(r.lf, r.lh, da);
      pair = judgeSummary(
        {
          file: r.file.path,
          measure: 'lines',
          summaryField: 'LH/LF',
          summary: { covered: r.lh, valid: r.lf },
          detailField: 'DA lines',
          detail: { covered: da.covered, valid: da.size },
          detailDistinct: { covered: distinct.covered, valid: distinct.valid },
          ...(derived === undefined
            ? {}
            : {
                derived: {
                  figure: derived,
                  reason:
                    'coverage.py 6.x counted executed non-statement lines in LH (fixed in 7.2.2); LF less the DA lines with 0 hits is coverage.py’s own figure',
                },
              }),
        },
        findings,
      );
    }
    lines.covered += pair.covered;
    lines.valid += pair.valid;
    if (r.file.hits === undefined) {
      builder.addFileTotals(r.file, distinct.covered, distinct.valid);
    } else if (distinct.byLine !== undefined) {
      for (const [line, hits] of distinct.byLine) builder.line(r.file, line, hits);
    } else {
      for (let i = 0; i < da.size; i += 1) builder.line(r.file, da.lines[i] as number, da.hits[i] as number);
    }
    if (r.brf !== undefined && r.brh !== undefined) {
      const b = judgeSummary(
        {
          file: r.file.path,
          measure: 'branches',
          summaryField: 'BRH/BRF',
          summary: { covered: r.brh, valid: r.brf },
          detailField: 'BRDA lines',
          detail: { covered: r.brdaCovered, valid: r.brdaValid },
        },
        findings,
      );
      sawBranchData = true;
      branches.covered += b.covered;
      branches.valid += b.valid;
    } else if (r.brdaValid > 0) {
      sawBranchData = true;
      branches.covered += r.brdaCovered;
      branches.valid += r.brdaValid;
    }
    da.reset();
    record = undefined;
  };

  /** The general path: one trimmed line as text. */
  const onText = (text: string) => {
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
      const { entry, created } = builder.lookup(value);
      if (merge.has(entry.path)) {
        let m = merged.get(entry.path);
        if (m === undefined) {
          m = { file: entry, lines: new Map(), branches: new Map() };
          merged.set(entry.path, m);
        }
        record = { file: entry, merged: m, brdaValid: 0, brdaCovered: 0 };
        return;
      }
      if (!created) repeated.add(entry.path);
      record = { file: entry, brdaValid: 0, brdaCovered: 0 };
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
        da.add(line, hits, second >= 0 && CHECKSUM.test(value.slice(second + 1).trim()));
        break;
      }
      case 'BRDA': {
        const parts = value.split(',');
        if (parts.length < 4)
          throw new CoverageReportInvalid(`${where}: expected BRDA:<line>,<block>,<branch>,<taken>`);
        const line = parseCount(parts[0], `${where}: line number`);
        const taken = parts[3] === '-' ? 0 : parseCount(parts[3], `${where}: taken`);
        if (record.merged !== undefined) {
          const id = `${line},${(parts[1] as string).trim()},${(parts[2] as string).trim()}`;
          const before = record.merged.branches.get(id);
          if (before === undefined || taken > before) record.merged.branches.set(id, taken);
          break;
        }
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
  };

  /** The fast path: true when the line was handled in place, false to take the text path. */
  const onBytes = (buf: Buffer, start: number, end: number): boolean => {
    let s = start;
    let e = end;
    while (s < e && isSpace(buf[s] as number)) s += 1;
    while (e > s && isSpace(buf[e - 1] as number)) e -= 1;
    if (s === e) return true;
    const c0 = buf[s] as number;
    if (c0 < UPPER_A || c0 > UPPER_Z) {
      if (e - s === END_OF_RECORD.length && buf.compare(END_OF_RECORD, 0, END_OF_RECORD.length, s, e) === 0) {
        endRecord();
        return true;
      }
      return false;
    }
    // Lines before the first SF (and SF itself) are few: the text path handles them and their errors.
    if (record === undefined) return false;
    let k = s + 1;
    for (; k < e; k += 1) {
      const c = buf[k] as number;
      if ((c < UPPER_A || c > UPPER_Z) && c !== UNDERSCORE) break;
    }
    if (k === e || buf[k] !== COLON) return false;
    const keyLength = k - s;
    const v = k + 1;
    const c1 = buf[s + 1] as number;
    if (keyLength === 2) {
      if (c0 === 68 /* D */ && c1 === 65 /* A */) {
        // DA:<line>,<hits>[,<checksum>], digits read in one pass.
        let i = v;
        let line = 0;
        for (; i < e; i += 1) {
          const digit = (buf[i] as number) - 48;
          if (digit < 0 || digit > 9) break;
          line = line * 10 + digit;
        }
        if (i === v || i - v > MAX_DIGITS || i === e || buf[i] !== COMMA) return false;
        const h = i + 1;
        let hits = 0;
        for (i = h; i < e; i += 1) {
          const digit = (buf[i] as number) - 48;
          if (digit < 0 || digit > 9) break;
          hits = hits * 10 + digit;
        }
        if (i === h || i - h > MAX_DIGITS || (i < e && buf[i] !== COMMA)) return false;
        da.add(line, hits, i < e && isChecksumAt(buf, i + 1, e));
        return true;
      }
      if (c0 === 76 /* L */ && (c1 === 70 /* F */ || c1 === 72) /* H */) {
        const count = digitsAt(buf, v, e);
        if (count < 0) return false;
        if (c1 === 70) record.lf = count;
        else record.lh = count;
        return true;
      }
      if (c0 === 83 /* S */ && c1 === 70 /* F */) return false;
      return true;
    }
    if (c0 === 66 /* B */ && c1 === 82 /* R */) {
      const c2 = buf[s + 2] as number;
      if (keyLength === 4 && c2 === 68 /* D */ && buf[s + 3] === 65 /* A */) {
        // A merged record needs the branch ids: the text path reads them.
        if (record.merged !== undefined) return false;
        const c1End = buf.indexOf(COMMA, v);
        if (c1End < 0 || c1End >= e || digitsAt(buf, v, c1End) < 0) return false;
        const c2End = buf.indexOf(COMMA, c1End + 1);
        if (c2End < 0 || c2End >= e) return false;
        const c3End = buf.indexOf(COMMA, c2End + 1);
        if (c3End < 0 || c3End >= e) return false;
        let takenEnd = buf.indexOf(COMMA, c3End + 1);
        if (takenEnd < 0 || takenEnd > e) takenEnd = e;
        let taken: number;
        if (takenEnd - c3End === 2 && buf[c3End + 1] === DASH) taken = 0;
        else {
          taken = digitsAt(buf, c3End + 1, takenEnd);
          if (taken < 0) return false;
        }
        record.brdaValid += 1;
        if (taken > 0) record.brdaCovered += 1;
        return true;
      }
      if (keyLength === 3 && (c2 === 70 /* F */ || c2 === 72) /* H */) {
        const count = digitsAt(buf, v, e);
        if (count < 0) return false;
        if (c2 === 70) record.brf = count;
        else record.brh = count;
        return true;
      }
    }
    // FN, FNDA, FNF, FNH, TN, VER and future keys carry nothing the gate measures.
    return true;
  };

  await forEachByteLine(input, (buf, start, end) => {
    lineNo += 1;
    if (!onBytes(buf, start, end)) onText(buf.toString('utf8', start, end).trim());
  });
  if (record !== undefined) {
    throw new CoverageReportInvalid(`lcov report ends inside the record of ${record.file.path} (no end_of_record)`);
  }
  const build = (): CoverageReport => {
    for (const m of merged.values()) {
      let covered = 0;
      for (const hits of m.lines.values()) if (hits > 0) covered += 1;
      lines.covered += covered;
      lines.valid += m.lines.size;
      if (m.file.hits === undefined) builder.addFileTotals(m.file, covered, m.lines.size);
      else for (const [line, hits] of m.lines) builder.line(m.file, line, hits);
      if (m.branches.size > 0) {
        sawBranchData = true;
        for (const taken of m.branches.values()) if (taken > 0) branches.covered += 1;
        branches.valid += m.branches.size;
      }
    }
    return builder.build('lcov', lines, sawBranchData ? branches : null, findings);
  };
  return { repeated, build };
}
