import * as z from 'zod';
import { type ExecutionInput, executionInputSchema } from '../../../lib/contracts/execution-input';
import { executionName } from '../execution-name';
import type { Changes } from './classify-changes';
import { ExecutionInputTooLarge, fitExecutionInput } from './fit-execution-input';
import type { PlannedExecution } from './push-decision';

/** The execution input could not be built from what the event or the caller gave. */
export class InvalidExecutionInput extends Error {
  override readonly name = 'InvalidExecutionInput';
}

export interface ExecutionInputParts {
  readonly service: string;
  readonly environment: string;
  readonly trigger: ExecutionInput['trigger'];
  readonly source: ExecutionInput['source'];
  readonly changes: Changes;
  readonly image?: ExecutionInput['image'];
  /** A person's rollback request (`trigger: "rollback"`, `deployctl rollback`). @default none */
  readonly rollbackRequest?: ExecutionInput['rollbackRequest'];
}

/**
 * The one place every trigger (webhook, CodeCommit, `deployctl run` and `rollback`) turns into an execution:
 * validates the input against the shared schema, fits it into Step Functions' input limit (UTF-8 bytes of
 * the whole input; `fitExecutionInput` says what is trimmed in which order) and names the execution from
 * the delivery id.
 *
 * @throws InvalidExecutionInput when a field is invalid, or when the fields that are never trimmed alone
 *   exceed the budget.
 */
export function buildExecutionInput(parts: ExecutionInputParts): PlannedExecution {
  const result = executionInputSchema.safeParse({
    service: parts.service,
    environment: parts.environment,
    trigger: parts.trigger,
    source: parts.source,
    changes: parts.changes,
    ...(parts.image === undefined ? {} : { image: parts.image }),
    ...(parts.rollbackRequest === undefined ? {} : { rollbackRequest: parts.rollbackRequest }),
  });
  if (!result.success) {
    throw new InvalidExecutionInput(`invalid execution input: ${z.prettifyError(result.error).replace(/\n/g, '; ')}`);
  }
  let fitted: ReturnType<typeof fitExecutionInput>;
  try {
    fitted = fitExecutionInput(result.data);
  } catch (err) {
    if (err instanceof ExecutionInputTooLarge) throw new InvalidExecutionInput(err.message);
    throw err;
  }
  const name = executionName({
    service: parts.service,
    environment: parts.environment,
    commit: parts.source.commit,
    deliveryId: parts.source.deliveryId,
  });
  return {
    service: parts.service,
    environment: parts.environment,
    name,
    input: fitted.input,
    ...(fitted.trimmed.length === 0 ? {} : { trimmed: fitted.trimmed }),
  };
}
