import { Aws, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { acknowledgeFindings } from '../nag/acknowledge';
import type { PipelineFunction } from './pipeline-function';

export interface ExecutionStatusRuleProps {
  /** Id of the rule in `scope`. */
  readonly ruleId: string;
  readonly description: string;
  /** The "Step Functions Execution Status Change" statuses the rule passes on. */
  readonly statuses: readonly string[];
  /** Id of the function's policy that reads (and with `canStart`, starts) the state machine's executions. */
  readonly policyId: string;
  /** The function may also start executions of the state machine. @default false */
  readonly canStart?: boolean;
  /** Why the policy names every execution of the state machine (the cdk-nag acknowledgement). */
  readonly why: string;
}

/**
 * Sends `stateMachine`'s "Step Functions Execution Status Change" events with one of `statuses` to
 * `fn` (Step Functions Developer Guide, "Automating Step Functions event delivery with EventBridge"),
 * retried 8 times over up to 6 hours; gives `fn` the state machine's ARN (`STATE_MACHINE_ARN`,
 * events of any other are ignored) and `states:DescribeExecution` on its executions (an event
 * leaves out input and output over 248 KB), in a policy of its own so the function's default policy
 * never depends on the state machine that invokes the other stages.
 */
export function followExecutionStatus(
  scope: Construct,
  fn: PipelineFunction,
  stateMachine: sfn.StateMachine,
  props: ExecutionStatusRuleProps,
): events.Rule {
  fn.addEnvironment('STATE_MACHINE_ARN', stateMachine.stateMachineArn);
  const executions = `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${stateMachine.stateMachineName}:*`;
  const policy = new iam.Policy(fn, props.policyId, {
    statements: [
      ...(props.canStart
        ? [new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachine.stateMachineArn] })]
        : []),
      new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }),
    ],
  });
  policy.attachToRole(fn.role as iam.IRole);
  acknowledgeFindings(
    policy,
    'AwsSolutions-IAM5',
    [
      `Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${Stack.of(stateMachine).resolve((stateMachine.node.defaultChild as CfnElement).logicalId)}.Name>:*`,
    ],
    props.why,
  );
  return new events.Rule(scope, props.ruleId, {
    description: props.description,
    eventPattern: {
      source: ['aws.states'],
      detailType: ['Step Functions Execution Status Change'],
      detail: { status: [...props.statuses], stateMachineArn: [stateMachine.stateMachineArn] },
    },
    targets: [new targets.LambdaFunction(fn, { retryAttempts: 8, maxEventAge: Duration.hours(6) })],
  });
}
