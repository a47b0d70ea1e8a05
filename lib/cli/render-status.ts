import { formatPct } from '../../lambdas/coverage-gate/evaluate-policy';
import { SEVERITIES } from '../contracts/scan-policy';
import { type Paint, paintStatus } from './output-style';
import type { CoverageSummary, PlanSummary, ScanSummary } from './stage-summaries';
import type { StageJson, StatusDocument } from './status-document';
import { renderTable } from './table';
import { formatClock, formatDuration, formatInstant, type TimeOptions } from './time-format';

/** Longest detail a table cell shows; the failure section above the table has the cause whole. */
const CELL_CHARS = 64;

function firstLine(text: string, max: number): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

const counts = (c: { covered: number; valid: number; pct: number }) => `${formatPct(c.pct)} (${c.covered}/${c.valid})`;

/** The line of a multi-line gate message that says what failed: its first `- ` item, else its first line. */
function gist(message: string | null, fallback: string): string {
  if (message === null) return fallback;
  const item = message.split('\n').find((line) => line.startsWith('- '));
  return firstLine(item === undefined ? message : item.slice(2), 160);
}

function coverageLine(c: CoverageSummary): string {
  if (!c.passed) return `failed: ${gist(c.message, 'no verdict')}`;
  const parts = [c.lines && `lines ${counts(c.lines)}`, c.branches && `branches ${counts(c.branches)}`];
  parts.push(c.newCode && `new code ${counts(c.newCode)}`);
  return `${parts.filter((p) => p).join(', ')}: passed`;
}

function planLine(p: PlanSummary): string {
  if (!p.passed) return `blocked: ${gist(p.message, 'no verdict')}`;
  if (p.summary === null)
    return p.hasChanges === null ? 'planned' : `planned (${p.hasChanges ? 'changes' : 'no changes'})`;
  return `${p.summary}${p.replace ? ` (${p.replace} replaced)` : ''}: passed`;
}

function scanLine(s: ScanSummary): string {
  const tally =
    s.counts === null
      ? ''
      : SEVERITIES.filter((sev) => (s.counts?.[sev] ?? 0) > 0)
          .map((sev) => `${sev} ${s.counts?.[sev]}`)
          .join(', ') || 'no findings';
  const head = [s.status, tally].filter((x) => x).join(', ');
  return s.passed ? `${head}: passed` : `blocked: ${gist(s.message, head)}`;
}

function detail(stage: StageJson): string {
  const parts: string[] = [];
  if (stage.note !== null) parts.push(stage.note);
  if (stage.attempts > 1) parts.push(`${stage.attempts} attempts`);
  if (stage.error !== null) parts.push(stage.cause === null ? stage.error : `${stage.error}: ${stage.cause}`);
  return firstLine(parts.join('; '), CELL_CHARS);
}

/** The header line of a run: name, status and elapsed time. */
export function headerLine(doc: StatusDocument, paint: Paint): string {
  const e = doc.execution;
  return `${paint('bold', e.name)}  ${paintStatus(paint, e.status)}  ${formatDuration(e.durationSeconds)}`;
}

/**
 * `deployctl status` as text: header, what the run is, the failure record, the stage table,
 * the gate summaries and the console link.
 */
export function renderStatus(doc: StatusDocument, paint: Paint, time: TimeOptions): string {
  const e = doc.execution;
  const out = [headerLine(doc, paint)];
  if (doc.run !== null) {
    const r = doc.run;
    const by = r.author === '' ? '' : ` by ${r.author}`;
    out.push(`  ${r.service} → ${r.environment}  commit ${r.commit.slice(0, 7)} (${r.branch}), ${r.trigger}${by}`);
  }
  const started = e.startedAt === null ? '-' : formatInstant(new Date(e.startedAt), time);
  const stopped = e.stoppedAt === null ? '' : `, stopped ${formatInstant(new Date(e.stoppedAt), time)}`;
  const redriven = e.redriveCount > 0 ? `, redriven ${e.redriveCount}×` : '';
  out.push(`  started ${started}${stopped}${redriven}`);
  if (doc.failure !== null) {
    const f = doc.failure;
    const where = f.stage ?? 'an unknown stage';
    const heading =
      e.status === 'ABORTED'
        ? `Stopped during ${where}${f.error === null ? '' : `: ${f.error}`}`
        : e.status === 'TIMED_OUT'
          ? `Timed out in ${where}: ${f.error ?? 'States.Timeout'}`
          : `Failed in ${where}: ${f.error ?? 'no error name'}`;
    out.push(paint('red', heading));
    if (f.cause !== null) out.push(...f.cause.split('\n').map((line) => `  ${line}`));
  }
  if (doc.stages.length === 0) {
    out.push('No stage has started yet.');
  } else {
    const rows = doc.stages.map((s) => [
      s.name,
      paintStatus(paint, s.status),
      s.startedAt === null ? '-' : formatClock(new Date(s.startedAt), time),
      formatDuration(s.durationSeconds),
      detail(s),
    ]);
    out.push(renderTable(['stage', 'status', 'started', 'duration', 'detail'], rows, paint));
  }
  const { coverage, plan, scan } = doc.summaries;
  if (coverage !== null) out.push(`Coverage: ${coverageLine(coverage)}`);
  if (plan !== null) out.push(`Plan:     ${planLine(plan)}`);
  if (scan !== null) out.push(`Scan:     ${scanLine(scan)}`);
  if (e.consoleUrl !== null) out.push(`Console:  ${e.consoleUrl}`);
  return out.join('\n');
}

/** One plain line for a stage change (`watch` on a pipe): time, stage, status, duration, detail. */
export function stageChangeLine(stage: StageJson, paint: Paint, time: TimeOptions): string {
  const at = stage.stoppedAt ?? stage.startedAt;
  const when = at === null ? '        ' : formatClock(new Date(at), time);
  const took =
    stage.status === 'running' || stage.status === 'skipped' ? '' : ` ${formatDuration(stage.durationSeconds)}`;
  const more = detail(stage);
  return `${when} ${stage.name} ${paintStatus(paint, stage.status)}${took}${more === '' ? '' : ` (${more})`}`;
}
