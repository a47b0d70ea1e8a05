import * as z from 'zod';

/**
 * How one environment deploys and bakes (docs/rollback.md): the Helm timeout, the bake after Helm
 * reports success, the CloudWatch alarms watched during the bake and the public `/version` URL.
 * `environments[].deploy` in the pipeline configuration.
 */

/** Helm `--timeout` when the environment does not say, in minutes. */
export const DEFAULT_DEPLOY_TIMEOUT_MINUTES = 10;
/**
 * Longest Helm timeout an environment may set, in minutes. A project limit: the deploy holds the
 * environment's lock, and a failed upgrade with `--rollback-on-failure` waits up to the timeout a
 * second time for Helm's own rollback (see {@link deployBuildTimeoutMinutes}).
 */
export const MAX_DEPLOY_TIMEOUT_MINUTES = 60;

/** Environment names that bake {@link PRODUCTION_BAKE_MINUTES} by default. */
export const PRODUCTION_ENVIRONMENT_NAMES: readonly string[] = ['prod', 'production'];
/** Default bake of an environment named `prod` or `production`, in minutes. */
export const PRODUCTION_BAKE_MINUTES = 5;
/** Default bake of every other environment, in minutes. */
export const DEFAULT_BAKE_MINUTES = 1;
/** Longest bake an environment may set, in minutes (a project limit: the run holds the lock while it bakes). */
export const MAX_BAKE_MINUTES = 60;
/**
 * Most alarms one environment may watch. DescribeAlarms, `AlarmNames`: "Array Members: Maximum number
 * of 100 items", each of length 1 to 255
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html); the bake
 * check reads them in one request.
 */
export const MAX_BAKE_ALARMS = 100;
/** PutMetricAlarm / PutCompositeAlarm, `AlarmName`: length 1 to 255 (CloudWatch API Reference). */
export const MAX_ALARM_NAME_LENGTH = 255;

const alarmName = z
  .string()
  .min(1, 'must not be empty')
  .max(
    MAX_ALARM_NAME_LENGTH,
    `must be at most ${MAX_ALARM_NAME_LENGTH} characters long (CloudWatch's alarm name limit)`,
  )
  .refine((name) => name.trim() === name, 'must not start or end with a space (CloudWatch matches names exactly)');

const wholeMinutes = (min: number, max: number) =>
  z
    .number()
    .int('must be a whole number of minutes')
    .min(min, `must be from ${min} to ${max} minutes`)
    .max(max, `must be from ${min} to ${max} minutes`);

/** `environments[].deploy` as a user writes it. */
export const deployConfigSchema = z.strictObject({
  /** Helm `--timeout` of the deploy and of the rollback build, in minutes. @default 10 */
  timeoutMinutes: wholeMinutes(1, MAX_DEPLOY_TIMEOUT_MINUTES).default(DEFAULT_DEPLOY_TIMEOUT_MINUTES),
  /**
   * How long the run waits after Helm reports success before VerifyDeployment checks the whole
   * window once, in minutes; `0` = check right after the deploy. @default 5 for an environment named `prod` or `production`, else 1
   * (see {@link defaultBakeMinutes})
   */
  bakeMinutes: wholeMinutes(0, MAX_BAKE_MINUTES).optional(),
  /**
   * CloudWatch alarms (metric or composite) that must not be in ALARM during the bake, by name.
   * Any of them in ALARM at the check, or having entered ALARM since the deploy started, rolls the
   * deploy back (`AlarmDuringBake`). @default []
   */
  alarms: z
    .array(alarmName)
    .max(MAX_BAKE_ALARMS, `must list at most ${MAX_BAKE_ALARMS} alarms (DescribeAlarms reads at most 100 names)`)
    .default([])
    .superRefine((names, ctx) => {
      const seen = new Set<string>();
      names.forEach((name, i) => {
        if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [i], message: `repeats "${name}"`, input: name });
        seen.add(name);
      });
    }),
  /**
   * The service's `/version` URL on a host the pipeline's Lambda can reach (public or through a
   * load balancer), e.g. `https://orders.example.com/version`. Unset: the Lambda does not check the
   * version itself; the deploy build reports it from inside the cluster's network instead.
   */
  versionUrl: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
});

/** `environments[].deploy` as a user writes it (every field optional). */
export type DeployConfigInput = z.input<typeof deployConfigSchema>;

/** The deploy settings of one environment with every default filled in. */
export interface DeploySettings {
  /** Helm `--timeout`, in minutes. */
  readonly timeoutMinutes: number;
  /** Bake after Helm reports success, in minutes (0 = check at once). */
  readonly bakeMinutes: number;
  /** Alarm names that must not be in ALARM during the bake. */
  readonly alarms: readonly string[];
  /** Public `/version` URL, when the Lambda checks the version itself. */
  readonly versionUrl?: string;
}

/**
 * The bake of an environment that sets none: {@link PRODUCTION_BAKE_MINUTES} for an environment named
 * `prod` or `production`, {@link DEFAULT_BAKE_MINUTES} for any other. A rule on the name alone, so a
 * reader of the configuration can tell the bake without knowing the promotion chain.
 */
export function defaultBakeMinutes(environmentName: string): number {
  return PRODUCTION_ENVIRONMENT_NAMES.includes(environmentName) ? PRODUCTION_BAKE_MINUTES : DEFAULT_BAKE_MINUTES;
}

/**
 * An environment's deploy settings with defaults filled in.
 * @param environment a validated environment (`deploy` may be absent in hand-built objects).
 */
export function deploySettingsOf(environment: {
  readonly name: string;
  readonly deploy?: z.output<typeof deployConfigSchema> | undefined;
}): DeploySettings {
  const deploy = environment.deploy ?? deployConfigSchema.parse({});
  return {
    timeoutMinutes: deploy.timeoutMinutes,
    bakeMinutes: deploy.bakeMinutes ?? defaultBakeMinutes(environment.name),
    alarms: deploy.alarms,
    ...(deploy.versionUrl === undefined ? {} : { versionUrl: deploy.versionUrl }),
  };
}

/**
 * What a run reads of its environment's deploy settings (`RunSettings.deploy`, written by the stack):
 * the Helm timeout in minutes, the bake in seconds (`WaitBake`'s `SecondsPath`), the alarms and the
 * `/version` URL that `VerifyDeployment` checks.
 */
export const runDeploySettingsSchema = z.strictObject({
  timeoutMinutes: z.number().int().min(1).max(MAX_DEPLOY_TIMEOUT_MINUTES),
  bakeSeconds: z
    .number()
    .int()
    .min(0)
    .max(MAX_BAKE_MINUTES * 60),
  alarms: z.array(alarmName).max(MAX_BAKE_ALARMS),
  versionUrl: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
});

export type RunDeploySettings = z.infer<typeof runDeploySettingsSchema>;

/** {@link DeploySettings} as the run settings carry them: `bakeSeconds = bakeMinutes * 60`. */
export function runDeploySettingsOf(settings: DeploySettings): RunDeploySettings {
  return {
    timeoutMinutes: settings.timeoutMinutes,
    bakeSeconds: settings.bakeMinutes * 60,
    alarms: [...settings.alarms],
    ...(settings.versionUrl === undefined ? {} : { versionUrl: settings.versionUrl }),
  };
}

/**
 * The HelmDeploy build timeout an environment's Helm timeout needs, in minutes: twice the Helm
 * timeout (a failed upgrade with `--rollback-on-failure` waits for Helm's own rollback with the same
 * timeout) plus 10 minutes to install Helm and read the release. CodeBuild accepts 5 to 2160 minutes
 * (`timeoutInMinutes`, https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html).
 */
export function deployBuildTimeoutMinutes(timeoutMinutes: number): number {
  return 2 * timeoutMinutes + 10;
}
