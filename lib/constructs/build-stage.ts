import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import type { DeployNetwork } from '../contracts/pipeline-config';
import { type BuildComputeType, codeBuildEnvironmentOf, isLambdaCompute } from '../contracts/pricing';
import { acknowledgeFindings, nagAccount, nagRef, nagRegion } from '../nag/acknowledge';

export const BUILDSPEC_DIR = join(__dirname, '..', 'buildspecs');

/** Reads `lib/buildspecs/<name>.yml` into an object. */
export function readBuildspec(name: string): Record<string, unknown> {
  return parse(readFileSync(join(BUILDSPEC_DIR, `${name}.yml`), 'utf8')) as Record<string, unknown>;
}

/** The CodeBuild image of a compute type: the standard image on EC2, the Node.js 22 Lambda image on Lambda compute. */
function buildImageFor(compute: BuildComputeType): codebuild.IBuildImage {
  const { type } = codeBuildEnvironmentOf(compute);
  if (type === 'LINUX_LAMBDA_CONTAINER') return codebuild.LinuxLambdaBuildImage.AMAZON_LINUX_2023_NODE_22;
  if (type === 'ARM_LAMBDA_CONTAINER') return codebuild.LinuxArmLambdaBuildImage.AMAZON_LINUX_2023_NODE_22;
  if (type === 'ARM_CONTAINER') return codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0;
  return codebuild.LinuxBuildImage.STANDARD_7_0;
}

/** The `codebuild.ComputeType` member of a compute type (`BUILD_GENERAL1_SMALL` -> `SMALL`). */
function computeTypeKey(compute: BuildComputeType): keyof typeof codebuild.ComputeType {
  const value = codeBuildEnvironmentOf(compute).computeType;
  const key = (Object.keys(codebuild.ComputeType) as (keyof typeof codebuild.ComputeType)[]).find(
    (k) => codebuild.ComputeType[k] === value,
  );
  if (key === undefined) throw new Error(`no CodeBuild compute type ${value}`);
  return key;
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
  /** Run the builds inside this VPC (to reach a private EKS endpoint). @default no VPC */
  readonly network?: DeployNetwork;
  /** Project name suffix when one buildspec has several projects. @default the buildspec name */
  readonly nameSuffix?: string;
  /**
   * The compute the builds run on (`build.compute` of the configuration). Lambda compute gets the
   * Amazon Linux 2023 Node.js 22 Lambda image, no timeout and no cache (CodeBuild refuses both there).
   * @default 'ec2-small'
   */
  readonly compute?: BuildComputeType;
  /** Build cache (EC2 compute only). @default none */
  readonly cache?: codebuild.Cache;
  /** Edit the parsed buildspec before use (e.g. bind a report group ARN). */
  readonly transformBuildspec?: (spec: Record<string, unknown>) => Record<string, unknown>;
}

/**
 * One CodeBuild stage of the pipeline: a project with an inline buildspec from `lib/buildspecs/`, its
 * own role (unless it acts as another stage's identity) and encrypted log group. Projects have no source of their own: each run overrides the
 * source with the service's repository and commit, so one project serves every service.
 */
export class BuildStage extends Construct {
  readonly project: codebuild.Project;
  readonly logGroup: logs.LogGroup;
  readonly projectName: string;
  /** The buildspec as a JSON document (may hold tokens), also passed as `BuildspecOverride` per run. */
  readonly buildspecJson: string;
  /** The compute the builds run on. */
  readonly compute: BuildComputeType;

  constructor(scope: Construct, id: string, props: BuildStageProps) {
    super(scope, id);
    this.projectName = BuildStage.projectNameFor(Stack.of(this).stackName, props.nameSuffix ?? props.buildspec);
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
    const compute = props.compute ?? 'ec2-small';
    const onLambda = isLambdaCompute(compute);
    // "AWS Lambda doesn't support caching, custom build timeouts, queue timeout, build badges, privileged
    // mode, ..." and "AWS Lambda doesn't support VPC connectivity, ..." (CodeBuild User Guide, Limitations
    // of AWS Lambda compute, https://docs.aws.amazon.com/codebuild/latest/userguide/lambda.html#lambda.limitations).
    if (onLambda && (props.privileged || props.network)) {
      const why = props.privileged ? 'privileged mode (Docker)' : 'VPC connectivity';
      throw new Error(
        `${id}: "${compute}" is CodeBuild Lambda compute, which does not support ${why}; choose EC2 compute`,
      );
    }
    this.compute = compute;
    this.project = new codebuild.Project(this, 'Project', {
      projectName: this.projectName,
      description: props.description,
      buildSpec: codebuild.BuildSpec.fromObject(spec),
      environment: {
        buildImage: buildImageFor(compute),
        computeType: codebuild.ComputeType[computeTypeKey(compute)],
        ...(onLambda ? {} : { privileged: props.privileged ?? false }),
        environmentVariables: Object.fromEntries(
          Object.entries(props.environment ?? {}).map(([k, value]) => [k, { value }]),
        ),
      },
      encryptionKey: props.encryptionKey,
      role: props.role,
      ...(props.network ? this.vpcPlacement(props.network) : {}),
      ...(onLambda ? {} : { timeout: props.timeout ?? Duration.minutes(60) }),
      ...(props.cache === undefined || onLambda ? {} : { cache: props.cache }),
      logging: { cloudWatch: { logGroup: this.logGroup } },
    });
    if (props.network) {
      const reason =
        'CodeBuild in a VPC manages its own network interfaces; EC2 offers no narrower resource for these calls.';
      acknowledgeFindings(this.project, 'AwsSolutions-IAM5', ['Resource::*'], reason);
      acknowledgeFindings(
        this.role,
        'AwsSolutions-IAM5',
        // CodeBuild writes this ARN with the AWS::Region pseudo parameter even when the stack's region is known.
        ['Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*'],
        reason,
      );
    }
    const ref = nagRef(this.project.node.defaultChild as CfnResource);
    const where = `<AWS::Partition>:%s:${nagRegion(this)}:${nagAccount(this)}`;
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

  /** The VPC, subnets and security groups Terraform made for deploy builds (`deploy_network`). */
  private vpcPlacement(network: DeployNetwork) {
    return {
      // Only the id is needed: subnets and security groups are named explicitly.
      vpc: ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: network.vpcId, availabilityZones: ['-'] }),
      subnetSelection: { subnets: network.subnetIds.map((id) => ec2.Subnet.fromSubnetId(this, id, id)) },
      securityGroups: network.securityGroupIds.map((id) =>
        ec2.SecurityGroup.fromSecurityGroupId(this, id, id, { mutable: false }),
      ),
    };
  }

  /** Project names are fixed so roles can name the project that may assume them without a cycle. */
  static projectNameFor(stackName: string, stage: string): string {
    return `${stackName}-${stage}`.slice(0, 150);
  }

  get role(): iam.IRole {
    return this.project.role as iam.IRole;
  }
}
