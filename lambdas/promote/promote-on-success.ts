import * as z from 'zod';
import type { PromoteOutput } from '../../lib/contracts/deploy-lock';
import { InvalidStatusChangeEvent, statusChangeEventSchema } from '../shared/status-change-event';
import { handlePromote, type PromoteDeps } from './handle-promote';

export interface PromoteOnSuccessDeps extends PromoteDeps {
  /** The deploy pipeline's state machine; events of any other are ignored. */
  readonly stateMachineArn: string;
  /** The execution's input and output (`DescribeExecution`), for an event that left them out. */
  readonly describe: (executionArn: string) => Promise<{ readonly input?: string; readonly output?: string }>;
}

export type PromoteOnSuccessResult =
  | PromoteOutput
  | {
      readonly skipped: 'other-state-machine' | 'not-succeeded' | 'superseded' | 'rollback-request' | 'no-output';
    };

/** The parts of a succeeded run's final state that decide its promotion. */
const finalStateSchema = z.looseObject({
  superseded: z.unknown().optional(),
  rollbackRequest: z.unknown().optional(),
  verify: z.looseObject({ image: z.unknown().optional() }).optional(),
});

/**
 * Promotion, driven by the pipeline's "Step Functions Execution Status Change" event with status
 * SUCCEEDED (an EventBridge rule; no state of the run is spent on it, and the run's success is not
 * held up by it). A run that deployed its commit starts the runs of the environments that promote
 * from its environment ({@link handlePromote}: same commit, the image its Verify branch built or
 * was promoted with, an execution name derived from this run, so a redelivered event starts
 * nothing twice). A run replaced by a newer push (`superseded`) or a requested rollback promotes
 * nothing.
 *
 * @throws InvalidStatusChangeEvent for an event that is not a Step Functions status change.
 * @throws InvalidPromotion (from {@link handlePromote}) for a run input that is not an execution input.
 */
export async function handlePromoteOnSuccess(
  event: unknown,
  deps: PromoteOnSuccessDeps,
): Promise<PromoteOnSuccessResult> {
  const parsed = statusChangeEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidStatusChangeEvent(
      `not a Step Functions Execution Status Change event: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`,
    );
  }
  const { detail } = parsed.data;
  if (detail.stateMachineArn !== deps.stateMachineArn) return { skipped: 'other-state-machine' };
  if (detail.status !== 'SUCCEEDED') return { skipped: 'not-succeeded' };

  let { input, output } = detail;
  if (input == null || output == null) {
    const described = await deps.describe(detail.executionArn);
    input ??= described.input;
    output ??= described.output;
  }
  if (input == null || output == null) {
    deps.logger.warn('no input or output for a succeeded run: nothing promoted', { execution: detail.name });
    return { skipped: 'no-output' };
  }
  const state = finalStateSchema.safeParse(JSON.parse(output));
  if (!state.success) return { skipped: 'no-output' };
  if (state.data.superseded !== undefined) return { skipped: 'superseded' };
  if (state.data.rollbackRequest !== undefined) return { skipped: 'rollback-request' };
  return handlePromote(
    { run: JSON.parse(input), executionArn: detail.executionArn, image: state.data.verify?.image ?? null },
    deps,
  );
}
