import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DescribeExecutionOutput, HistoryEvent } from '@aws-sdk/client-sfn';

export const EXECUTION_FIXTURES = join(__dirname, '..', '..', 'fixtures', 'executions');

/**
 * One stored execution: the `DescribeExecution` response body and the `GetExecutionHistory`
 * response pages, exactly as the Step Functions JSON protocol carries them (timestamps are epoch
 * seconds). See test/fixtures/executions/README.md.
 */
export interface ExecutionFixture {
  readonly description: string;
  readonly describeExecution: Record<string, unknown> & { executionArn: string; name: string; status: string };
  readonly historyPages: { events: Record<string, unknown>[]; nextToken?: string }[];
}

export const FIXTURE_NAMES = readdirSync(EXECUTION_FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

export function loadFixture(name: string): ExecutionFixture {
  return JSON.parse(readFileSync(join(EXECUTION_FIXTURES, `${name}.json`), 'utf8')) as ExecutionFixture;
}

const date = (seconds: unknown) => (typeof seconds === 'number' ? new Date(seconds * 1000) : undefined);

/** The fixture as the SDK hands it to code (timestamps as Date), for tests that skip the wire. */
export function asSdk(fixture: ExecutionFixture): { describe: DescribeExecutionOutput; events: HistoryEvent[] } {
  const d = fixture.describeExecution;
  const describe = {
    ...d,
    startDate: date(d.startDate),
    stopDate: date(d.stopDate),
    redriveDate: date(d.redriveDate),
  } as DescribeExecutionOutput;
  const events = fixture.historyPages
    .flatMap((p) => p.events)
    .map((e) => ({ ...e, timestamp: date(e.timestamp) }) as HistoryEvent);
  return { describe, events };
}
