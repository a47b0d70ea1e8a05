import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { acknowledgeFindings, nagRef, nagRegion } from '../nag/acknowledge';

export const BUILDSPEC_DIR = join(__dirname, '..', 'buildspecs');

/** Reads `lib/buildspecs/<name>.yml` into an object. */
export function readBuildspec(name: string): Record<string, unknown> {
  return parse(readFileSync(join(BUILDSPEC_DIR, `${name}.yml`), 'utf8')) as Record<string, unknown>;
}

export interface BuildStageProps {
  /** Buildspec file name under `lib/buildspecs/`, without `.yml`; also the project name suffix. */
  readonly buildspec: string;
  readonly description: string;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** Project-level environment variables (per-run values arrive as overrides). */
  readonly environment?: Record<string, string>;
  /** @default 60 minutes */
  readonly timeout?: Duration;
  /** Docker builds need privileged mode. @default false */
  readonly privileged?: boolean;
  /** Use this role instead of creating one (the Terraform apply role). */
  readonly role?: iam.IRole;
  /** Edit the parsed buildspec before use (e.g. bind a report group ARN). */
  readonly transformBuildspec?: (spec: Record<string, unknown>) => Record<string, unknown>;
}

/**
 * One CodeBuild stage of the pipeline: a project with an inline buildspec from `lib/buildspecs/`, its
 * own role and encrypted log group. Projects have no source of their own: each run overrides the
 * source with the service's repository and commit, so one project serves every service.
 */
export class BuildStage extends Construct {
  readonly project: codebuild.Project;
  readonly logGroup: logs.LogGroup;
  readonly projectName: string;
  /** The buildspec as a JSON document (may hold tokens), also passed as `BuildspecOverride` per run. */
  readonly buildspecJson: string;

  constructor(scope: Construct, id: string, props: BuildStageProps) {
    super(scope, id);
    this.projectName = BuildStage.projectNameFor(Stack.of(this).stackName, props.buildspec);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // The name CodeBuild would pick, so operators find build logs where they expect them.
      logGroupName: `/aws/codebuild/${this.projectName}`,
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const raw = readBuildspec(props.buildspec);
    const spec = props.transformBuildspec ? props.transformBuildspec(raw) : raw;
    this.buildspecJson = JSON.stringify(spec);
    this.project = new codebuild.Project(this, 'Project', {
      projectName: this.projectName,
      description: props.description,
      buildSpec: codebuild.BuildSpec.fromObject(spec),
      environment: {
        buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
        computeType: codebuild.ComputeType.SMALL,
        privileged: props.privileged ?? false,
        environmentVariables: Object.fromEntries(
          Object.entries(props.environment ?? {}).map(([k, value]) => [k, { value }]),
        ),
      },
      encryptionKey: props.encryptionKey,
      role: props.role,
      timeout: props.timeout ?? Duration.minutes(60),
      logging: { cloudWatch: { logGroup: this.logGroup } },
    });
    const ref = nagRef(this.project.node.defaultChild as CfnResource);
    const where = `<AWS::Partition>:%s:${nagRegion(this)}:<AWS::AccountId>`;
    acknowledgeFindings(
      this.role,
      'AwsSolutions-IAM5',
      [
        `Resource::arn:${where.replace('%s', 'logs')}:log-group:/aws/codebuild/${ref}:*`,
        `Resource::arn:${where.replace('%s', 'codebuild')}:report-group/${ref}-*`,
        'Action::kms:GenerateDataKey*',
        'Action::kms:ReEncrypt*',
      ],
      'CodeBuild defaults scoped to this project: its log streams, its report groups, and data keys of the pipeline key.',
    );
  }

  /** Project names are fixed so roles can name the project that may assume them without a cycle. */
  static projectNameFor(stackName: string, stage: string): string {
    return `${stackName}-${stage}`.slice(0, 150);
  }

  get role(): iam.IRole {
    return this.project.role as iam.IRole;
  }
}
