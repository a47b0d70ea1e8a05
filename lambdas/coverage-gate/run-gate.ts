import type { Readable } from 'node:stream';
import { decodeText, TextDecodingError } from '../../lib/contracts/decode-text';
import { type Baseline, baselineFromSummary, parseBaseline } from './baseline';
import { CoverageBelowThreshold, CoverageReportInvalid } from './errors';
import { evaluatePolicy } from './evaluate-policy';
import type { GateEvent } from './gate-event';
import { failureMessage, type GateSummary, MAX_FINDINGS_SHOWN } from './gate-summary';
import { pathMatcher } from './match-paths';
import { newCodeCoverage } from './new-code';
import { type ChangedLines, parseDiff } from './parse-diff';
import { parseReport } from './parse-report';
import { formatBytes, readAtMost } from './read-limited';
import { describeFinding } from './summary-check';

/** What the gate needs from the outside world, so the logic runs without AWS in unit tests. */
export interface GateDeps {
  /** The object as a stream from its start, or `undefined` when it does not exist; may be called again. */
  openObject(bucket: string, key: string): Promise<Readable | undefined>;
  /** CodeBuild's own line coverage of a report, for a cross-check only. */
  codebuildLinePct?(reportArn: string): Promise<number | undefined>;
  /** The coverage report a CodeBuild build produced, if any. */
  codebuildReportArnOf?(buildId: string): Promise<string | undefined>;
  log: {
    info(message: string, extra?: Record<string, unknown>): void;
    warn(message: string, extra?: Record<string, unknown>): void;
  };
}

// A changed-lines diff is small; a huge one means something else was uploaded.
const MAX_DIFF_BYTES = 64 * 1024 * 1024;
// A baseline is one small JSON object.
const MAX_BASELINE_BYTES = 1024 * 1024;

/**
 * An object as text through the one decoding step (UTF-8 with or without BOM, UTF-16 with BOM),
 * `undefined` when it does not exist; refused once it passes `maxBytes` or when it is not such text.
 */
async function readText(deps: GateDeps, bucket: string, key: string, maxBytes: number, what: string) {
  const body = await deps.openObject(bucket, key);
  if (body === undefined) return undefined;
  const bytes = await readAtMost(body, maxBytes);
  if (bytes === undefined) {
    throw new CoverageReportInvalid(
      `${what} s3://${bucket}/${key} is larger than the limit of ${formatBytes(maxBytes)}`,
    );
  }
  try {
    return decodeText(bytes, `${what} s3://${bucket}/${key}`);
  } catch (err) {
    if (err instanceof TextDecodingError) throw new CoverageReportInvalid(err.message);
    throw err;
  }
}

/** Reads the report (and diff and baseline), judges the policy, returns the summary or throws a typed error. */
export async function runGate(event: GateEvent, deps: GateDeps): Promise<GateSummary> {
  const uri = (key: string) => `s3://${event.bucket}/${key}`;
  let changed: ChangedLines | null = null;
  if (event.diffKey) {
    const text = await readText(deps, event.bucket, event.diffKey, MAX_DIFF_BYTES, 'changed-lines diff');
    if (text === undefined) {
      deps.log.warn('changed-lines diff not found; new-code coverage not evaluated', { diff: uri(event.diffKey) });
    } else {
      changed = parseDiff(text);
    }
  }
  const baselineText = await readText(deps, event.bucket, event.baselineKey, MAX_BASELINE_BYTES, 'baseline');
  const baseline: Baseline | null =
    baselineText === undefined ? null : parseBaseline(baselineText, uri(event.baselineKey));

  const body = await deps.openObject(event.bucket, event.reportKey);
  if (body === undefined) {
    throw new CoverageReportInvalid(
      `coverage report ${uri(event.reportKey)} is missing: RunTests did not upload a report, so coverage cannot be judged`,
    );
  }
  let unread: Readable | undefined = body;
  // The first read uses the stream opened above; a second read (LCOV repeating a file) opens the object again.
  const openReport = async (): Promise<Readable> => {
    const stream = unread ?? (await deps.openObject(event.bucket, event.reportKey));
    unread = undefined;
    if (stream === undefined) throw new Error(`${uri(event.reportKey)} no longer exists`);
    return stream;
  };
  const match = changed === null ? undefined : pathMatcher(changed.keys());
  const report = await parseReport(openReport, {
    label: `coverage report ${uri(event.reportKey)}`,
    keepLines: match === undefined ? undefined : (path) => match(path) !== undefined,
  });
  const newCode = changed === null ? null : newCodeCoverage(report, changed);

  if ((event.codebuildReportArn || event.codebuildBuildId) && deps.codebuildLinePct) {
    try {
      const reportArn =
        event.codebuildReportArn ??
        (event.codebuildBuildId ? await deps.codebuildReportArnOf?.(event.codebuildBuildId) : undefined);
      const theirs = reportArn === undefined ? undefined : await deps.codebuildLinePct(reportArn);
      if (theirs !== undefined && Math.abs(theirs - report.lines.pct) > 0.01) {
        deps.log.warn('CodeBuild line coverage disagrees with the parsed report', {
          codebuildLinePct: theirs,
          gateLinePct: report.lines.pct,
          reportArn,
        });
      }
    } catch (err) {
      deps.log.warn('CodeBuild coverage cross-check failed; ignored', { error: (err as Error).message });
    }
  }

  const verdict = evaluatePolicy(
    { lines: report.lines, branches: report.branches, newCode: newCode?.total ?? null, baseline },
    event.policy,
  );
  const summary: GateSummary = {
    passed: verdict.passed,
    service: event.service,
    environment: event.environment,
    commit: event.commit,
    format: report.format,
    lines: report.lines,
    branches: report.branches,
    files: report.files.length,
    newCode: newCode?.total ?? null,
    baseline,
    nextBaseline: baselineFromSummary(report, event.commit),
    rules: verdict.rules,
    leastCoveredChangedFiles: newCode?.files.slice(0, 5) ?? [],
    findings: report.findings.slice(0, MAX_FINDINGS_SHOWN),
    findingsTotal: report.findings.length,
  };
  if (report.findings.length > 0) {
    deps.log.warn('coverage report summaries disagree with their detail', {
      findingsTotal: report.findings.length,
      findings: report.findings.slice(0, MAX_FINDINGS_SHOWN).map(describeFinding),
    });
  }
  deps.log.info('coverage gate verdict', { passed: summary.passed, rules: summary.rules });
  if (!summary.passed) throw new CoverageBelowThreshold(failureMessage(summary));
  return summary;
}
