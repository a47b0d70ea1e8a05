import type { TimelineItem } from './asl-states';
import type { LocalState } from './local-run-result';
import type { LocalRunEvent } from './run-local-pipeline';

/** How a timeline item ended: finished (a Task state's last attempt), left (a Parallel state), or never ran. */
export type ItemEnd =
  | { readonly kind: 'finished'; readonly state: LocalState }
  | { readonly kind: 'left'; readonly failed: boolean }
  | { readonly kind: 'not-run' };

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

interface Tracked {
  readonly name: string;
  /** The sequence (top level or one branch) the item belongs to, and its place in it. */
  readonly sequence: readonly TimelineItem[];
  readonly index: number;
  /** The Parallel state whose branch holds the item, if any. */
  readonly parallel?: string;
  started: boolean;
  ended: boolean;
  readonly start: Deferred<boolean>;
  readonly end: Deferred<ItemEnd>;
  readonly logListeners: Array<(line: string) => void>;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

/**
 * Follows a local run's events for a live view of its timeline ({@link timelineOf}): for each Task
 * or Parallel state, whether it started and how it ended. An item that has not started is known
 * not to run once a later item of its sequence starts, once its Parallel state is left, or once the
 * run ends.
 */
export class RunProgress {
  private readonly items = new Map<string, Tracked>();
  private readonly latest = new Map<string, LocalState>();

  constructor(timeline: readonly TimelineItem[]) {
    this.track(timeline);
  }

  private track(sequence: readonly TimelineItem[], parallel?: string): void {
    sequence.forEach((item, index) => {
      this.items.set(item.name, {
        name: item.name,
        sequence,
        index,
        ...(parallel === undefined ? {} : { parallel }),
        started: false,
        ended: false,
        start: deferred<boolean>(),
        end: deferred<ItemEnd>(),
        logListeners: [],
      });
      if (item.kind === 'parallel') for (const branch of item.branches) this.track(branch, item.name);
    });
  }

  /** Resolves `true` when the item starts, `false` when it is known not to run. */
  started(name: string): Promise<boolean> {
    return this.item(name).start.promise;
  }

  /** Resolves when the item ends (or is known not to run). */
  ended(name: string): Promise<ItemEnd> {
    return this.item(name).end.promise;
  }

  /** Calls `listener` with each log line of a Task state. */
  onLog(name: string, listener: (line: string) => void): void {
    this.item(name).logListeners.push(listener);
  }

  /** Feeds one event of the run (pass it `runLocalPipeline`'s `onEvent`). */
  handle(event: LocalRunEvent): void {
    switch (event.type) {
      case 'task-started':
        this.begin(event.name);
        break;
      case 'task-finished':
        // A failed attempt may be retried: the state ends when Step Functions leaves or catches it.
        this.latest.set(event.state.name, event.state);
        if (event.state.status === 'ABORTED') this.settle(this.items.get(event.state.name));
        break;
      case 'task-log':
        for (const listener of this.items.get(event.name)?.logListeners ?? []) listener(event.line);
        break;
      case 'state':
        if (event.stateType === 'Task' && (event.event === 'exited' || event.event === 'caught')) {
          this.settle(this.items.get(event.name));
        }
        if (event.stateType === 'Parallel' && event.event === 'entered') this.begin(event.name);
        if (event.stateType === 'Parallel' && (event.event === 'exited' || event.event === 'failed')) {
          for (const item of this.items.values()) if (item.parallel === event.name) this.settle(item);
          this.finish(event.name, { kind: 'left', failed: event.event === 'failed' });
        }
        break;
      case 'run-finished':
        this.close();
        break;
      default:
        break;
    }
  }

  /** Ends every item still open (the run ended, or failed to run): nothing waits on this run any more. */
  close(): void {
    for (const item of this.items.values()) this.settle(item);
  }

  /** Ends an item for good: not run when it never started, else with its last attempt. */
  private settle(item: Tracked | undefined): void {
    if (item === undefined || item.ended) return;
    if (!item.started) {
      this.notRun(item);
      return;
    }
    const state = this.latest.get(item.name);
    this.finish(item.name, state ? { kind: 'finished', state } : { kind: 'left', failed: true });
  }

  private item(name: string): Tracked {
    const item = this.items.get(name);
    if (item === undefined) throw new Error(`${name} is not on the run's timeline`);
    return item;
  }

  private begin(name: string): void {
    const item = this.items.get(name);
    if (item === undefined || item.started) return;
    item.started = true;
    item.start.resolve(true);
    // Items before it in its sequence that never started will not run now.
    for (const earlier of item.sequence.slice(0, item.index)) {
      const tracked = this.items.get(earlier.name);
      if (tracked) this.notRun(tracked);
    }
  }

  private finish(name: string, end: ItemEnd): void {
    const item = this.items.get(name);
    if (item === undefined || item.ended) return;
    item.ended = true;
    item.end.resolve(end);
  }

  private notRun(item: Tracked): void {
    if (item.started || item.ended) return;
    item.ended = true;
    item.start.resolve(false);
    item.end.resolve({ kind: 'not-run' });
  }
}
