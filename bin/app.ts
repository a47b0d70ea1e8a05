#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, loadConfig } from '../lib/config/load-config';
import { PipelineStack } from '../lib/pipeline-stack';

/**
 * The CDK app: `cdk synth` / `cdk deploy`. The configuration comes from `-c config=path.json` (or a
 * `config` key in cdk.json's context); without one, the embedded default is used.
 */
export function buildApp(app = new App()): App {
  const configPath = app.node.tryGetContext('config') as string | undefined;
  const config = loadConfig(configPath);
  const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'DeployPipeline';
  new PipelineStack(app, stackName, {
    config,
    description: 'Push-to-EKS deploy pipeline (Step Functions, CodeBuild, SNS)',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

if (require.main === module) {
  try {
    buildApp().synth();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
