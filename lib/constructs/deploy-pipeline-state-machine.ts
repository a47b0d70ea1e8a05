import { Aws, type CfnResource, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeFindings } from '../nag/acknowledge';
import { readDeployPipelineAsl } from '../workflow/deploy-pipeline-definition';
import type { BuildStage } from './build-stage';

export interface DeployPipelineStateMachineProps {
  readonly topic: sns.ITopic;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** SSM path under which each service and environment's run settings live. */
  readonly settingsParameterPrefix: string;
  /**
   * Build stages by state name. Each fills `${<Name>Buildspec}`, and `${<Name>Project}` unless the
   * workflow takes its project from the run settings (`projectsFromRunSettings`).
   */
  readonly stages: Readonly<Record<string, BuildStage>>;
  /** Stages whose project the run settings name (a per-cluster deploy project, for example). */
  readonly projectsFromRunSettings?: readonly string[];
  /** Further projects the workflow may start by name from the run settings. */
  readonly extraProjects?: readonly BuildStage[];
  /** Lambda tasks by the ASL placeholder that names their function ARN (e.g. `CoverageGateFunctionArn`). */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** Run artifacts; the workflow writes coverage baselines under `baselines/`. */
  readonly artifactsBucket: s3.IBucket;
}

/**
 * The deploy pipeline: the ASL file `state-machines/deploy-pipeline.asl.json` loaded inline (so
 * cfn-lint validates it) with its placeholders bound to this stack's resources. Standard type,
 * every event logged with execution data, X-Ray on.
 */
export class DeployPipelineStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  /** The substitutions given to the definition, for tests and docs. */
  readonly substitutions: Record<string, string>;

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
    this.substitutions = {
      TopicArn: props.topic.topicArn,
      SettingsParameterPrefix: props.settingsParameterPrefix,
      ArtifactsBucket: props.artifactsBucket.bucketName,
      ...Object.fromEntries(Object.entries(props.functions).map(([key, fn]) => [key, fn.functionArn])),
      ...Object.fromEntries(
        Object.entries(props.stages)
          .filter(([name]) => !props.projectsFromRunSettings?.includes(name))
          .map(([name, stage]) => [`${name}Project`, stage.projectName]),
      ),
      // Each run overrides the source with a service's repository; passing the buildspec too makes
      // sure CodeBuild never looks for one in that repository. Escaped to sit inside a JSON string.
      ...Object.fromEntries(
        Object.entries(props.stages).map(([name, stage]) => [
          `${name}Buildspec`,
          JSON.stringify(stage.buildspecJson).slice(1, -1),
        ]),
      ),
    };
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(readDeployPipelineAsl()),
      definitionSubstitutions: this.substitutions,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });

    const role = this.stateMachine.role;
    // codebuild:startBuild.sync: start, watch and stop builds of these projects only.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['codebuild:StartBuild', 'codebuild:StopBuild', 'codebuild:BatchGetBuilds'],
        resources: [...Object.values(props.stages), ...(props.extraProjects ?? [])].map((s) => s.project.projectArn),
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
    props.topic.grantPublish(role);
    for (const fn of Object.values(props.functions)) fn.grantInvoke(role);
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
        `Resource::<${stack.resolve((props.artifactsBucket.node.defaultChild as CfnResource).logicalId)}.Arn>/baselines/*`,
        ...Object.values(props.functions).map(
          (fn) => `Resource::<${stack.resolve((fn.node.defaultChild as CfnResource).logicalId)}.Arn>:*`,
        ),
      ],
      'Run settings live under one SSM path (one parameter per service and environment); log delivery and ' +
        'X-Ray actions have no resource-level form; data keys are of the pipeline key only; coverage baselines ' +
        'are written under baselines/; Lambda invoke covers versions of the pipeline functions.',
    );
  }
}
