import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  type ExecutionStatus,
  paginateListExecutions,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { nameMayMatch } from './execution-name-parts';
import { mapLimit } from './map-limit';
import { type RunInfo, runInfoOf } from './run-input';

/** One run as `history` lists it. */
export interface RunRow {
  readonly name: string;
  readonly executionArn: string;
  readonly status: string;
  readonly startedAt: Date | null;
  readonly stoppedAt: Date | null;
  /** From the execution input; null when it is not a pipeline input. */
  readonly run: RunInfo | null;
}

export interface RunFilter {
  readonly service?: string;
  readonly environment?: string;
  readonly status?: ExecutionStatus;
  /** How many runs to return at most. */
  readonly limit: number;
}

export interface ListRunsOptions {
  /** `DescribeExecution` calls in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Executions listed at most before giving up the search (newest first). @default 10000 */
  readonly maxListed?: number;
}

export interface ListedRuns {
  readonly runs: RunRow[];
  /** True when `maxListed` executions were read before `limit` runs matched. */
  readonly truncated: boolean;
}

/**
 * ListExecutions' page size ceiling ("The maximum allowed page size is 1000", Step Functions API
 * Reference, ListExecutions, maxResults); the SDK paginator asks for this much each call.
 */
const LIST_PAGE_SIZE = 1000;

/**
 * Recent runs of the state machine, newest first: `ListExecutions` page by page, the names
 * filtered cheaply (`nameMayMatch`), then `DescribeExecution` (at most `concurrency` at once) for the
 * input that says service, environment, commit, author and trigger. Stops at `limit` matches.
 */
export async function listRuns(
  sfn: SFNClient,
  stateMachineArn: string,
  filter: RunFilter,
  options: ListRunsOptions = {},
): Promise<ListedRuns> {
  const concurrency = options.concurrency ?? 8;
  const maxListed = options.maxListed ?? 10_000;
  const runs: RunRow[] = [];
  let listed = 0;
  const pageSize = Math.min(LIST_PAGE_SIZE, Math.max(filter.limit, filter.service || filter.environment ? 100 : 1));
  const pages = paginateListExecutions(
    { client: sfn, pageSize },
    { stateMachineArn, ...(filter.status === undefined ? {} : { statusFilter: filter.status }) },
  );
  for await (const page of pages) {
    const items = (page.executions ?? []).slice(0, maxListed - listed);
    listed += items.length;
    const candidates = items.filter((e: ExecutionListItem) => nameMayMatch(e.name ?? '', filter));
    // Describe in batches no larger than what is still needed, so a short history costs few calls.
    for (let i = 0; i < candidates.length && runs.length < filter.limit; ) {
      const batch = candidates.slice(i, i + Math.max(concurrency, filter.limit - runs.length));
      i += batch.length;
      const described = await mapLimit(batch, concurrency, async (item) => {
        try {
          return await sfn.send(new DescribeExecutionCommand({ executionArn: item.executionArn }));
        } catch (err) {
          // Listed, then gone (Step Functions keeps closed executions 90 days): not a run any more.
          if ((err as Error).name === 'ExecutionDoesNotExist') return undefined;
          throw err;
        }
      });
      for (const [index, d] of described.entries()) {
        const item = batch[index] as ExecutionListItem;
        const run = runInfoOf(d?.input);
        if (d === undefined) continue;
        if (filter.service !== undefined && run?.service !== filter.service) continue;
        if (filter.environment !== undefined && run?.environment !== filter.environment) continue;
        runs.push({
          name: item.name ?? '',
          executionArn: item.executionArn ?? '',
          status: d.status ?? item.status ?? 'UNKNOWN',
          startedAt: d.startDate ?? item.startDate ?? null,
          stoppedAt: d.stopDate ?? item.stopDate ?? null,
          run,
        });
        if (runs.length >= filter.limit) break;
      }
    }
    if (runs.length >= filter.limit) return { runs, truncated: false };
    if (listed >= maxListed) return { runs, truncated: true };
  }
  return { runs, truncated: false };
}
