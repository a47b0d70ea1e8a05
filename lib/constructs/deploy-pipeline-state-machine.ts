import { Aws, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeFindings, nagArn } from '../nag/acknowledge';
import { aslPlaceholders, readDeployPipelineAsl } from '../workflow/deploy-pipeline-definition';
import { withRunTimeout } from '../workflow/run-timeout';

/** What the state machine needs from one stage (see `lib/stages/pipeline-stage.ts`). */
export interface WorkflowStage {
  /** The stage's user-facing state name, used in error messages. */
  readonly stateName: string;
  /** The ASL `${Placeholder}` values this stage fills (e.g. `RunTestsProject`, `CoverageGateFunctionArn`). */
  substitutions(): Readonly<Record<string, string>>;
  /** CodeBuild projects the workflow may start for this stage (`codebuild:startBuild.sync`). */
  readonly startedProjects: readonly codebuild.IProject[];
  /** Lambda functions the workflow invokes for this stage. */
  readonly invokedFunctions: readonly lambda.IFunction[];
}

export interface DeployPipelineStateMachineProps {
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** SSM path under which each service and environment's run settings live. */
  readonly settingsParameterPrefix: string;
  /** The pipeline's stages: together with the stack's own values they fill every ASL placeholder. */
  readonly stages: readonly WorkflowStage[];
  /** Run artifacts; the workflow writes coverage baselines under `baselines/`. */
  readonly artifactsBucket: s3.IBucket;
  /** The execution timeout (`runTimeoutSeconds` of the definition and the configuration), in seconds. */
  readonly timeoutSeconds: number;
}

/**
 * The deploy pipeline: the ASL file `state-machines/deploy-pipeline.asl.json` loaded inline (so
 * cfn-lint validates it) with its placeholders bound to this stack's resources. Standard type,
 * every event logged with execution data, X-Ray on.
 *
 * @throws Error when two providers fill the same placeholder, when the ASL has a placeholder nobody
 *   fills, or when a substitution names no placeholder of the ASL.
 */
export class DeployPipelineStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  /** The placeholders the stack fills itself, not any stage. */
  readonly stackSubstitutions: Readonly<Record<string, string>>;
  /** Every substitution given to the definition, for tests and docs. */
  readonly substitutions: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: DeployPipelineStateMachineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // Step Functions requires the /aws/vendedlogs/ prefix for large resource policies.
      logGroupName: `/aws/vendedlogs/states/${stack.stackName}-deploy-pipeline`,
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stackSubstitutions = {
      SettingsParameterPrefix: props.settingsParameterPrefix,
      ArtifactsBucket: props.artifactsBucket.bucketName,
    };
    // The execution timeout follows the configuration's longest approval wait and bake.
    const asl = withRunTimeout(readDeployPipelineAsl(), props.timeoutSeconds);
    this.substitutions = collectSubstitutions(asl, [
      { stateName: 'the stack', substitutions: () => this.stackSubstitutions },
      ...props.stages,
    ]);
    const functions = props.stages.flatMap((s) => s.invokedFunctions);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(asl),
      definitionSubstitutions: this.substitutions,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });

    const role = this.stateMachine.role;
    // codebuild:startBuild.sync: start, watch and stop builds of these projects only.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['codebuild:StartBuild', 'codebuild:StopBuild', 'codebuild:BatchGetBuilds'],
        resources: props.stages.flatMap((s) => s.startedProjects).map((p) => p.projectArn),
      }),
    );
    // The .sync integration watches builds through this one managed EventBridge rule.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/StepFunctionsGetEventForCodeBuildStartBuildRule`,
        ],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: [
          `arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:parameter${props.settingsParameterPrefix}/*`,
        ],
      }),
    );
    for (const fn of functions) fn.grantInvoke(role);
    props.artifactsBucket.grantPut(role, 'baselines/*');

    // Same reason for cfn-lint, on this one resource.
    (this.stateMachine.node.defaultChild as sfn.CfnStateMachine).addMetadata('cfn-lint', {
      config: { ignore_checks: ['E1029'] },
    });
    Validations.of(this.stateMachine).acknowledge({
      id: 'CloudFormation-Validate::E1029',
      reason: 'The definition placeholders are filled by DefinitionSubstitutions, not Fn::Sub.',
    });
    acknowledgeFindings(
      this.stateMachine,
      'AwsSolutions-IAM5',
      [
        `Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter${props.settingsParameterPrefix}/*`,
        'Resource::*',
        'Action::kms:GenerateDataKey*',
        'Action::kms:ReEncrypt*',
        'Action::s3:Abort*',
        `Resource::${nagArn(props.artifactsBucket)}/baselines/*`,
        ...functions.map((fn) => `Resource::${nagArn(fn)}:*`),
      ],
      'Run settings live under one SSM path (one parameter per service and environment); log delivery and ' +
        'X-Ray actions have no resource-level form; data keys are of the pipeline key only; coverage baselines ' +
        'are written under baselines/; Lambda invoke covers versions of the pipeline functions.',
    );
  }
}

/**
 * Merges the stages' substitutions, checking them against the definition's placeholders.
 * @throws Error naming each placeholder filled twice, left unfilled, or filled but not in the ASL.
 */
function collectSubstitutions(
  asl: string,
  providers: readonly Pick<WorkflowStage, 'stateName' | 'substitutions'>[],
): Record<string, string> {
  const merged: Record<string, string> = {};
  const providerOf = new Map<string, string>();
  const problems: string[] = [];
  for (const provider of providers) {
    for (const [name, value] of Object.entries(provider.substitutions())) {
      const earlier = providerOf.get(name);
      if (earlier !== undefined) problems.push(`\${${name}} is filled by both ${earlier} and ${provider.stateName}`);
      providerOf.set(name, provider.stateName);
      merged[name] = value;
    }
  }
  const placeholders = aslPlaceholders(asl);
  for (const name of placeholders.filter((p) => !providerOf.has(p))) {
    problems.push(`\${${name}} is in the ASL but no stage fills it`);
  }
  for (const [name, provider] of providerOf) {
    if (!placeholders.includes(name)) problems.push(`\${${name}} from ${provider} is not a placeholder of the ASL`);
  }
  if (problems.length > 0) throw new Error(`Deploy pipeline substitutions: ${problems.join('; ')}`);
  return merged;
}
