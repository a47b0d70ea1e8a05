import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { BuildStage } from './constructs/build-stage';
import { CoverageGate } from './constructs/coverage-gate';
import { DeployPipelineStateMachine } from './constructs/deploy-pipeline-state-machine';
import { PipelineMonitoring } from './constructs/pipeline-monitoring';
import { PlanGuard } from './constructs/plan-guard';
import { PushTrigger } from './constructs/push-trigger';
import { TerraformApplyRole } from './constructs/terraform-apply-role';
import type { PipelineConfig } from './contracts/pipeline-config';
import { runSettingsParameterName } from './contracts/run-settings';
import { acknowledgeFindings } from './nag/acknowledge';
import { runSettingsFor } from './run-settings';
import { TOOL_VERSIONS } from './tool-versions';

/** The CodeBuild stages by their user-facing state names. */
export interface PipelineStages {
  readonly RunTests: BuildStage;
  readonly TerraformPlan: BuildStage;
  readonly BuildImage: BuildStage;
  readonly TerraformApply: BuildStage;
  readonly HelmDeploy: BuildStage;
  readonly HelmRollback: BuildStage;
  /** Deploy and rollback projects inside a cluster's VPC, by cluster name (`deployNetwork`). */
  readonly inClusterNetwork: ReadonlyMap<string, { deploy: BuildStage; rollback: BuildStage }>;
}

export interface PipelineStackProps extends StackProps {
  /** The validated configuration (see `lib/config/load-config.ts`). */
  readonly config: PipelineConfig;
}

/**
 * Everything one installation needs: artifacts bucket, event topic, the CodeBuild stages, the
 * deploy workflow and its monitoring. One stack serves every configured service.
 */
export class PipelineStack extends Stack {
  readonly key: kms.Key;
  readonly artifactsBucket: s3.Bucket;
  readonly topic: sns.Topic;
  readonly stages: PipelineStages;
  readonly pipeline: DeployPipelineStateMachine;
  readonly settingsParameterPrefix: string;
  readonly coverageGate: CoverageGate;
  private readonly coverageReportGroupName = `${this.stackName}-coverage`;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    this.key = new kms.Key(this, 'PipelineKey', {
      description: 'Encrypts pipeline artifacts, events and logs',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the encrypted topic; CloudWatch Logs encrypts this account's log groups.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
          },
        },
      }),
    );

    const accessLogs = new s3.Bucket(this, 'AccessLogsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it to itself would loop.',
    });

    this.artifactsBucket = new s3.Bucket(this, 'ArtifactsBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'artifacts/',
      lifecycleRules: [
        { id: 'expire-run-artifacts', prefix: 'runs/', expiration: Duration.days(30) },
        { id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(7) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.topic = new sns.Topic(this, 'PipelineEvents', {
      displayName: 'Deploy pipeline events',
      masterKey: this.key,
      enforceSSL: true,
    });
    // enforceSSL makes a topic policy, which replaces the default one: alarms need an explicit allow.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
        },
      }),
    );
    for (const email of config.notifications.emails) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }

    this.stages = this.createStages(config, logRetention);
    this.settingsParameterPrefix = `/${this.stackName}/run-settings`;
    for (const service of config.services) {
      for (const env of service.environments) {
        const inVpc = this.stages.inClusterNetwork.get(env.eksCluster);
        const settings = runSettingsFor(service, env, {
          account: Aws.ACCOUNT_ID,
          region: Aws.REGION,
          urlSuffix: Aws.URL_SUFFIX,
          deployProject: (inVpc?.deploy ?? this.stages.HelmDeploy).projectName,
          rollbackProject: (inVpc?.rollback ?? this.stages.HelmRollback).projectName,
        });
        new ssm.StringParameter(this, `RunSettings-${service.name}-${env.name}`, {
          parameterName: runSettingsParameterName(this.settingsParameterPrefix, service.name, env.name),
          description: `Run settings of ${service.name} in ${env.name}`,
          stringValue: this.toJsonString(settings),
        });
      }
    }

    this.coverageGate = new CoverageGate(this, 'CoverageGate', {
      artifactsBucket: this.artifactsBucket,
      logRetention,
      reportGroupNamePrefix: this.coverageReportGroupName,
      runTestsProject: this.stages.RunTests.project,
    });
    const planGuard = new PlanGuard(this, 'PlanGuard', { artifactsBucket: this.artifactsBucket, logRetention });
    // The stages the workflow runs, by state name (rollback is started later by the rollback capability).
    const { RunTests, TerraformPlan, BuildImage, TerraformApply, HelmDeploy } = this.stages;
    const workflowStages = { RunTests, TerraformPlan, BuildImage, TerraformApply, HelmDeploy };
    this.pipeline = new DeployPipelineStateMachine(this, 'DeployPipeline', {
      topic: this.topic,
      encryptionKey: this.key,
      logRetention,
      settingsParameterPrefix: this.settingsParameterPrefix,
      stages: workflowStages,
      // The deploy project is the cluster's: outside any VPC, or inside the cluster's VPC.
      projectsFromRunSettings: ['HelmDeploy'],
      extraProjects: [...this.stages.inClusterNetwork.values()].map((p) => p.deploy),
      functions: {
        CoverageGateFunctionArn: this.coverageGate.function,
        PlanGuardFunctionArn: planGuard.function,
      },
      artifactsBucket: this.artifactsBucket,
    });

    const pushTrigger = new PushTrigger(this, 'PushTrigger', {
      config,
      stateMachine: this.pipeline.stateMachine,
      logRetention,
    });

    new PipelineMonitoring(this, 'Monitoring', {
      stateMachine: this.pipeline.stateMachine,
      topic: this.topic,
      stages: { ...workflowStages, HelmRollback: this.stages.HelmRollback },
      functions: [
        this.coverageGate.function,
        planGuard.function,
        pushTrigger.webhookFunction,
        ...(pushTrigger.codeCommitFunction ? [pushTrigger.codeCommitFunction] : []),
      ],
    });

    new CfnOutput(this, 'StateMachineArn', { value: this.pipeline.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ArtifactsBucketName', { value: this.artifactsBucket.bucketName });
    new CfnOutput(this, 'PipelineEventsTopicArn', { value: this.topic.topicArn });
    new CfnOutput(this, 'HelmDeployRoleArn', {
      value: this.stages.HelmDeploy.role.roleArn,
      description: 'Give this role an EKS access entry (Terraform variable pipeline_deploy_role_arn)',
    });
  }

  private createStages(config: PipelineConfig, logRetention: logs.RetentionDays): PipelineStages {
    const common = { encryptionKey: this.key, logRetention };
    const artifacts = { ARTIFACTS_BUCKET: this.artifactsBucket.bucketName };
    const terraform = {
      TERRAFORM_VERSION: TOOL_VERSIONS.terraform.version,
      TERRAFORM_SHA256: TOOL_VERSIONS.terraform.sha256,
      TF_STATE_BUCKET: `${Aws.ACCOUNT_ID}-${Aws.REGION}-terraform-state`,
    };
    const helm = {
      KUBECTL_LAYER_PACKAGE: TOOL_VERSIONS.kubectlLayer.package,
      KUBECTL_LAYER_INTEGRITY: TOOL_VERSIONS.kubectlLayer.integrity,
    };

    const coverageReports = new codebuild.ReportGroup(this, 'CoverageReports', {
      reportGroupName: this.coverageReportGroupName,
      type: codebuild.ReportGroupType.CODE_COVERAGE,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const runTests = new BuildStage(this, 'RunTests', {
      ...common,
      buildspec: 'run-tests',
      description: 'Runs a service’s tests with coverage',
      environment: {
        ...artifacts,
        TEST_COMMAND: 'npm test -- --coverage',
        COVERAGE_REPORT: 'coverage/cobertura-coverage.xml',
      },
      transformBuildspec: (spec) => {
        const { coverage, ...rest } = spec.reports as Record<string, unknown>;
        return { ...spec, reports: { ...rest, [coverageReports.reportGroupArn]: coverage } };
      },
    });
    coverageReports.grantWrite(runTests.project);

    const deploy = new BuildStage(this, 'HelmDeploy', {
      ...common,
      buildspec: 'helm-deploy',
      description: 'Deploys a service image by digest with Helm and waits for the rollout',
      environment: { ...artifacts, ...helm },
      timeout: Duration.minutes(30),
    });
    // Deploys and rollbacks act as one Kubernetes identity: the role EKS gives an access entry.
    const rollback = new BuildStage(this, 'HelmRollback', {
      ...common,
      buildspec: 'helm-rollback',
      description: 'Rolls a Helm release back to its previous revision',
      environment: helm,
      timeout: Duration.minutes(20),
      role: deploy.role,
    });
    const inClusterNetwork = new Map<string, { deploy: BuildStage; rollback: BuildStage }>();
    for (const env of config.services.flatMap((svc) => svc.environments)) {
      if (env.deployNetwork === undefined || inClusterNetwork.has(env.eksCluster)) continue;
      const network = env.deployNetwork;
      inClusterNetwork.set(env.eksCluster, {
        deploy: new BuildStage(this, `HelmDeploy-${env.eksCluster}`, {
          ...common,
          buildspec: 'helm-deploy',
          nameSuffix: `helm-deploy-${env.eksCluster}`,
          description: `Deploys to ${env.eksCluster} from inside its VPC`,
          environment: { ...artifacts, ...helm },
          timeout: Duration.minutes(30),
          role: deploy.role,
          network,
        }),
        rollback: new BuildStage(this, `HelmRollback-${env.eksCluster}`, {
          ...common,
          buildspec: 'helm-rollback',
          nameSuffix: `helm-rollback-${env.eksCluster}`,
          description: `Rolls back on ${env.eksCluster} from inside its VPC`,
          environment: helm,
          timeout: Duration.minutes(20),
          role: deploy.role,
          network,
        }),
      });
    }

    // The plan fixes every input the apply uses, so both get the same Terraform variables: the
    // boundary every role Terraform creates must carry, and the deploy role EKS must admit.
    const applyName = BuildStage.projectNameFor(this.stackName, 'terraform-apply');
    const applyRole = new TerraformApplyRole(this, 'TerraformApplyRole', { projectName: applyName });
    const terraformInputs = {
      ...terraform,
      TF_VAR_permissions_boundary_arn: applyRole.boundaryArn,
      TF_VAR_pipeline_deploy_role_arn: deploy.role.roleArn,
    };

    const plan = new BuildStage(this, 'TerraformPlan', {
      ...common,
      buildspec: 'terraform-plan',
      description: 'Plans an environment’s Terraform and saves the plan',
      environment: { ...artifacts, ...terraformInputs },
      timeout: Duration.minutes(30),
    });
    // Planning reads every resource Terraform manages, across services.
    plan.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess'));
    acknowledgeFindings(
      plan.role,
      'AwsSolutions-IAM4',
      ['Policy::arn:<AWS::Partition>:iam::aws:policy/ReadOnlyAccess'],
      'terraform plan refreshes every resource it manages; AWS ReadOnlyAccess is the maintained read-only set.',
    );

    const apply = new BuildStage(this, 'TerraformApply', {
      ...common,
      buildspec: 'terraform-apply',
      description: 'Applies the exact plan saved by this run',
      environment: { ...artifacts, ...terraformInputs },
      role: applyRole.role,
    });

    const buildImage = new BuildStage(this, 'BuildImage', {
      ...common,
      buildspec: 'build-image',
      description: 'Builds a service image and pushes <repository>:<commit> to ECR',
      environment: artifacts,
      privileged: true,
    });
    Validations.of(buildImage).acknowledge({
      id: 'AwsSolutions-CB3',
      reason: 'Building container images with Docker BuildKit needs privileged mode.',
    });

    this.grantStageAccess(config, { runTests, plan, apply, buildImage, deploy, rollback });
    this.acknowledgeScopedGrants({ runTests, plan, apply, buildImage });
    return {
      RunTests: runTests,
      TerraformPlan: plan,
      BuildImage: buildImage,
      TerraformApply: apply,
      HelmDeploy: deploy,
      HelmRollback: rollback,
      inClusterNetwork,
    };
  }

  /** Object-level grants are wildcards by nature; each is scoped to a prefix this stage owns. */
  private acknowledgeScopedGrants(s: Record<'runTests' | 'plan' | 'apply' | 'buildImage', BuildStage>): void {
    const bucket = `<${this.resolve((this.artifactsBucket.node.defaultChild as s3.CfnBucket).logicalId)}.Arn>`;
    const runs = `Resource::${bucket}/runs/*`;
    const state = 'Resource::arn:<AWS::Partition>:s3:::<AWS::AccountId>-<AWS::Region>-terraform-state/*';
    const reason = 'Object grants limited to this run-artifact prefix and the Terraform state objects.';
    acknowledgeFindings(s.runTests.project, 'AwsSolutions-IAM5', [runs, 'Action::s3:Abort*'], reason);
    acknowledgeFindings(s.plan.project, 'AwsSolutions-IAM5', [runs, state, 'Action::s3:Abort*'], reason);
    acknowledgeFindings(
      s.apply.role,
      'AwsSolutions-IAM5',
      [runs, state, 'Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*'],
      reason,
    );
    acknowledgeFindings(
      s.buildImage.project,
      'AwsSolutions-IAM5',
      ['Resource::*'],
      'ecr:GetAuthorizationToken has no resource-level form; pushes are limited to the configured repositories.',
    );
  }

  private grantStageAccess(
    config: PipelineConfig,
    s: Record<'runTests' | 'plan' | 'apply' | 'buildImage' | 'deploy' | 'rollback', BuildStage>,
  ): void {
    this.artifactsBucket.grantPut(s.runTests.project, 'runs/*');
    this.artifactsBucket.grantPut(s.plan.project, 'runs/*');
    this.artifactsBucket.grantRead(s.apply.project, 'runs/*');

    // Terraform state with S3-native locking (`use_lockfile`): read and write state and lock objects.
    const stateBucket = `arn:${Aws.PARTITION}:s3:::${Aws.ACCOUNT_ID}-${Aws.REGION}-terraform-state`;
    for (const stage of [s.plan, s.apply]) {
      stage.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [stateBucket] }),
      );
      stage.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          resources: [`${stateBucket}/*`],
        }),
      );
    }

    const repositories = [...new Set(config.services.map((svc) => svc.ecrRepository))].map(
      (name) => `arn:${Aws.PARTITION}:ecr:${Aws.REGION}:${Aws.ACCOUNT_ID}:repository/${name}`,
    );
    s.buildImage.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchGetImage',
          'ecr:CompleteLayerUpload',
          'ecr:DescribeImages',
          'ecr:GetDownloadUrlForLayer',
          'ecr:InitiateLayerUpload',
          'ecr:PutImage',
          'ecr:UploadLayerPart',
        ],
        resources: repositories,
      }),
    );
    // GetAuthorizationToken has no resource-level form.
    s.buildImage.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    );

    // Builds fetch CodeCommit sources with their own role.
    const codecommitRepositories = config.services
      .filter((svc) => svc.repository.provider === 'codecommit')
      .map((svc) => `arn:${Aws.PARTITION}:codecommit:${Aws.REGION}:${Aws.ACCOUNT_ID}:${svc.repository.name}`);
    if (codecommitRepositories.length > 0) {
      for (const role of new Set(Object.values(s).map((stage) => stage.role))) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({ actions: ['codecommit:GitPull'], resources: [...new Set(codecommitRepositories)] }),
        );
      }
    }

    const clusters = [...new Set(config.services.flatMap((svc) => svc.environments.map((e) => e.eksCluster)))].map(
      (name) => `arn:${Aws.PARTITION}:eks:${Aws.REGION}:${Aws.ACCOUNT_ID}:cluster/${name}`,
    );
    // Rollbacks and in-VPC deploys share this role.
    s.deploy.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['eks:DescribeCluster'], resources: clusters }),
    );
  }
}
