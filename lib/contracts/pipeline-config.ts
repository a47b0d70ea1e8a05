import { z } from 'zod';
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

/** How runs of one service share an environment (docs/deploy-lock.md). */
export const LOCK_MODES = ['SUPERSEDED', 'QUEUED'] as const;
export type LockMode = (typeof LOCK_MODES)[number];

/** Hours a run waits for approval when the environment does not say. */
export const DEFAULT_APPROVAL_TIMEOUT_HOURS = 24;
/** Longest approval wait an environment may set, in hours (a project limit, see `approvalTimeoutHours`). */
export const MAX_APPROVAL_TIMEOUT_HOURS = 168;

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
  /**
   * How runs of one service in this environment share it (docs/deploy-lock.md): `SUPERSEDED` keeps at
   * most one run waiting and a newer push replaces it (the replaced run ends `Superseded`); `QUEUED`
   * lets every run wait its turn in arrival order.
   * @default "SUPERSEDED"
   */
  lockMode: z.enum(LOCK_MODES).default('SUPERSEDED'),
  /**
   * Another environment of the same service whose successful runs start this environment's run for
   * the same commit and image digest (`trigger: "promotion"`, no rebuild). Unset: no promotion.
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
  })
  .superRefine(checkPromotionRules);

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
        /** Email addresses subscribed to pipeline events. */
        emails: z.array(z.email()).default([]),
      })
      .default({ emails: [] }),
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
