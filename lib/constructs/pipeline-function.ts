import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IGrantable, IRole } from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeFindings } from '../nag/acknowledge';

/**
 * esbuild `define` that compiles the pipeline configuration into a function, read there by
 * `lambdas/shared/embedded-config.ts`.
 */
export function embedConfig(config: unknown): Record<string, string> {
  return { 'process.env.EMBEDDED_PIPELINE_CONFIG': JSON.stringify(JSON.stringify(config)) };
}

/** Root of the repository, so handler paths read as `lambdas/<name>/index.ts`. */
export const REPO_ROOT = join(__dirname, '..', '..');

export interface PipelineFunctionProps {
  /** Folder under `lambdas/` holding `index.ts` that exports `handler`. */
  readonly handlerDir: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  /** Days the function's log group keeps logs. */
  readonly logRetention: logs.RetentionDays;
  /** Extra environment variables. */
  readonly environment?: Record<string, string>;
  /** Extra esbuild `define` entries (compile-time constants such as embedded routing tables). */
  readonly define?: Record<string, string>;
}

/**
 * The house defaults of every pipeline Lambda in one place: Node 24 on ARM64, X-Ray tracing, an
 * explicit log group with retention, JSON logs, source maps, and local esbuild bundling (no Docker).
 */
export class PipelineFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, 'lambdas', props.handlerDir, 'index.ts'),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.handlerDir,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.CJS,
        target: 'node24',
        sourceMap: true,
        minify: true,
        define: props.define,
      },
    });
    const role = this.function.role as IRole;
    acknowledgeFindings(
      role,
      'AwsSolutions-IAM4',
      ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      'The AWS-maintained minimum for writing the function’s own logs.',
    );
    acknowledgeFindings(role, 'AwsSolutions-IAM5', ['Resource::*'], 'X-Ray trace writes have no resource-level form.');
  }

  /** Sets an environment variable naming a resource and grants access to it in one call. */
  bind(variable: string, value: string, grant: (grantee: IGrantable) => void): this {
    this.function.addEnvironment(variable, value);
    grant(this.function);
    return this;
  }
}
