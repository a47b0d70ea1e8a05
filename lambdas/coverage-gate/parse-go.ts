import type { Readable } from 'node:stream';
import type { CoverageReport, ParseOptions } from './coverage-types';
import { CoverageReportInvalid } from './errors';
import { parseCount } from './parse-count';
import { forEachLine } from './read-lines';
import { ReportBuilder } from './report-builder';

const MODE = /^mode:\s*(set|count|atomic)$/;
const BLOCK = /^(.+):(\d+)\.(\d+),(\d+)\.(\d+) (\S+) (\S+)$/;

interface Block {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly statements: number;
  count: number;
}

/**
 * Go coverprofile (`go test -coverprofile`). Go measures statements, so "lines" are statements here, as
 * `go tool cover -func` counts them; there is no branch data. A block listed more than once (several
 * packages run with `-coverpkg`) counts once, with its highest count, as `go tool cover` merges them.
 */
export async function parseGo(input: Readable, options: ParseOptions = {}): Promise<CoverageReport> {
  const builder = new ReportBuilder(options.keepLines);
  const blocks = new Map<string, Block>();
  let mode: string | undefined;
  let lineNo = 0;
  await forEachLine(input, (raw) => {
    lineNo += 1;
    const text = raw.trim();
    if (text === '') return;
    const modeMatch = MODE.exec(text);
    if (modeMatch !== null) {
      // Concatenated profiles repeat the mode line; mixing modes would mix meanings of the count.
      if (mode !== undefined && mode !== modeMatch[1]) {
        throw new CoverageReportInvalid(`go coverprofile line ${lineNo} switches mode from ${mode} to ${modeMatch[1]}`);
      }
      mode = modeMatch[1];
      return;
    }
    if (mode === undefined)
      throw new CoverageReportInvalid('go coverprofile does not start with "mode: set|count|atomic"');
    const m = BLOCK.exec(text);
    if (m === null) {
      throw new CoverageReportInvalid(
        `go coverprofile line ${lineNo} is not "file:l.c,l.c stmts count": "${text.slice(0, 60)}"`,
      );
    }
    const where = `go coverprofile line ${lineNo}`;
    const [, file = '', sl, sc, el, ec, st, ct] = m;
    const start = parseCount(sl, `${where}: start line`);
    const end = parseCount(el, `${where}: end line`);
    const statements = parseCount(st, `${where}: statements`);
    const count = parseCount(ct, `${where}: count`);
    if (end < start) throw new CoverageReportInvalid(`${where}: block ends (${end}) before it starts (${start})`);
    const key = `${file}:${sl}.${sc},${el}.${ec}`;
    const before = blocks.get(key);
    if (before === undefined) blocks.set(key, { file, start, end, statements, count });
    else if (count > before.count) before.count = count;
  });
  if (mode === undefined) throw new CoverageReportInvalid('go coverprofile has no "mode:" line');
  const totals = { covered: 0, valid: 0 };
  for (const block of blocks.values()) {
    totals.valid += block.statements;
    if (block.count > 0) totals.covered += block.statements;
    const entry = builder.file(block.file);
    if (entry.hits === undefined) {
      builder.addFileTotals(entry, block.count > 0 ? block.statements : 0, block.statements);
    } else {
      for (let line = block.start; line <= block.end; line += 1) {
        const prev = entry.hits.get(line);
        if (prev === undefined || block.count > prev) entry.hits.set(line, block.count);
      }
    }
  }
  return builder.build('go', totals, null);
}
