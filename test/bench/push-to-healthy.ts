/**
 * Push to healthy on AWS, modelled (issue 17, measure 3): an estimate for an app-only change, built
 * from stated assumptions, next to the reference design's "app-only deploys under 2 minutes". Nothing
 * here runs on AWS: every figure is an input below, and the model is the state machine's critical path
 * for an app-only run (no plan, no apply): trigger, lock and notification, `max(tests + gate, image
 * build)`, the rest of the scan after the push, the Helm deploy, then the bake.
 */

import { DEFAULT_BAKE_MINUTES } from '../../lib/contracts/deploy-settings';
import { DEFAULT_BUILD_COMPUTE } from '../../lib/contracts/pipeline-config';
import { type BuildComputeType, isLambdaCompute } from '../../lib/contracts/pricing';
import { STANDARD_PROFILE_MINUTES } from '../../lib/local/profile-drivers';

/** How much of the standard profile a small service takes (one container image, a few hundred tests, two replicas). */
export const SMALL_SERVICE_SCALE = 0.25;

/** Start-up of a build before its first command: queue and provisioning, then source download, in seconds. */
export interface ComputeStartup {
  readonly low: number;
  readonly high: number;
  /** Where the figure comes from. */
  readonly basis: string;
}

/**
 * AWS documents no queue or provisioning times. It says only: on-demand fleets — "CodeBuild provides
 * compute for your builds. The machines are destroyed when the build finishes" (each build provisions);
 * reserved capacity fleets — "These machines remain idle, ready to process builds or tests immediately"
 * (https://docs.aws.amazon.com/codebuild/latest/userguide/fleets.html); Lambda compute — "lower start-up
 * latency ... automatically scales, so builds aren't waiting in queue to run"
 * (https://docs.aws.amazon.com/codebuild/latest/userguide/lambda.html). The seconds below are
 * therefore ASSUMPTIONS, to be replaced with the QUEUED + PROVISIONING + DOWNLOAD_SOURCE phase durations
 * of real builds (BatchGetBuilds `phases[].durationInSeconds`).
 */
export const STARTUP: Readonly<Record<'ec2' | 'lambda' | 'reserved', ComputeStartup>> = {
  ec2: { low: 20, high: 60, basis: 'assumed: on-demand EC2 provisions a machine per build (no figure documented)' },
  lambda: { low: 3, high: 8, basis: 'assumed: "lower start-up latency", no queue (no figure documented)' },
  reserved: { low: 3, high: 8, basis: 'assumed: reserved fleet machines are "ready ... immediately"' },
};

/** Orchestration: webhook to StartExecution, Lambda tasks, state transitions (seconds, assumed from the local runs). */
export const ORCHESTRATION = {
  /** GitHub delivery + API Gateway + webhook handler (0.3 ms CPU measured) + StartExecution. */
  trigger: { low: 1, high: 3 },
  /** AcquireLock + NotifyStarted before Verify, and VerifyDeployment + ReleaseLock + notify after the bake. */
  lambdaTasks: { low: 1, high: 4 },
} as const;

/** ECR basic scan-on-push, from the push to the scan event (assumed: no figure documented). */
export const SCAN_SECONDS = { low: 20, high: 60 } as const;

export interface PushToHealthy {
  readonly label: string;
  /** Seconds from the push to the new pods serving (Helm `--wait` returned). */
  readonly healthy: { readonly low: number; readonly high: number };
  /** Plus the bake and the verification: the run is done. */
  readonly verified: { readonly low: number; readonly high: number };
}

const startupOf = (compute: BuildComputeType, reserved: boolean): ComputeStartup =>
  reserved ? STARTUP.reserved : isLambdaCompute(compute) ? STARTUP.lambda : STARTUP.ec2;

/**
 * The modelled push-to-healthy time of an app-only change for one compute setting.
 * @param deployCompute the HelmDeploy compute (Lambda compute is allowed when the deploy fits in 15 minutes)
 * @param reserved whether the builds run on a reserved capacity fleet
 */
export function modelPushToHealthy(label: string, deployCompute: BuildComputeType, reserved: boolean): PushToHealthy {
  const minutes = (stage: keyof typeof STANDARD_PROFILE_MINUTES) =>
    (STANDARD_PROFILE_MINUTES[stage] ?? 0) * 60 * SMALL_SERVICE_SCALE;
  const bound = (which: 'low' | 'high') => {
    const start = (c: BuildComputeType) => startupOf(c, reserved)[which];
    const tests = start(DEFAULT_BUILD_COMPUTE.RunTests) + minutes('RunTests');
    const build = start(DEFAULT_BUILD_COMPUTE.BuildImage) + minutes('BuildImage');
    const verify = Math.max(tests, build);
    // The scan starts at the push (the end of the build) and runs while the rest of Verify finishes.
    const scanLeft = Math.max(0, SCAN_SECONDS[which] - (verify - build));
    const deploy = start(deployCompute) + minutes('HelmDeploy');
    const healthy = ORCHESTRATION.trigger[which] + ORCHESTRATION.lambdaTasks[which] / 2 + verify + scanLeft + deploy;
    return { healthy, verified: healthy + DEFAULT_BAKE_MINUTES * 60 + ORCHESTRATION.lambdaTasks[which] / 2 };
  };
  const low = bound('low');
  const high = bound('high');
  return {
    label,
    healthy: { low: low.healthy, high: high.healthy },
    verified: { low: low.verified, high: high.verified },
  };
}

const mmss = (seconds: number) => {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
};

/** The markdown section: assumptions, then the estimate per compute setting against the 2-minute claim. */
export function pushToHealthySection(): string {
  const rows = [
    modelPushToHealthy('defaults (EC2 on-demand for tests, image, deploy)', DEFAULT_BUILD_COMPUTE.HelmDeploy, false),
    modelPushToHealthy('deploy on Lambda compute (deploy.timeoutMinutes <= 2)', 'lambda-2gb', false),
    modelPushToHealthy('reserved capacity fleet for every build', DEFAULT_BUILD_COMPUTE.HelmDeploy, true),
  ].map((r) => {
    const mid = (r.healthy.low + r.healthy.high) / 2;
    return `| ${r.label} | ${mmss(mid)} | ${mmss(r.healthy.low)}-${mmss(r.healthy.high)} | ${mmss(r.verified.low)}-${mmss(r.verified.high)} | < 2m 00s | ${r.healthy.high < 120 ? 'met' : r.healthy.low < 120 ? '**missed** at the high end' : '**missed**'} |`;
  });
  const p = STANDARD_PROFILE_MINUTES;
  return [
    '### Push to healthy on AWS, modelled (app-only change)',
    '',
    'Not measured: no AWS account is reachable here. The estimate follows the app-only critical path of the state machine: trigger, AcquireLock and NotifyStarted, `max(queue + provisioning + tests and gate, queue + provisioning + image build)`, the part of the scan still running after Verify, then queue + provisioning + Helm deploy; "verified" adds the bake (the dev default, ' +
      `${DEFAULT_BAKE_MINUTES} min) and the closing tasks. The reference design claims "app-only deploys under 2 minutes"; "healthy" (the new pods serve, Helm's \`--wait\` returned) is the figure compared with it.`,
    '',
    'Assumptions (low-high; every one is an input in `test/bench/push-to-healthy.ts`):',
    '',
    `- Small service: the standard profile x ${SMALL_SERVICE_SCALE} (tests ${(p.RunTests ?? 0) * 60 * SMALL_SERVICE_SCALE} s, image build ${(p.BuildImage ?? 0) * 60 * SMALL_SERVICE_SCALE} s with the layer cache, Helm deploy ${(p.HelmDeploy ?? 0) * 60 * SMALL_SERVICE_SCALE} s).`,
    `- Build start-up (queue + provisioning + source), EC2 on-demand: ${STARTUP.ec2.low}-${STARTUP.ec2.high} s; Lambda compute: ${STARTUP.lambda.low}-${STARTUP.lambda.high} s; reserved fleet: ${STARTUP.reserved.low}-${STARTUP.reserved.high} s. AWS documents no figures, only that on-demand machines are provisioned per build, reserved ones are "ready to process builds or tests immediately" (CodeBuild guide, reserved capacity fleets) and Lambda compute has "lower start-up latency" and no queue (CodeBuild guide, Lambda compute): these are assumptions to replace with the QUEUED, PROVISIONING and DOWNLOAD_SOURCE phase durations of real builds.`,
    `- ECR basic scan on push, push to event: ${SCAN_SECONDS.low}-${SCAN_SECONDS.high} s (assumed; it overlaps the end of Verify).`,
    `- Trigger (GitHub delivery, API Gateway, webhook, StartExecution): ${ORCHESTRATION.trigger.low}-${ORCHESTRATION.trigger.high} s; Lambda tasks and transitions: ${ORCHESTRATION.lambdaTasks.low}-${ORCHESTRATION.lambdaTasks.high} s in all.`,
    '',
    '| compute | push to healthy (mid) | low-high | push to verified (low-high) | target | result |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
