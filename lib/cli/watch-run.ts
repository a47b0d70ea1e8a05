import type { SFNClient } from '@aws-sdk/client-sfn';
import { ExitCode } from './cli-errors';
import { loadStatus } from './load-status';
import { type Paint, painterFor, paintStatus } from './output-style';
import { headerLine, renderStatus, stageChangeLine } from './render-status';
import type { StatusDocument } from './status-document';
import { formatDuration, type TimeOptions } from './time-format';

/** What a watch prints as the run moves on. */
export interface Watcher {
  update(doc: StatusDocument): void;
  finish(doc: StatusDocument): void;
}

/** On a terminal: the whole status, redrawn in place. */
function screenWatcher(paint: Paint, time: TimeOptions): Watcher {
  const draw = (doc: StatusDocument) => process.stdout.write(`\u001b[H\u001b[2J${renderStatus(doc, paint, time)}\n`);
  return { update: draw, finish: draw };
}

/** On a pipe or file: one plain line per stage change, then the outcome. */
function lineWatcher(paint: Paint, time: TimeOptions): Watcher {
  const seen = new Map<string, string>();
  let started = false;
  const update = (doc: StatusDocument) => {
    if (!started) {
      process.stdout.write(`${headerLine(doc, paint)}\n`);
      started = true;
    }
    for (const stage of doc.stages) {
      if (seen.get(stage.name) === stage.status) continue;
      seen.set(stage.name, stage.status);
      process.stdout.write(`${stageChangeLine(stage, paint, time)}\n`);
    }
  };
  return {
    update,
    finish(doc) {
      update(doc);
      const f = doc.failure;
      const failure = f === null ? '' : `: ${f.stage ?? '?'} ${f.error ?? ''}`.trimEnd();
      process.stdout.write(
        `${paintStatus(paint, doc.execution.status)} after ${formatDuration(doc.execution.durationSeconds)}${failure}\n`,
      );
      if (doc.execution.consoleUrl !== null) process.stdout.write(`Console: ${doc.execution.consoleUrl}\n`);
    },
  };
}

/** With --json: one JSON line per stage change `{ "type": "stage", "stage": {...} }`, then `{ "type": "result", "status": <status document> }`. */
function jsonWatcher(): Watcher {
  const seen = new Map<string, string>();
  const update = (doc: StatusDocument) => {
    for (const stage of doc.stages) {
      if (seen.get(stage.name) === stage.status) continue;
      seen.set(stage.name, stage.status);
      process.stdout.write(`${JSON.stringify({ type: 'stage', stage })}\n`);
    }
  };
  return {
    update,
    finish(doc) {
      update(doc);
      process.stdout.write(`${JSON.stringify({ type: 'result', status: doc })}\n`);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls the run every `intervalSeconds` until it is no longer running (PENDING_REDRIVE counts as
 * running: a redrive is about to continue it). Returns the last status document.
 */
export async function watchRun(
  sfn: SFNClient,
  executionArn: string,
  intervalSeconds: number,
  watcher: Watcher,
): Promise<StatusDocument> {
  for (;;) {
    const doc = await loadStatus(sfn, executionArn);
    const status = doc.execution.status;
    if (status !== 'RUNNING' && status !== 'PENDING_REDRIVE') {
      watcher.finish(doc);
      return doc;
    }
    watcher.update(doc);
    await sleep(intervalSeconds * 1000);
  }
}

export interface WatchOptions extends TimeOptions {
  /** Seconds between polls. @default 5 */
  readonly interval?: number;
  /** JSON lines instead of text. */
  readonly json?: boolean;
}

/**
 * Follows a run to its end with the watcher that suits stdout (`--json` lines, a redrawn screen on a
 * terminal, plain lines on a pipe) and sets the exit code: 0 succeeded, 1 anything else.
 */
export async function watchRunToEnd(
  sfn: SFNClient,
  executionArn: string,
  options: WatchOptions,
): Promise<StatusDocument> {
  const paint = painterFor();
  const time = { utc: options.utc };
  const watcher = options.json
    ? jsonWatcher()
    : process.stdout.isTTY
      ? screenWatcher(paint, time)
      : lineWatcher(paint, time);
  const doc = await watchRun(sfn, executionArn, options.interval ?? 5, watcher);
  if (doc.execution.status !== 'SUCCEEDED') process.exitCode = ExitCode.No;
  return doc;
}
