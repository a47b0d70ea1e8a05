import * as z from 'zod';
import { deployBuildTimeoutMinutes, deployConfigSchema } from './deploy-settings';
import { branchNameViolations } from './git-branch-name';
import { notificationEventsSchema } from './pipeline-event';
import { BUILD_COMPUTE_TYPES, type BuildComputeType, isLambdaCompute, pricingSchema } from './pricing';
import { scanPolicySchema, scanTypeSchema } from './scan-policy';

/**
 * The typed configuration of one installation: which services the pipeline deploys, where their
 * code lives, and how each environment is gated. Validated at synth time (see `load-config.ts`)
 * so a bad file fails `cdk synth` with one message per problem instead of a broken stack.
 *
 * Every name rule is checked on its own and reported with its own message, so a value is never
 * refused with the wording of a rule it does not break.
 */

/** A test a string passes, and the message of the rule when it does not. */
type Rule = readonly [test: (value: string) => boolean, message: string];

/** A string checked rule by rule: one issue per broken rule. An empty string gets only "must not be empty". */
function ruledString(rules: readonly Rule[]) {
  return z.string().superRefine((value, ctx) => {
    if (value === '') {
      ctx.addIssue({ code: 'custom', message: 'must not be empty', input: value });
      return;
    }
    for (const [test, message] of rules) {
      if (!test(value)) ctx.addIssue({ code: 'custom', message, input: value });
    }
  });
}

const lengthRule = (min: number, max: number): Rule => [
  (v) => v.length >= min && v.length <= max,
  `must be ${min} to ${max} characters long`,
];
const charsRule = (allowed: RegExp, what: string): Rule => [(v) => allowed.test(v), `may only contain ${what}`];

/** Service and environment names: they end up in execution names, SSM parameter paths and project names. */
const nameField = ruledString([
  lengthRule(2, 32),
  charsRule(/^[a-z0-9-]*$/, 'lowercase letters, digits and "-"'),
  [(v) => /^[a-z]/.test(v), 'must start with a lowercase letter'],
  [(v) => /[a-z0-9]$/.test(v), 'must end with a lowercase letter or a digit'],
]);

/** GitHub owner and repository names: letters, digits, "-", "_" and "." (GitHub's repository name rule). */
const GITHUB_NAME_PART = /^[A-Za-z0-9_.-]+$/;

/**
 * `owner/repo` of a repository on GitHub.com, a GitHub Enterprise Server or a GHE.com enterprise. The host is
 * part of the repository's identity: the webhook routes a push only to the services on the host it came from.
 */
const githubRepositoryName = ruledString([
  [(v) => v.split('/').length === 2, 'must be "owner/repo" (exactly one "/")'],
  [
    (v) => v.split('/').length !== 2 || GITHUB_NAME_PART.test(v.split('/')[0] as string),
    'owner (before "/") may only contain letters, digits, "-", "_" and "."',
  ],
  [
    (v) => v.split('/').length !== 2 || GITHUB_NAME_PART.test(v.split('/')[1] as string),
    'repository (after "/") may only contain letters, digits, "-", "_" and "."',
  ],
]);

/**
 * CodeCommit repository names. CreateRepository, `repositoryName`: length 1 to 100, pattern `[\w\.-]+`
 * (https://docs.aws.amazon.com/codecommit/latest/APIReference/API_CreateRepository.html).
 */
const codeCommitRepositoryName = ruledString([
  lengthRule(1, 100),
  charsRule(/^[A-Za-z0-9_.-]*$/, 'letters, digits, ".", "_" and "-"'),
]);

/** The host of repositories on GitHub.com, and the default of `repository.host`. */
export const GITHUB_COM_HOST = 'github.com';

/**
 * Where a GitHub host is served from, which decides how builds fetch from it:
 * - `github.com`: GitHub.com (CodeBuild source type `GITHUB`);
 * - `ghe.com`: a GitHub Enterprise Cloud enterprise with data residency, `<subdomain>.ghe.com`;
 * - `server`: a GitHub Enterprise Server, any other host.
 */
export type GitHubHostKind = 'github.com' | 'ghe.com' | 'server';

/** The kind of a valid, lowercase GitHub host (see {@link GitHubHostKind}). */
export function gitHubHostKind(host: string): GitHubHostKind {
  if (host === GITHUB_COM_HOST) return 'github.com';
  return host.endsWith('.ghe.com') ? 'ghe.com' : 'server';
}

const HOST_LABEL = /^[A-Za-z0-9-]+$/;
const labelsOf = (host: string) => host.split('.');

/**
 * The host a GitHub repository is served from: `github.com`, a GitHub Enterprise Server host
 * (`github.example.com`) or a GHE.com data-residency host (`octo.ghe.com`). A DNS host name by RFC 1123
 * (labels of ASCII letters, digits and "-", not starting or ending with "-") and RFC 1035 (labels of 1 to
 * 63 characters, 253 in all); no scheme, port or path. Compared and stored in lowercase, as DNS names are
 * case-insensitive.
 */
const githubHost = ruledString([
  [(h) => !h.includes('://'), 'must be a host name without a scheme: write "github.example.com", not "https://..."'],
  [(h) => h.includes('://') || !h.includes('/'), 'must be a host name without a path'],
  [(h) => h.includes('://') || !h.includes(':'), 'must be a host name without a port'],
  [(h) => /[:/]/.test(h) || h.length <= 253, 'must be at most 253 characters long (RFC 1035)'],
  [
    (h) => /[:/]/.test(h) || labelsOf(h).every((l) => l === '' || HOST_LABEL.test(l)),
    'may only contain ASCII letters, digits, "-" and "." (RFC 1123; write an internationalized name in its xn-- form)',
  ],
  [
    (h) => /[:/]/.test(h) || labelsOf(h).every((l) => l.length >= 1 && l.length <= 63),
    'each "."-separated label must be 1 to 63 characters long (RFC 1035): no empty label, no leading or trailing "."',
  ],
  [
    (h) => /[:/]/.test(h) || labelsOf(h).every((l) => !l.startsWith('-') && !l.endsWith('-')),
    'labels must not start or end with "-" (RFC 1123)',
  ],
  [(h) => /[:/]/.test(h) || labelsOf(h).length >= 2, 'must be a fully qualified host name, e.g. "github.example.com"'],
  [
    (h) => !h.toLowerCase().endsWith(`.${GITHUB_COM_HOST}`),
    'is a subdomain of github.com: repositories on GitHub.com use the host "github.com" (the default)',
  ],
  [(h) => h.toLowerCase() !== 'ghe.com', 'must be your enterprise\'s own subdomain of ghe.com, e.g. "octo.ghe.com"'],
  [
    (h) => !h.toLowerCase().endsWith('.ghe.com') || labelsOf(h).length === 3,
    'a GHE.com enterprise is served from "<subdomain>.ghe.com" itself, not from a host under it (such as api.<subdomain>.ghe.com)',
  ],
]).transform((h) => h.toLowerCase());

/** `owner/repo` (and its host) for GitHub, the repository name for CodeCommit. */
const repositorySchema = z.discriminatedUnion('provider', [
  z.strictObject({
    provider: z.literal('github'),
    name: githubRepositoryName,
    /**
     * The host the repository is on: part of its identity, so a push from another host with the same
     * `owner/repo` starts nothing, and builds fetch from this host. @default "github.com"
     */
    host: githubHost.default(GITHUB_COM_HOST),
  }),
  z.strictObject({
    provider: z.literal('codecommit'),
    name: codeCommitRepositoryName,
  }),
]);

const relativePath = ruledString([
  [(p) => !p.startsWith('/'), 'must be a relative path inside the repository: no leading "/"'],
  [(p) => !p.split('/').includes('..'), 'must be a relative path inside the repository: no ".." component'],
]);

/**
 * Retention values CloudWatch Logs accepts. PutRetentionPolicy, `retentionInDays`
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
 */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** How runs of one service share an environment (docs/deploy-lock.md). */
export const LOCK_MODES = ['SUPERSEDED', 'QUEUED'] as const;
export type LockMode = (typeof LOCK_MODES)[number];

/** Hours a run waits for approval when the environment does not say. */
export const DEFAULT_APPROVAL_TIMEOUT_HOURS = 24;
/** Longest approval wait an environment may set, in hours (a project limit, see `approvalTimeoutHours`). */
export const MAX_APPROVAL_TIMEOUT_HOURS = 168;

/** Line coverage the gate requires when a policy says nothing, in percent. */
export const DEFAULT_MIN_LINE_PCT = 80;

/** Lowercase RFC 1123 label characters, starting and ending with a letter or digit (Helm releases, namespaces). */
const dnsLabelRules: readonly Rule[] = [
  charsRule(/^[a-z0-9-]*$/, 'lowercase letters, digits and "-"'),
  [(v) => /^[a-z0-9]/.test(v) && /[a-z0-9]$/.test(v), 'must start and end with a lowercase letter or a digit'],
];

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
  /**
   * Pushes to this branch deploy to this environment: a branch name as `git check-ref-format --branch`
   * accepts it (`main`, `release/1.0+hotfix`, `機能/ログイン`), without `refs/heads/`. Each rule a name
   * breaks is reported with its own message (`git-branch-name.ts`).
   */
  branch: z.string().superRefine((branch, ctx) => {
    for (const { message } of branchNameViolations(branch)) ctx.addIssue({ code: 'custom', message, input: branch });
  }),
  /**
   * Name of the EKS cluster Helm deploys to. CreateCluster, `name`: length 1 to 100, pattern
   * `^[0-9A-Za-z][A-Za-z0-9\-_]*` (https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html).
   */
  eksCluster: ruledString([
    lengthRule(1, 100),
    charsRule(/^[A-Za-z0-9_-]*$/, 'letters, digits, "-" and "_"'),
    [(v) => /^[A-Za-z0-9]/.test(v), 'must start with a letter or a digit'],
  ]),
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
  /**
   * How runs of one service in this environment share it (docs/deploy-lock.md): `SUPERSEDED` keeps at
   * most one run waiting and a newer push replaces it (the replaced run ends `Superseded`); `QUEUED`
   * lets every run wait its turn in arrival order.
   * @default "SUPERSEDED"
   */
  lockMode: z.enum(LOCK_MODES).default('SUPERSEDED'),
  /**
   * Another environment of the same service whose successful runs start this environment's run for
   * the same commit and image digest (`trigger: "promotion"`, no rebuild). Such an environment starts
   * only from promotions: pushes to its `branch` start nothing there. Unset: no promotion.
   */
  promoteFrom: nameField.optional(),
  /** Every run stops at `WaitForApproval` after its plan, before anything changes. @default false */
  approval: z.boolean().default(false),
  /**
   * How long a run waits for `deployctl approve|reject` before it ends as `ApprovalTimedOut`, in hours.
   * Applies when `approval` or `approveDestructive` is set. At most a week: the waiting run holds the
   * environment's lock (a project limit; Step Functions allows a task to wait up to a year).
   * @default 24
   */
  approvalTimeoutHours: z
    .number()
    .int('must be a whole number of hours')
    .min(1, `must be from 1 to ${MAX_APPROVAL_TIMEOUT_HOURS} hours`)
    .max(MAX_APPROVAL_TIMEOUT_HOURS, `must be from 1 to ${MAX_APPROVAL_TIMEOUT_HOURS} hours`)
    .optional(),
  /**
   * Plans that PlanGuard blocks (deleting or replacing protected resources) wait at `WaitForApproval`
   * instead of failing with `DestructiveChangeBlocked`. @default false
   */
  approveDestructive: z.boolean().default(false),
  /**
   * How the environment deploys and bakes (docs/rollback.md): `{ timeoutMinutes, bakeMinutes, alarms,
   * versionUrl }`. Read it through `deploySettingsOf` (`deploy-settings.ts`), which fills in the bake
   * default from the environment's name.
   * @default { timeoutMinutes: 10, alarms: [] } (bake: 5 minutes for prod or production, 1 for any other)
   */
  deploy: deployConfigSchema.default(() => deployConfigSchema.parse({})),
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
      /** Helm release name: at most 53 characters (Helm refuses longer names), lowercase letters, digits and "-". */
      release: ruledString([lengthRule(1, 53), ...dnsLabelRules]),
      /** Kubernetes namespace: an RFC 1123 label, at most 63 characters (kubernetes.io, "Namespaces"). */
      namespace: ruledString([lengthRule(1, 63), ...dnsLabelRules]),
    }),
    /**
     * Base name of the service's ECR repositories: each environment pushes to
     * `<ecrRepository>-<environment>` (see {@link ecrRepositoryName}), the name the Terraform `ecr`
     * module creates, so environments sharing an account never collide. CreateRepository, `repositoryName`: length 2 to 256,
     * parts of lowercase letters and digits joined by single ".", "_" or "-", parts separated by "/"
     * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html).
     */
    ecrRepository: ruledString([
      lengthRule(2, 256),
      charsRule(/^[a-z0-9._/-]*$/, 'lowercase letters, digits, ".", "_", "-" and "/"'),
      [
        (v) => /[^a-z0-9._/-]/.test(v) || /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(v),
        'each "/"-separated part must start and end with a letter or digit, with one ".", "_" or "-" at most between them',
      ],
    ]),
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
  })
  .superRefine(checkPromotionRules);

/**
 * The skip markers GitHub Actions honours, the default of `skipDirectives.markers`: from "Skipping workflow
 * runs" (docs.github.com/en/actions/managing-workflow-runs/skipping-workflow-runs), workflows "won't be
 * triggered if you add any of the following strings to the commit message in a push, or the HEAD commit of
 * a pull request: [skip ci] [ci skip] [no ci] [skip actions] [actions skip]".
 */
export const DEFAULT_SKIP_MARKERS: readonly string[] = [
  '[skip ci]',
  '[ci skip]',
  '[no ci]',
  '[skip actions]',
  '[actions skip]',
];

/**
 * Which head-commit messages start nothing (docs/push-trigger.md, "Skip directives"). The default is
 * GitHub Actions' set: its five markers and the `skip-checks: true` trailer.
 */
export const skipDirectivesSchema = z.strictObject({
  /**
   * Strings that skip a push when the head commit message contains one, in any case. `[]` turns
   * markers off. @default the five GitHub Actions markers ({@link DEFAULT_SKIP_MARKERS})
   */
  markers: z
    .array(
      ruledString([
        [(m) => m.trim() !== '', 'must contain a non-space character: a blank marker would skip every push'],
        [(m) => !/[\r\n]/.test(m), 'must be on one line'],
      ]),
    )
    .default([...DEFAULT_SKIP_MARKERS])
    .superRefine((markers, ctx) => {
      const seen = new Map<string, string>();
      markers.forEach((marker, i) => {
        const first = seen.get(marker.toLowerCase());
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [i],
            message: `repeats "${first}" (markers match in any case)`,
            input: marker,
          });
        } else seen.set(marker.toLowerCase(), marker);
      });
    }),
  /** Honour a final `skip-checks: true` trailer, as GitHub does. @default true */
  skipChecksTrailer: z.boolean().default(true),
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
/** The CodeBuild stages whose compute `build.compute` chooses. */
export const COMPUTE_STAGES = [
  'RunTests',
  'TerraformPlan',
  'BuildImage',
  'TerraformApply',
  'HelmDeploy',
  'HelmRollback',
] as const;
export type ComputeStage = (typeof COMPUTE_STAGES)[number];

/**
 * Default compute per stage. Lambda compute starts in seconds and does not queue, but it runs no
 * Docker daemon, no privileged mode, no cache, and no build longer than 15 minutes
 * (https://docs.aws.amazon.com/codebuild/latest/userguide/lambda.html#lambda.limitations; aws-cdk-lib
 * refuses `timeout` and `cache` on a Lambda-compute project). So:
 * - BuildImage: EC2 (it needs Docker in privileged mode; refused on Lambda compute);
 * - RunTests: EC2 (the sample service's tests start PostgreSQL, and a service's tests may need containers);
 * - TerraformApply: EC2 (creating an RDS instance or an EKS cluster takes longer than 15 minutes);
 * - HelmDeploy, HelmRollback: EC2 by default: their build may take `2 * deploy.timeoutMinutes + 10`
 *   minutes (30 with the default Helm timeout). Lambda compute is accepted when every environment's
 *   deploy fits in 15 minutes (`deploy.timeoutMinutes` <= 2) and none deploys from a VPC;
 * - TerraformPlan: Lambda compute, 2 GB (CLI tools only; a plan longer than 15 minutes fails).
 */
export const DEFAULT_BUILD_COMPUTE: Readonly<Record<ComputeStage, BuildComputeType>> = {
  RunTests: 'ec2-small',
  TerraformPlan: 'lambda-2gb',
  BuildImage: 'ec2-small',
  TerraformApply: 'ec2-small',
  HelmDeploy: 'ec2-small',
  HelmRollback: 'ec2-small',
};

/** Longest build on CodeBuild's Lambda compute, in minutes (see {@link DEFAULT_BUILD_COMPUTE}). */
export const LAMBDA_COMPUTE_MAX_MINUTES = 15;

export const buildConfigSchema = z.strictObject({
  /** Compute type per CodeBuild stage; unlisted stages keep {@link DEFAULT_BUILD_COMPUTE}. */
  compute: z
    .partialRecord(z.enum(COMPUTE_STAGES), z.enum(BUILD_COMPUTE_TYPES))
    .default({})
    .superRefine((compute, ctx) => {
      const image = compute.BuildImage;
      if (image !== undefined && isLambdaCompute(image)) {
        ctx.addIssue({
          code: 'custom',
          path: ['BuildImage'],
          message: `"${image}" is Lambda compute, which runs no Docker daemon: BuildImage needs EC2 compute (ec2-* or arm-small/medium/large)`,
        });
      }
    })
    .transform((over): Record<ComputeStage, BuildComputeType> => ({ ...DEFAULT_BUILD_COMPUTE, ...over })),
});
export type BuildConfig = z.output<typeof buildConfigSchema>;

/** The `notifications` part of the configuration, defaults filled in. */
export type NotificationsConfig = PipelineConfig['notifications'];

export const pipelineConfigSchema = z
  .strictObject({
    services: z.array(serviceConfigSchema).min(1, 'must list at least one service'),
    /** Days CloudWatch keeps pipeline and build logs. @default 90 */
    logRetentionDays: z
      .number()
      .int('must be a whole number of days')
      .refine(
        (d) => LOG_RETENTION_DAYS.includes(d),
        `must be one of the retention periods CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(', ')}`,
      )
      .default(90),
    /**
     * ECR image scanning of every repository the stack deploys from: `basic` (scan on push) or
     * `enhanced` (Amazon Inspector). One value per installation, because enhanced scanning is the
     * registry's scanning configuration, which covers the whole account and Region
     * (docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html). The Terraform `ecr` module
     * gets it as `scan_type`; the scan gate reads findings and events of this kind (docs/scan-gate.md).
     * @default 'basic'
     */
    scanType: scanTypeSchema.default('basic'),
    /** CodeBuild compute per stage (docs/BENCHMARKS.md, "Compute per stage"). @default {@link DEFAULT_BUILD_COMPUTE} */
    build: buildConfigSchema.default(() => buildConfigSchema.parse({})),
    /**
     * Prices a run's cost is computed with (`deployctl status`, the final notification). Any figure left
     * out keeps its default. @default {@link DEFAULT_PRICING} (us-east-1 list prices)
     */
    pricing: pricingSchema.default(() => pricingSchema.parse({})),
    /** Commit messages that start nothing. @default GitHub Actions' set (markers and the skip-checks trailer) */
    skipDirectives: skipDirectivesSchema.default({ markers: [...DEFAULT_SKIP_MARKERS], skipChecksTrailer: true }),
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
    // CodeBuild fetches every GitHub Enterprise source with the account's one default GitHub Enterprise
    // credential ("Account level credentials for all projects: These are default credentials for all
    // projects in an AWS account", docs.aws.amazon.com/codebuild/latest/userguide/multiple-access-tokens.html),
    // and a token is valid on one host only: one stack fetches from one GitHub Enterprise host.
    let enterpriseHost: string | undefined;
    config.services.forEach((service, i) => {
      if (service.repository.provider !== 'github' || service.repository.host === GITHUB_COM_HOST) return;
      const { host } = service.repository;
      if (enterpriseHost === undefined) enterpriseHost = host;
      else if (host !== enterpriseHost) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', i, 'repository', 'host'],
          message: `is a second GitHub Enterprise host (another service uses "${enterpriseHost}"): CodeBuild keeps one GitHub Enterprise source credential per account and Region, so one stack fetches from one GitHub Enterprise host`,
        });
      }
    });
    // Account-wide names: each environment's ECR repository exists once per account and Region.
    const repositories = new Map<string, string>();
    config.services.forEach((service, i) => {
      service.environments.forEach((env, j) => {
        const name = ecrRepositoryName(service, env);
        const where = `services[${i}].environments[${j}]`;
        if (name.length > MAX_ECR_REPOSITORY_NAME) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', i, 'ecrRepository'],
            message: `makes the ECR repository "${name}" of ${where}, longer than ECR's ${MAX_ECR_REPOSITORY_NAME} characters`,
          });
        }
        const other = repositories.get(name);
        if (other !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', i, 'environments', j, 'name'],
            message: `${where} and ${other} would both push to the ECR repository "${name}"`,
          });
        } else repositories.set(name, where);
      });
    });
    // Deploy and rollback builds on Lambda compute must fit its 15 minutes and run outside a VPC.
    for (const stage of ['HelmDeploy', 'HelmRollback'] as const) {
      const compute = config.build.compute[stage];
      // Undefined when build.compute itself was refused (its transform did not run).
      if (compute === undefined || !isLambdaCompute(compute)) continue;
      config.services.forEach((service, i) => {
        service.environments.forEach((env, j) => {
          const minutes = deployBuildTimeoutMinutes(env.deploy.timeoutMinutes);
          const why =
            env.deployNetwork !== undefined
              ? 'deploys from inside a VPC (deployNetwork)'
              : minutes > LAMBDA_COMPUTE_MAX_MINUTES
                ? `needs a ${minutes}-minute deploy build (2 x deploy.timeoutMinutes + 10)`
                : undefined;
          if (why === undefined) return;
          ctx.addIssue({
            code: 'custom',
            path: ['build', 'compute', stage],
            message: `"${compute}" is Lambda compute (at most ${LAMBDA_COMPUTE_MAX_MINUTES} minutes, no VPC here), but services[${i}].environments[${j}] ${why}: choose EC2 compute`,
          });
        });
      });
    }
    const seen = new Set<string>();
    config.services.forEach((service, i) => {
      if (seen.has(service.name)) {
        ctx.addIssue({ code: 'custom', path: ['services', i, 'name'], message: `duplicate service "${service.name}"` });
      }
      seen.add(service.name);
    });
  });

/** CreateRepository, `repositoryName`: at most 256 characters (ECR API reference). */
const MAX_ECR_REPOSITORY_NAME = 256;

/**
 * The ECR repository one environment of a service pushes to and deploys from:
 * `<ecrRepository>-<environment>`, as the Terraform `ecr` module names it (output `ecr_repository_names`).
 */
export function ecrRepositoryName(
  service: { readonly ecrRepository: string },
  environment: { readonly name: string },
): string {
  return `${service.ecrRepository}-${environment.name}`;
}

/**
 * Promotion rules of one service: `promoteFrom` names another environment of the same service, the
 * promotions form no cycle (dev -> staging -> prod is fine, prod -> dev -> prod is not), and an
 * approval timeout is only set where something waits for approval.
 */
function checkPromotionRules(
  service: {
    readonly name: string;
    readonly environments: readonly {
      readonly name: string;
      readonly promoteFrom?: string | undefined;
      readonly approval: boolean;
      readonly approveDestructive: boolean;
      readonly approvalTimeoutHours?: number | undefined;
    }[];
  },
  ctx: z.RefinementCtx,
): void {
  const names = service.environments.map((env) => env.name);
  const sourceOf = new Map(service.environments.map((env) => [env.name, env.promoteFrom]));
  service.environments.forEach((env, i) => {
    if (env.approvalTimeoutHours !== undefined && !env.approval && !env.approveDestructive) {
      ctx.addIssue({
        code: 'custom',
        path: ['environments', i, 'approvalTimeoutHours'],
        message: 'is set but nothing waits for approval: set approval or approveDestructive to true',
      });
    }
    const source = env.promoteFrom;
    if (source === undefined) return;
    if (source === env.name) {
      ctx.addIssue({
        code: 'custom',
        path: ['environments', i, 'promoteFrom'],
        message: `must name another environment of service "${service.name}", not "${env.name}" itself`,
      });
      return;
    }
    if (!names.includes(source)) {
      ctx.addIssue({
        code: 'custom',
        path: ['environments', i, 'promoteFrom'],
        message: `names no environment of service "${service.name}" (it has ${names.map((n) => `"${n}"`).join(', ')})`,
      });
      return;
    }
    // Each environment has at most one source, so following the sources either ends or comes back.
    const chain = [env.name];
    let current: string | undefined = source;
    while (current !== undefined && !chain.includes(current)) {
      chain.push(current);
      current = sourceOf.get(current);
    }
    if (current === env.name) {
      ctx.addIssue({
        code: 'custom',
        path: ['environments', i, 'promoteFrom'],
        message: `promotions form a cycle: ${[...chain].reverse().join(' -> ')} -> ${chain[chain.length - 1]}`,
      });
    }
  });
}

/** What a user writes (defaults optional). */
export type PipelineConfigInput = z.input<typeof pipelineConfigSchema>;
/** What the stack and the Lambdas read (defaults filled in). */
export type PipelineConfig = z.output<typeof pipelineConfigSchema>;
export type ServiceConfig = PipelineConfig['services'][number];
export type EnvironmentConfig = ServiceConfig['environments'][number];
export type CoveragePolicy = EnvironmentConfig['coverage'];
export type DeployNetwork = NonNullable<EnvironmentConfig['deployNetwork']>;
export type ChangePaths = z.output<typeof changePathsSchema>;
export type SkipDirectives = z.output<typeof skipDirectivesSchema>;

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
