import { DescribeAlarmHistoryCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ExecutionAlreadyExists, StartExecutionCommand, type StartExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { handleApproval } from '../../lambdas/approval/handle-approval';
import { handlePromote } from '../../lambdas/promote/handle-promote';
import { handleRollback } from '../../lambdas/rollback/handle-rollback';
import { handleVerify } from '../../lambdas/verify-deployment/handle-verify';
import type { ApprovalDecision } from '../contracts/deploy-lock';
import { ErrorName } from '../contracts/error-names';
import { TaskFailure } from './codebuild-results';
import type { LocalLambda, LocalLambdaContext } from './lambda-tasks';
import { StageLogger } from './stage-logger';

/**
 * The release side of the workflow as a local run plays it: approval, the bake's check, the
 * rollback decision and promotion, each the function's own handler. What only AWS or a person can
 * answer comes from the scenario's wishes (`LocalLambdaContext.wishes`), and each stand-in says so
 * in the stage's log.
 */

/** An error with the name Step Functions matches (what a Lambda's `errorType` becomes). */
function namedError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

/**
 * `WaitForApproval`: the approval function stores the token and builds its `approval_requested`
 * message; a local run has nobody to ask, so the scenario answers (`{ answer: 'approve' | 'reject' |
 * 'timeout' }`, default `approve`) as `deployctl approve|reject` or the state's timeout would.
 */
const waitForApproval: LocalLambda = {
  source: 'lambdas/approval/handle-approval.ts',
  reason: 'real approval request (lambdas/approval) on the local lock table; the answer comes from the scenario',
  async invoke(payload, ctx): Promise<ApprovalDecision> {
    const message = await handleApproval(payload, {
      store: ctx.lock.table,
      policyOf: (service, environment) => ctx.lock.policyOf(service, environment),
      publish: async (m) => ctx.log(`INFO approval_requested: ${m.approveCommand} | ${m.rejectCommand}`),
      now: () => ctx.now(),
      logger: StageLogger.to((line) => ctx.log(line), 'approval'),
    });
    const answer = String(ctx.wishes.answer ?? 'approve');
    const at = ctx.now().toISOString();
    if (answer === 'reject') {
      ctx.log(`INFO rejected by the scenario (as ${message.rejectCommand})`);
      throw namedError(
        ErrorName.ApprovalRejected,
        JSON.stringify({ rejectedBy: 'deployctl local', at, reason: 'rejected by the local scenario' }),
      );
    }
    if (answer === 'timeout') {
      ctx.log('INFO nobody answered: the wait times out');
      throw new TaskFailure('States.Timeout', 'the approval wait timed out');
    }
    ctx.log(`INFO approved by the scenario (as ${message.approveCommand})`);
    return { approved: true, by: 'deployctl local', at, comment: 'approved by the local scenario' };
  },
};

/**
 * `VerifyDeployment`: the verify function's own check against a local CloudWatch stand-in whose
 * alarms the scenario sets (`{ alarms: { '<name>': 'ALARM' | 'OK' } }`, each with its history of one
 * state update during the bake); `/version` is the deploy build's `DEPLOYED_COMMIT`.
 */
const verifyDeployment: LocalLambda = {
  source: 'lambdas/verify-deployment/handle-verify.ts',
  reason: 'real check (lambdas/verify-deployment); CloudWatch alarms from the scenario',
  async invoke(payload, ctx) {
    const alarms = (ctx.wishes.alarms ?? {}) as Readonly<Record<string, 'ALARM' | 'OK'>>;
    return handleVerify(payload, {
      cloudwatch: localCloudWatch(alarms, ctx),
      readVersion: async (url) => ({ kind: 'unreachable', detail: `${url} is not reachable from a local run` }),
      logger: StageLogger.to((line) => ctx.log(line), 'verify-deployment'),
      now: () => ctx.now(),
    });
  },
};

/** A CloudWatch client stand-in answering DescribeAlarms and DescribeAlarmHistory from the scenario's alarms. */
function localCloudWatch(alarms: Readonly<Record<string, 'ALARM' | 'OK'>>, ctx: LocalLambdaContext) {
  return {
    async send(command: unknown) {
      const at = ctx.now();
      if (command instanceof DescribeAlarmsCommand) {
        const names = command.input.AlarmNames ?? [];
        return {
          MetricAlarms: names
            .filter((n) => n in alarms)
            .map((n) => ({ AlarmName: n, StateValue: alarms[n], StateUpdatedTimestamp: at })),
          CompositeAlarms: [],
        };
      }
      if (command instanceof DescribeAlarmHistoryCommand) {
        const name = command.input.AlarmName ?? '';
        return {
          AlarmHistoryItems:
            alarms[name] === undefined
              ? []
              : [
                  {
                    AlarmName: name,
                    AlarmType: 'MetricAlarm',
                    HistoryItemType: 'StateUpdate',
                    Timestamp: at,
                    HistorySummary: `Alarm updated from OK to ${alarms[name]}`,
                  },
                ],
        };
      }
      throw new Error('the local CloudWatch stand-in answers DescribeAlarms and DescribeAlarmHistory only');
    },
  } as never;
}

/** `Rollback`: the rollback function's own decision (it calls no AWS API). */
const rollback: LocalLambda = {
  source: 'lambdas/rollback/handle-rollback.ts',
  async invoke(payload, ctx) {
    return handleRollback(payload, { logger: StageLogger.to((line) => ctx.log(line), 'rollback') });
  },
};

/**
 * `Promote`: the promote function's own logic; its `StartExecution` goes to a stand-in that records
 * the run it would start (a local run starts no other execution) and answers as Step Functions does.
 */
const promote: LocalLambda = {
  source: 'lambdas/promote/handle-promote.ts',
  reason: 'real promotion (lambdas/promote); the target runs are recorded, not started',
  async invoke(payload, ctx) {
    const started = new Set<string>();
    const sfn = {
      async send(command: unknown): Promise<Partial<StartExecutionCommandOutput>> {
        if (!(command instanceof StartExecutionCommand))
          throw new Error('the local Step Functions stand-in only starts');
        const { stateMachineArn = '', name = '', input = '{}' } = command.input;
        if (started.has(name)) throw new ExecutionAlreadyExists({ message: name, $metadata: {} });
        started.add(name);
        const target = JSON.parse(input) as { environment?: string; image?: { digest?: string } };
        ctx.log(`INFO would start ${name} (${target.environment}, image ${target.image?.digest ?? 'none'})`);
        return { executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}` };
      },
    };
    return handlePromote(payload, {
      config: ctx.config,
      sfn: sfn as never,
      logger: StageLogger.to((line) => ctx.log(line), 'promote'),
    });
  },
};

/** The release states' local functions, by state name. */
export const LOCAL_RELEASE_LAMBDAS: Readonly<Record<string, LocalLambda>> = {
  WaitForApproval: waitForApproval,
  VerifyDeployment: verifyDeployment,
  Rollback: rollback,
  Promote: promote,
};
