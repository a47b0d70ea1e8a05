import type { ExecutionInput } from '../../../lib/contracts/execution-input';

/**
 * Step Functions' limit on an execution's input, in bytes of UTF-8. The Step Functions quotas page
 * (docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html, "Quotas related to task executions"):
 * "Maximum input or output size for a task, state, or execution: 256 KiB of data as a UTF-8 encoded
 * string. This quota affects ... Input data when starting an execution". The API reference states the
 * same for state input: "Length constraints apply to the payload size, and are expressed as bytes in
 * UTF-8 encoding. ... Maximum length of 262144."
 */
export const STEP_FUNCTIONS_INPUT_LIMIT_BYTES = 262_144;

/**
 * Room kept for what the workflow adds to the state as it runs (the run settings, the coverage and plan
 * summaries, build ids, an error's cause of up to 32 KiB): the same 256 KiB limit applies to every state's
 * input and output, so an execution input right at the limit would start and then fail at its first
 * `ResultPath` with `States.DataLimitExceeded`.
 */
export const WORKFLOW_STATE_HEADROOM_BYTES = 65_536;

/** Largest execution input the triggers start, in bytes of UTF-8 of the whole serialized input. */
export const EXECUTION_INPUT_BUDGET_BYTES = STEP_FUNCTIONS_INPUT_LIMIT_BYTES - WORKFLOW_STATE_HEADROOM_BYTES;

/** The commit message keeps at least this many bytes before the changed paths are given up. */
export const MESSAGE_FLOOR_BYTES = 1_024;

/** `source.author` and `source.url` are cut to this many bytes in the last step. */
export const FIELD_CAP_BYTES = 1_024;

/** Fields shortened or dropped to fit, in the order the steps apply. */
export type TrimmedField = 'source.message' | 'changes.paths' | 'source.author' | 'source.url';

export interface FittedInput {
  readonly input: ExecutionInput;
  /** UTF-8 bytes of `JSON.stringify(input)`. */
  readonly bytes: number;
  /** What was shortened or dropped, in the order the steps applied (empty when the input fit as it was). */
  readonly trimmed: readonly TrimmedField[];
}

/** The input does not fit even with every field that may be trimmed trimmed. */
export class ExecutionInputTooLarge extends Error {
  override readonly name = 'ExecutionInputTooLarge';
}

/** Bytes of the input as StartExecution sends it (`JSON.stringify`, UTF-8): the unit Step Functions counts. */
export function executionInputBytes(input: ExecutionInput): number {
  return Buffer.byteLength(JSON.stringify(input), 'utf8');
}

/** Bytes a string adds inside JSON: its escaped form, without the two quotes. */
function jsonStringBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}

/** A prefix of `text` of at most `length` code units that does not end inside a surrogate pair. */
function prefix(text: string, length: number): string {
  let end = Math.min(length, text.length);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/** The note appended to a shortened text: says that and how much was cut. */
function cutNote(text: string, kept: string): string {
  const dropped = Buffer.byteLength(text, 'utf8') - Buffer.byteLength(kept, 'utf8');
  return `\n… [${dropped} more bytes cut to fit the Step Functions input limit]`;
}

/**
 * The longest prefix of `text` (with the cut note) whose JSON form takes at most `maxBytes`, or undefined
 * when not even the note fits or the prefix would keep fewer than `floorBytes` of the text.
 */
function shorten(text: string, maxBytes: number, floorBytes: number): string | undefined {
  if (jsonStringBytes(text) <= maxBytes) return text;
  let low = 0;
  let high = text.length;
  let best: string | undefined;
  let bestKept = '';
  // JSON size grows with the prefix length, so the longest fitting prefix is found by bisection.
  while (low <= high) {
    const mid = Math.floor((low + high) / 2);
    const kept = prefix(text, mid);
    const candidate = `${kept}${cutNote(text, kept)}`;
    if (jsonStringBytes(candidate) <= maxBytes) {
      best = candidate;
      bestKept = kept;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  if (best === undefined) return undefined;
  return Buffer.byteLength(bestKept, 'utf8') >= floorBytes ? best : undefined;
}

function withSource(input: ExecutionInput, source: Partial<ExecutionInput['source']>): ExecutionInput {
  return { ...input, source: { ...input.source, ...source } };
}

/** The input with its message shortened to fit `budget`, or undefined when that would cut below `floorBytes`. */
function fitMessage(input: ExecutionInput, budget: number, floorBytes: number): ExecutionInput | undefined {
  const without = executionInputBytes(withSource(input, { message: '' }));
  const message = shorten(input.source.message, budget - without, floorBytes);
  return message === undefined ? undefined : withSource(input, { message });
}

/**
 * Makes an execution input fit Step Functions, counting what Step Functions counts: UTF-8 bytes of the
 * whole serialized input (not JavaScript string length, not one field). An input within the budget is
 * returned unchanged; a larger one is trimmed in this order, stopping as soon as it fits, so the run
 * still starts:
 * 1. `source.message` is shortened (a note says how many bytes were cut), keeping at least
 *    {@link MESSAGE_FLOOR_BYTES};
 * 2. `changes.paths` becomes `null` with `app` and `infra` true and `source` `unknown`: "unknown,
 *    everything changed", so every stage runs (the message is then shortened only if it still has to be, down to nothing);
 * 3. `source.author` and `source.url` are cut to {@link FIELD_CAP_BYTES} each, then the message again.
 * `service`, `environment`, `trigger`, `source.repository`, `ref`, `branch`, `commit`, `before`,
 * `deliveryId`, `image` and `rollbackRequest` are never changed.
 *
 * @param budget bytes allowed. @default EXECUTION_INPUT_BUDGET_BYTES (196,608)
 * @throws ExecutionInputTooLarge when the fields that are never changed alone exceed the budget.
 */
export function fitExecutionInput(input: ExecutionInput, budget = EXECUTION_INPUT_BUDGET_BYTES): FittedInput {
  const done = (fitted: ExecutionInput, trimmed: TrimmedField[]): FittedInput => ({
    input: fitted,
    bytes: executionInputBytes(fitted),
    trimmed,
  });
  if (executionInputBytes(input) <= budget) return done(input, []);

  const shortMessage = fitMessage(input, budget, MESSAGE_FLOOR_BYTES);
  if (shortMessage !== undefined) return done(shortMessage, ['source.message']);

  const trimmed: TrimmedField[] = [];
  let everything = input;
  if (input.changes.paths !== null) {
    everything = { ...input, changes: { app: true, infra: true, paths: null, source: 'unknown' } };
    trimmed.push('changes.paths');
    if (executionInputBytes(everything) <= budget) return done(everything, trimmed);
  }
  const fitted = fitMessage(everything, budget, 0);
  if (fitted !== undefined) return done(fitted, [...trimmed, 'source.message']);

  const author = shorten(everything.source.author, FIELD_CAP_BYTES, 0) ?? '';
  const url = shorten(everything.source.url, FIELD_CAP_BYTES, 0) ?? '';
  if (author !== everything.source.author) trimmed.push('source.author');
  if (url !== everything.source.url) trimmed.push('source.url');
  const capped = fitMessage(withSource(everything, { author, url }), budget, 0);
  if (capped !== undefined) return done(capped, [...trimmed, 'source.message']);
  const rest = executionInputBytes(withSource(everything, { author, url, message: '' }));
  throw new ExecutionInputTooLarge(
    `execution input is ${rest} bytes without its message, paths, and with author and url cut, over the budget of ${budget} bytes (Step Functions allows ${STEP_FUNCTIONS_INPUT_LIMIT_BYTES}): repository, ref, branch or delivery id is too long`,
  );
}
