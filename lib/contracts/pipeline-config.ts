import { z } from 'zod';
import { notificationEventsSchema } from './pipeline-event';
import { scanPolicySchema } from './scan-policy';

/**
 * The typed configuration of one installation: which services the pipeline deploys, where their
 * code lives, and how each environment is gated. Validated at synth time (see `load-config.ts`)
 * so a bad file fails `cdk synth` with one message per problem instead of a broken stack.
 */

const NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
const nameField = z
  .string()
  .regex(NAME, 'must be 2-32 characters of lowercase letters, digits and dashes, starting with a letter');

/** `owner/repo` for GitHub, the repository name for CodeCommit. */
const repositorySchema = z.discriminatedUnion('provider', [
  z.strictObject({
    provider: z.literal('github'),
    name: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be "owner/repo"'),
  }),
  z.strictObject({
    provider: z.literal('codecommit'),
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be a CodeCommit repository name'),
  }),
]);

const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a relative path inside the repository');

/** Line coverage the gate requires when a policy says nothing, in percent. */
export const DEFAULT_MIN_LINE_PCT = 80;

const percent = z.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100');

/** How the coverage gate judges a run in one environment. */
export const coveragePolicySchema = z.strictObject({
  /** Minimum overall line coverage, in percent. @default 80 */
  minLinePct: percent.default(DEFAULT_MIN_LINE_PCT),
  /** Minimum overall branch coverage, in percent; unset = not checked. */
  minBranchPct: percent.optional(),
  /** Minimum coverage of the lines the push added or changed; unset = not checked. */
  minNewCodePct: percent.optional(),
  /** Largest allowed drop in line coverage against the last successful deploy, in points. */
  maxDropPoints: percent.optional(),
});

export const environmentConfigSchema = z.strictObject({
  /** Environment name, used in execution names, state keys and Terraform directories. */
  name: nameField,
  /** Pushes to this branch deploy to this environment. */
  branch: z
    .string()
    .min(1, 'required')
    .regex(/^[A-Za-z0-9._/-]+$/, 'must be a branch name without "refs/heads/"')
    .refine((b) => !b.startsWith('refs/'), 'must be a branch name without "refs/heads/"'),
  /** Name of the EKS cluster Helm deploys to. */
  eksCluster: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, 'must be an EKS cluster name'),
  /** Terraform root module of this environment, relative to the repository root. */
  terraformDir: relativePath,
  /** Helm values file for this environment, relative to the chart. */
  helmValuesFile: relativePath.optional(),
  /** Coverage policy. @default { minLinePct: 80 } */
  coverage: coveragePolicySchema.default({ minLinePct: DEFAULT_MIN_LINE_PCT }),
  /**
   * Image scan policy (docs/scan-gate.md): no deploy before the image's scan is complete and within it.
   * @default { maxCounts: {} (CRITICAL 0, HIGH 0, the rest unlimited), onlyFixable: false, exceptions: [] } (every unusable scan status blocks)
   */
  scan: scanPolicySchema.default(() => scanPolicySchema.parse({})),
  /**
   * Where Helm deploys run for this cluster: inside its VPC, to reach a private API endpoint (the
   * Terraform output `deploy_network`). Unset: builds run outside any VPC and need a reachable endpoint.
   */
  deployNetwork: z
    .strictObject({
      vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id (vpc-...)'),
      subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id (subnet-...)')).min(1),
      securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id (sg-...)')).min(1),
    })
    .optional(),
});

/** Path globs that decide which stages a push needs. */
export const changePathsSchema = z.strictObject({
  /** Changes here run tests, build, scan and deploy. */
  app: z.array(z.string().min(1)).min(1),
  /** Changes here run Terraform plan and apply. */
  infra: z.array(z.string().min(1)).min(1),
  /** Changes here run every stage (the pipeline's own files). */
  both: z.array(z.string().min(1)).default([]),
});

export const serviceConfigSchema = z
  .strictObject({
    /** Service name, used in execution names and notifications. */
    name: nameField,
    repository: repositorySchema,
    /** Where the service's code lives in the repository. @default "app" */
    appPath: relativePath.default('app'),
    /** Where the service's Terraform lives in the repository. @default "terraform" */
    terraformPath: relativePath.default('terraform'),
    /** Globs that classify changed files; defaults derive from `appPath` and `terraformPath`. */
    paths: changePathsSchema.optional(),
    helm: z.strictObject({
      /** Chart directory, relative to the repository root. */
      chart: relativePath,
      release: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/, 'must be a valid Helm release name'),
      namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a Kubernetes namespace name'),
    }),
    /** ECR repository name the image is pushed to. */
    ecrRepository: z
      .string()
      .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, 'must be an ECR repository name'),
    environments: z.array(environmentConfigSchema).min(1, 'must list at least one environment'),
  })
  .superRefine((service, ctx) => {
    const seen = new Set<string>();
    service.environments.forEach((env, i) => {
      if (seen.has(env.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', i, 'name'],
          message: `duplicate environment "${env.name}"`,
        });
      }
      seen.add(env.name);
    });
  });

/**
 * A Secrets Manager secret, by name (`deploy/slack-webhook`) or ARN. Names: up to 512 of
 * `A-Za-z0-9/_+=.@-` (Secrets Manager API Reference, CreateSecret, Name).
 */
const secretReference = z
  .string()
  .regex(
    /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+|[A-Za-z0-9/_+=.@-]{1,512})$/,
    'must be a Secrets Manager secret name or ARN',
  );

/**
 * A Slack channel that AWS Chatbot (Amazon Q Developer in chat applications) posts pipeline events to.
 * The workspace must be authorized once in the Chatbot console first (docs/notifications.md).
 * Patterns from the CloudFormation reference of `AWS::Chatbot::SlackChannelConfiguration`.
 */
export const chatbotChannelSchema = z.strictObject({
  /** Names the channel's topic and configuration. */
  name: nameField,
  /** The Slack workspace (team) id, e.g. `T012ABCDEF`. */
  slackWorkspaceId: z.string().regex(/^[0-9A-Z]{1,255}$/, 'must be a Slack workspace id such as T012ABCDEF'),
  /** The Slack channel id, e.g. `C012ABCDEF` (channel details, bottom of the About tab). */
  slackChannelId: z.string().regex(/^[A-Za-z0-9]{1,255}$/, 'must be a Slack channel id such as C012ABCDEF'),
  /** Which events of which environments the channel gets. @default every event */
  events: notificationEventsSchema.optional(),
});

/** A Slack incoming webhook (one channel) that `lambdas/slack-notifier` posts to. */
export const slackWebhookSchema = z.strictObject({
  name: nameField,
  /** Secret whose SecretString is the webhook URL (`https://hooks.slack.com/services/...`). */
  urlSecret: secretReference,
  /** Which events of which environments the channel gets. @default every event */
  events: notificationEventsSchema.optional(),
});

/**
 * GitHub commit statuses (`deploy/<service>/<environment>`) for services on GitHub. `token`: the
 * secret is a token allowed to write commit statuses. `app`: the secret is JSON `{ "appId",
 * "privateKey", "installationId"? }` of a GitHub App with the "Commit statuses: write" permission.
 */
export const commitStatusesSchema = z.strictObject({
  auth: z.enum(['token', 'app']),
  secret: secretReference,
  /** The GitHub REST API root (GitHub Enterprise Server: `https://HOST/api/v3`). @default https://api.github.com */
  apiUrl: z.url({ protocol: /^https?$/ }).default('https://api.github.com'),
});

export type ChatbotChannelConfig = z.output<typeof chatbotChannelSchema>;
export type SlackWebhookConfig = z.output<typeof slackWebhookSchema>;
export type CommitStatusesConfig = z.output<typeof commitStatusesSchema>;
/** The `notifications` part of the configuration, defaults filled in. */
export type NotificationsConfig = PipelineConfig['notifications'];

export const pipelineConfigSchema = z
  .strictObject({
    services: z.array(serviceConfigSchema).min(1, 'must list at least one service'),
    /** Days CloudWatch keeps pipeline and build logs. @default 90 */
    logRetentionDays: z
      .number()
      .int()
      .refine((d) => LOG_RETENTION_DAYS.includes(d), `must be one of ${'1, 3, 5, 7, 14, 30, 60, 90, 180, 365, ...'}`)
      .default(90),
    notifications: z
      .strictObject({
        /** Email addresses subscribed to pipeline events (every event, as JSON). */
        emails: z.array(z.email()).default([]),
        /** Slack channels reached through AWS Chatbot (docs/notifications.md). @default [] */
        chatbot: z.array(chatbotChannelSchema).default([]),
        /** Slack incoming webhooks the Slack notifier posts Block Kit messages to. @default [] */
        slackWebhooks: z.array(slackWebhookSchema).default([]),
        /** GitHub commit statuses for services on GitHub. Unset: off. */
        commitStatuses: commitStatusesSchema.optional(),
      })
      .superRefine((notifications, ctx) => {
        for (const key of ['chatbot', 'slackWebhooks'] as const) {
          const seen = new Set<string>();
          notifications[key].forEach((channel, i) => {
            if (seen.has(channel.name)) {
              ctx.addIssue({ code: 'custom', path: [key, i, 'name'], message: `duplicate channel "${channel.name}"` });
            }
            seen.add(channel.name);
          });
        }
      })
      .default({ emails: [], chatbot: [], slackWebhooks: [] }),
  })
  .superRefine((config, ctx) => {
    // One cluster, one network: its deploy builds run in one place.
    const networks = new Map<string, string>();
    config.services.forEach((service, i) => {
      service.environments.forEach((env, j) => {
        const network = JSON.stringify(env.deployNetwork ?? null);
        const known = networks.get(env.eksCluster);
        if (known !== undefined && known !== network) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', i, 'environments', j, 'deployNetwork'],
            message: `differs from another environment on cluster "${env.eksCluster}"`,
          });
        }
        networks.set(env.eksCluster, known ?? network);
      });
    });
    const seen = new Set<string>();
    config.services.forEach((service, i) => {
      if (seen.has(service.name)) {
        ctx.addIssue({ code: 'custom', path: ['services', i, 'name'], message: `duplicate service "${service.name}"` });
      }
      seen.add(service.name);
    });
  });

/** Retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** What a user writes (defaults optional). */
export type PipelineConfigInput = z.input<typeof pipelineConfigSchema>;
/** What the stack and the Lambdas read (defaults filled in). */
export type PipelineConfig = z.output<typeof pipelineConfigSchema>;
export type ServiceConfig = PipelineConfig['services'][number];
export type EnvironmentConfig = ServiceConfig['environments'][number];
export type CoveragePolicy = EnvironmentConfig['coverage'];
export type DeployNetwork = NonNullable<EnvironmentConfig['deployNetwork']>;
export type ChangePaths = z.output<typeof changePathsSchema>;

/** The path globs of a service, with defaults derived from its app and Terraform paths. */
export function changePathsOf(service: ServiceConfig): ChangePaths {
  return (
    service.paths ?? {
      app: [`${service.appPath}/**`],
      infra: [`${service.terraformPath}/**`],
      both: ['lib/buildspecs/**', 'state-machines/**', 'cdk.json'],
    }
  );
}
