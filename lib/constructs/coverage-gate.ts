import { Arn, Duration, Stack } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeFindings, acknowledgePrefixRead, nagAccount, nagRegion } from '../nag/acknowledge';
import { PipelineFunction } from './pipeline-function';

/**
 * Memory of the gate function. The parser streams, so peak memory stays near the Node baseline whatever
 * the report size (docs/BENCHMARKS.md); Lambda CPU scales with memory, and 512 MB parses a
 * 100 MB report well within the timeout.
 */
export const COVERAGE_GATE_DEFAULT_MEMORY_MB = 512;

export interface CoverageGateProps {
  /** Bucket holding `runs/<execution>/coverage/*` (written by RunTests) and `baselines/*`. */
  readonly artifactsBucket: s3.IBucket;
  /** Days the function's log group keeps logs. */
  readonly logRetention: logs.RetentionDays;
  /** @default 512 (see COVERAGE_GATE_DEFAULT_MEMORY_MB) */
  readonly memorySize?: number;
  /**
   * Name prefix of the CodeBuild report groups whose coverage summary the gate may cross-check
   * (`codebuild:BatchGetReports`).
   */
  readonly reportGroupNamePrefix: string;
  /** The run-tests project, whose builds the gate reads to find their coverage report. */
  readonly runTestsProject?: codebuild.IProject;
  /** @default 2 minutes */
  readonly timeout?: Duration;
}

/** The CoverageGate Lambda: reads the coverage report, diff and baseline, and judges the policy. */
export class CoverageGate extends Construct {
  readonly function: PipelineFunction;

  constructor(scope: Construct, id: string, props: CoverageGateProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9_-]+$/.test(props.reportGroupNamePrefix)) {
      throw new Error(
        `reportGroupNamePrefix must be letters, digits, '-' or '_', got "${props.reportGroupNamePrefix}"`,
      );
    }
    this.function = new PipelineFunction(this, 'Handler', {
      handlerDir: 'coverage-gate',
      description: 'CoverageGate: judges the RunTests coverage report against the environment policy',
      memorySize: props.memorySize ?? COVERAGE_GATE_DEFAULT_MEMORY_MB,
      timeout: props.timeout ?? Duration.minutes(2),
      logRetention: props.logRetention,
    });
    const fn = this.function;
    props.artifactsBucket.grantRead(fn, 'runs/*');
    props.artifactsBucket.grantRead(fn, 'baselines/*');
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['codebuild:BatchGetReports'],
        resources: [
          Arn.format(
            { service: 'codebuild', resource: 'report-group', resourceName: `${props.reportGroupNamePrefix}*` },
            Stack.of(this),
          ),
        ],
      }),
    );
    if (props.runTestsProject) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['codebuild:BatchGetBuilds'],
          resources: [props.runTestsProject.projectArn],
        }),
      );
    }
    const role = fn.role as iam.IRole;
    acknowledgePrefixRead(
      role,
      props.artifactsBucket,
      ['runs', 'baselines'],
      'Reads run artifacts and coverage baselines only.',
    );
    acknowledgeFindings(
      role,
      'AwsSolutions-IAM5',
      [
        `Resource::arn:<AWS::Partition>:codebuild:${nagRegion(this)}:${nagAccount(this)}:report-group/${props.reportGroupNamePrefix}*`,
      ],
      'BatchGetReports on the pipeline’s own coverage report groups, whose report names are generated.',
    );
  }
}
