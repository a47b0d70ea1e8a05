import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
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

/** Memory of a pipeline function when none is given, in MB. */
export const PIPELINE_FUNCTION_DEFAULT_MEMORY_MB = 256;

/** Timeout of a pipeline function when none is given. */
export const PIPELINE_FUNCTION_DEFAULT_TIMEOUT = Duration.seconds(30);

export interface PipelineFunctionProps {
  /** Folder under `lambdas/` holding `index.ts` that exports `handler`; also the Powertools service name. */
  readonly handlerDir: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** Memory in MB. @default 256 */
  readonly memorySize?: number;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  /** Days the function's log group keeps logs. */
  readonly logRetention: logs.RetentionDays;
  /** Extra environment variables that name no resource (for those, use `bind`). @default none */
  readonly environment?: Record<string, string>;
  /** Extra esbuild `define` entries (compile-time constants such as embedded routing tables). @default none */
  readonly define?: Record<string, string>;
}

/**
 * A pipeline Lambda with the house defaults in one place: the handler `lambdas/<handlerDir>/index.ts`
 * bundled by local esbuild (no Docker; minified, the AWS SDK included and tree-shaken), Node 24 on
 * ARM64, X-Ray tracing, JSON logs into an explicit log group with retention (created beside the
 * function as `<id>Logs`), and source maps.
 *
 * Resources the function uses reach it through `bind`, which sets the environment variable and the
 * IAM grant together.
 */
export class PipelineFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id, {
      entry: join(REPO_ROOT, 'lambdas', props.handlerDir, 'index.ts'),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? PIPELINE_FUNCTION_DEFAULT_MEMORY_MB,
      timeout: props.timeout ?? PIPELINE_FUNCTION_DEFAULT_TIMEOUT,
      tracing: lambda.Tracing.ACTIVE,
      // The log group is made before the function, so it cannot be the function's child.
      logGroup: new logs.LogGroup(scope, `${id}Logs`, {
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
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
        // Cold start (docs/BENCHMARKS.md, "Lambda cold start"): the AWS SDK is bundled, tree-shaken from
        // its ES modules (`module` before `main`), instead of loaded from the runtime's copy. Module init
        // measured 69 ms median against 90 ms with the SDK external, and the functions run the SDK
        // version the tests ran, not whichever one the runtime ships. AWS: "If you are sensitive to
        // Lambda cold start times, we recommend bundling your Lambda function, which uses barebones SDK
        // clients with command objects and includes JS SDK v3"
        // (https://aws.amazon.com/blogs/developer/reduce-lambda-cold-start-times-migrate-to-aws-sdk-for-javascript-v3/).
        bundleAwsSDK: true,
        mainFields: ['module', 'main'],
        define: props.define,
      },
    });
    if (this.role === undefined) throw new Error(`PipelineFunction ${this.node.path} has no execution role`);
    acknowledgeFindings(
      this.role,
      'AwsSolutions-IAM4',
      ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      'The AWS-maintained minimum for writing the function’s own logs.',
    );
    acknowledgeFindings(
      this.role,
      'AwsSolutions-IAM5',
      ['Resource::*'],
      'X-Ray trace writes have no resource-level form.',
    );
  }

  /**
   * Sets an environment variable naming a resource and grants the function access to it in one
   * call, so a function never holds a name it may not use or a grant it has no name for.
   *
   * @param variable environment variable the handler reads (e.g. `STATE_MACHINE_ARN`)
   * @param value the resource's name or ARN (may be a token)
   * @param grant grants the function what it needs on the resource, e.g. `(g) => sm.grantStartExecution(g)`
   * @returns this function, so binds chain
   */
  bind(variable: string, value: string, grant: (grantee: IGrantable) => void): this {
    this.addEnvironment(variable, value);
    grant(this);
    return this;
  }
}
