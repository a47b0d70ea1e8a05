import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionFixture } from './execution-fixtures';

/**
 * A Step Functions endpoint (JSON 1.0 protocol, `X-Amz-Target: AWSStepFunctions.<Operation>`) that
 * answers from stored executions: moto_server cannot (its GetExecutionHistory returns one fixed fake
 * history and ignores paging; it has no RedriveExecution). It serves ListExecutions, DescribeExecution,
 * GetExecutionHistory (page by page, following `nextToken` exactly as recorded) and RedriveExecution;
 * anything else is an error, so a test can never pass through a call it did not expect.
 */
export interface FixtureServer {
  readonly endpoint: string;
  /** Every call: operation and request body. */
  readonly calls: { operation: string; body: Record<string, unknown> }[];
  /**
   * Serves `snapshots` for an execution: each `DescribeExecution` moves to the next snapshot (the
   * last one stays), so a running execution can progress while a test watches it.
   */
  add(...snapshots: ExecutionFixture[]): void;
  stop(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(body));
}

function error(res: ServerResponse, type: string, message: string): void {
  send(res, 400, { __type: `com.amazonaws.states#${type}`, message });
}

export async function startFixtureServer(): Promise<FixtureServer> {
  // `served`: the snapshot the last DescribeExecution answered with, which GetExecutionHistory then pages.
  const executions = new Map<string, { snapshots: ExecutionFixture[]; served: number }>();
  const calls: FixtureServer['calls'] = [];
  const current = (arn: string) => {
    const entry = executions.get(arn);
    return entry === undefined ? undefined : (entry.snapshots[Math.max(entry.served, 0)] as ExecutionFixture);
  };

  const handle = (operation: string, body: Record<string, unknown>, res: ServerResponse) => {
    const arn = String(body.executionArn ?? '');
    switch (operation) {
      case 'DescribeExecution': {
        const entry = executions.get(arn);
        if (entry === undefined) return error(res, 'ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
        entry.served = Math.min(entry.served + 1, entry.snapshots.length - 1);
        return send(res, 200, (entry.snapshots[entry.served] as ExecutionFixture).describeExecution);
      }
      case 'GetExecutionHistory': {
        const fixture = current(arn);
        if (fixture === undefined) return error(res, 'ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
        const token = body.nextToken;
        const index =
          token === undefined
            ? 0
            : fixture.historyPages.findIndex((_, i) => fixture.historyPages[i - 1]?.nextToken === token);
        if (index < 0) return error(res, 'InvalidToken', `Invalid Token: '${String(token)}'`);
        return send(res, 200, fixture.historyPages[index]);
      }
      case 'ListExecutions': {
        const machine = String(body.stateMachineArn ?? '');
        const list = [...executions.keys()]
          .map((key) => current(key)?.describeExecution)
          .filter((d) => d !== undefined && d.stateMachineArn === machine)
          .sort((a, b) => Number(b?.startDate) - Number(a?.startDate))
          .map((d) => ({
            executionArn: d?.executionArn,
            stateMachineArn: d?.stateMachineArn,
            name: d?.name,
            status: d?.status,
            startDate: d?.startDate,
            ...(d?.stopDate === undefined ? {} : { stopDate: d.stopDate }),
          }));
        return send(res, 200, { executions: list });
      }
      case 'RedriveExecution': {
        const fixture = current(arn);
        if (fixture === undefined) return error(res, 'ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
        return send(res, 200, { redriveDate: Date.now() / 1000 });
      }
      default:
        return error(res, 'UnknownOperationException', `the fixture server does not serve ${operation}`);
    }
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      calls.push({ operation, body });
      handle(operation, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    add(...snapshots) {
      const arn = snapshots[0]?.describeExecution.executionArn;
      if (arn === undefined) throw new Error('add() needs at least one snapshot');
      executions.set(arn, { snapshots, served: -1 });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
