/**
 * The deploy lock's states as docs/deploy-lock.md suggests wiring them, around one stand-in `Deploy`
 * Task for everything the pipeline does while it holds the lock. JSONPath only (no `Assign`, no
 * JSONata), so aws-local-stepfunctions runs it with the real handlers behind the Task states.
 */

export const LOCK_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:deploy-lock';
export const DEPLOY_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:deploy-stand-in';
export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:pipeline-events';

/** Transient Lambda errors, and a lock call that lost every compare-and-swap race. */
const LOCK_RETRY = [
  {
    ErrorEquals: [
      'LockContention',
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
    ],
    IntervalSeconds: 1,
    MaxAttempts: 5,
    BackoffRate: 2,
    JitterStrategy: 'FULL',
  },
];

/**
 * Waiting for the lock: `acquire` throws `LockBusy` while another run holds it or is ahead, and
 * this retrier asks again (WIRING-SPEC: no Choice or Wait state for the wait). Step Functions caps
 * `MaxAttempts` at 99999999 ("Retrying after an error", Step Functions Developer Guide).
 */
export const LOCK_BUSY_RETRY = {
  ErrorEquals: ['LockBusy'],
  IntervalSeconds: 5,
  BackoffRate: 1.5,
  MaxDelaySeconds: 60,
  MaxAttempts: 99999999,
  JitterStrategy: 'FULL',
};

const lockTarget = {
  'service.$': '$.service',
  'environment.$': '$.environment',
  'executionArn.$': '$$.Execution.Id',
};

export const LOCK_WORKFLOW = {
  Comment: 'AcquireLock (its Retry on LockBusy is the wait) ... ReleaseLock on every exit path.',
  StartAt: 'AcquireLock',
  States: {
    AcquireLock: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: LOCK_FUNCTION_ARN,
        Payload: {
          action: 'acquire',
          ...lockTarget,
          'commit.$': '$.source.commit',
          'startedAt.$': '$$.Execution.StartTime',
        },
      },
      ResultSelector: {
        'acquired.$': '$.Payload.acquired',
        'position.$': '$.Payload.position',
        'waitSeconds.$': '$.Payload.waitSeconds',
        'fencingToken.$': '$.Payload.fencingToken',
        'policy.$': '$.Payload.policy',
      },
      ResultPath: '$.lock',
      Retry: [LOCK_BUSY_RETRY, ...LOCK_RETRY],
      Catch: [
        { ErrorEquals: ['LockSuperseded'], ResultPath: '$.superseded', Next: 'ReadSuperseded' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ReleaseLock' },
      ],
      Next: 'Deploy',
    },
    Deploy: {
      Type: 'Task',
      Comment: 'Stands for every stage from NotifyStarted to VerifyDeployment.',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: DEPLOY_FUNCTION_ARN,
        Payload: { 'commit.$': '$.source.commit', 'fencingToken.$': '$.lock.fencingToken' },
      },
      ResultSelector: { 'result.$': '$.Payload' },
      ResultPath: '$.deploy',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ReleaseLock' }],
      Next: 'ReleaseLock',
    },
    ReadSuperseded: {
      Type: 'Pass',
      Comment: "LockSuperseded's cause is JSON naming the execution and commit that replaced this run.",
      Parameters: { 'by.$': 'States.StringToJson($.superseded.Cause)' },
      ResultPath: '$.superseded',
      Next: 'ReleaseLock',
    },
    ReleaseLock: {
      Type: 'Task',
      Comment: 'Every exit path passes here. LockNotHeld (the lock was taken over) is recorded, not fatal.',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: LOCK_FUNCTION_ARN, Payload: { action: 'release', ...lockTarget } },
      ResultSelector: { 'outcome.$': '$.Payload.outcome' },
      ResultPath: '$.lockRelease',
      Retry: LOCK_RETRY,
      Catch: [{ ErrorEquals: ['LockNotHeld'], ResultPath: '$.lockRelease', Next: 'ChooseExit' }],
      Next: 'ChooseExit',
    },
    ChooseExit: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.superseded', IsPresent: true, Next: 'NotifySuperseded' },
        { Variable: '$.error', IsPresent: true, Next: 'Fail' },
      ],
      Default: 'Succeeded',
    },
    NotifySuperseded: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish',
      Parameters: {
        TopicArn: TOPIC_ARN,
        Message: {
          event: 'superseded',
          'execution.$': '$$.Execution.Name',
          'commit.$': '$.source.commit',
          'supersededBy.$': '$.superseded.by.supersededBy',
        },
      },
      ResultPath: null,
      Next: 'Superseded',
    },
    Superseded: { Type: 'Succeed' },
    Succeeded: { Type: 'Succeed' },
    Fail: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
  },
};
