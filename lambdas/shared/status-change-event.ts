import * as z from 'zod';

/**
 * The EventBridge event Step Functions sends when a Standard workflow's execution changes status
 * (`source: aws.states`, `detail-type: Step Functions Execution Status Change`). `detail` carries what
 * `DescribeExecution` returns; `input` is left out (`inputDetails.included: false`) when input and
 * output together exceed 248 KB ("EventBridge (CloudWatch Events) for Step Functions execution status
 * changes", Step Functions Developer Guide), and so is `output`. Only the fields the watchdog and the
 * promotion read are checked.
 */
export const statusChangeEventSchema = z.looseObject({
  source: z.literal('aws.states'),
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.looseObject({
    executionArn: z.string().min(1),
    stateMachineArn: z.string().min(1),
    name: z.string().min(1),
    status: z.string().min(1),
    input: z.string().nullable().optional(),
    inputDetails: z.looseObject({ included: z.boolean().optional() }).nullable().optional(),
    /** The execution's output (a SUCCEEDED run's final state), left out like `input` when too large. */
    output: z.string().nullable().optional(),
  }),
});
export type StatusChangeEvent = z.infer<typeof statusChangeEventSchema>;

/** The event is not a Step Functions status change; the message names what is wrong. */
export class InvalidStatusChangeEvent extends Error {
  override readonly name = 'InvalidStatusChangeEvent';
}

/** What the watchdog reads from the execution's input: which lock it could hold. */
export const lockTargetSchema = z.looseObject({ service: z.string().min(1), environment: z.string().min(1) });
