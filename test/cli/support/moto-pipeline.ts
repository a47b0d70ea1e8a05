import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { buildExecutionInput } from '../../../lambdas/shared/push-event/build-execution-input';
import type { PlannedExecution } from '../../../lambdas/shared/push-event/push-decision';
import type { ExecutionInput } from '../../../lib/contracts/execution-input';
import { validateConfig } from '../../../lib/contracts/validate-config';
import { readDeployPipelineAsl, substituteAsl } from '../../../lib/workflow/deploy-pipeline-definition';
import type { MotoServer } from '../../support/moto-server';
import { TEST_SUBSTITUTIONS } from '../../workflow/harness';

/** The Region the CLI tests use (a stack and its state machine live in one Region). */
export const REGION = 'eu-west-1';

/** Two services, as an installation's configuration would name them. */
export const CONFIG = validateConfig(
  {
    services: ['orders-api', 'billing'].map((name) => ({
      name,
      repository: { provider: 'github', name: `acme/${name}` },
      helm: { chart: 'app/chart', release: name, namespace: name },
      ecrRepository: name,
      environments: [
        { name: 'dev', branch: 'main', eksCluster: 'deploy-dev', terraformDir: 'terraform/environments/dev' },
        { name: 'prod', branch: 'main', eksCluster: 'deploy-prod', terraformDir: 'terraform/environments/prod' },
      ],
    })),
  },
  'test/cli',
);

export function clients(moto: MotoServer) {
  const config = { ...moto.clientConfig, region: REGION };
  return { sfn: new SFNClient(config), cfn: new CloudFormationClient(config) };
}

/**
 * Creates the pipeline's stack in moto through CloudFormation: the real workflow definition and a
 * topic, with the two outputs discovery reads (names as in lib/pipeline-stack.ts).
 */
export async function createPipelineStack(
  cfn: CloudFormationClient,
  stackName = 'DeployPipeline',
  outputs = true,
): Promise<{ stateMachineArn: string; topicArn: string }> {
  const template = {
    Resources: {
      PipelineEvents: { Type: 'AWS::SNS::Topic', Properties: {} },
      DeployPipeline: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          RoleArn: 'arn:aws:iam::123456789012:role/deploy-pipeline',
          DefinitionString: substituteAsl(readDeployPipelineAsl(), TEST_SUBSTITUTIONS),
        },
      },
    },
    ...(outputs
      ? {
          Outputs: {
            StateMachineArn: { Value: { Ref: 'DeployPipeline' } },
            PipelineEventsTopicArn: { Value: { Ref: 'PipelineEvents' } },
          },
        }
      : {}),
  };
  await cfn.send(new CreateStackCommand({ StackName: stackName, TemplateBody: JSON.stringify(template) }));
  const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  const output = (key: string) => stack?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue ?? '';
  return { stateMachineArn: output('StateMachineArn'), topicArn: output('PipelineEventsTopicArn') };
}

let delivery = 0;

/** A push's execution, built by the same code as the webhook's (`buildExecutionInput`). */
export function pushExecution(
  service: string,
  environment: string,
  commit: string,
  author = 'Jane Doe',
): PlannedExecution {
  delivery += 1;
  const source: ExecutionInput['source'] = {
    provider: 'github',
    repository: `acme/${service}`,
    ref: 'refs/heads/main',
    branch: 'main',
    commit,
    before: null,
    message: `change ${delivery}`,
    author,
    url: `https://github.com/acme/${service}/commit/${commit}`,
    deliveryId: `00000000-0000-4000-8000-${String(delivery).padStart(12, '0')}`,
  };
  return buildExecutionInput({
    service,
    environment,
    trigger: 'push',
    source,
    changes: { app: true, infra: false, paths: ['app/src/index.ts'] },
  });
}

/** Starts a planned execution in moto (where it stays RUNNING until stopped). */
export async function start(sfn: SFNClient, stateMachineArn: string, planned: PlannedExecution): Promise<string> {
  const out = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, name: planned.name, input: JSON.stringify(planned.input) }),
  );
  return out.executionArn ?? '';
}

/** `n` as a 40-character commit id (repeated hex digit pattern). */
export const sha = (n: number) => n.toString(16).padStart(2, '0').repeat(20);
