import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../../lib/config/default-config';
import { validateConfig } from '../../../lib/config/load-config';
import type { ExecutionInput } from '../../../lib/contracts/execution-input';
import type { ArtifactStore, StageRunContext } from '../../../lib/local/stage-driver';
import { runSettingsFor } from '../../../lib/run-settings';

export const REPO_ROOT = join(__dirname, '..', '..', '..');

/** An artifact store in memory, standing in for the run's directory or S3 bucket. */
export class MemoryArtifacts implements ArtifactStore {
  readonly bucket = 'local-artifacts';
  readonly objects = new Map<string, Buffer>();
  async put(key: string, body: Uint8Array | string): Promise<void> {
    this.objects.set(key, Buffer.from(body));
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key);
  }
  text(key: string): string | undefined {
    return this.objects.get(key)?.toString('utf8');
  }
}

const workDirs: string[] = [];

/** Removes the work directories of the contexts made so far (installs and Terraform copies are large). */
export function removeWorkDirs(): void {
  for (const dir of workDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

function newWorkDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'local-run-'));
  workDirs.push(dir);
  return dir;
}

const git = (...args: string[]) => spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim();

/** This checkout's HEAD and its parent, as a push of the last commit would name them. */
export function headCommits(): { commit: string; before: string | null } {
  const commit = git('rev-parse', 'HEAD');
  const before = git('rev-parse', 'HEAD~1');
  return { commit, before: /^[0-9a-f]{40}$/.test(before) ? before : null };
}

/** A build of the bundled sample service in dev, as the local runner would hand it to a driver. */
export function stageContext(
  options: {
    environment?: Record<string, string>;
    scenario?: Record<string, unknown>;
    sourceDir?: string;
    artifacts?: MemoryArtifacts;
    workDir?: string;
    signal?: AbortSignal;
  } = {},
): StageRunContext & { artifacts: MemoryArtifacts; lines: string[] } {
  const config = validateConfig(DEFAULT_CONFIG);
  const service = config.services[0];
  const env = service?.environments[0];
  if (service === undefined || env === undefined) throw new Error('the default config has no dev environment');
  const settings = runSettingsFor(service, env, {
    account: '123456789012',
    region: 'us-east-1',
    urlSuffix: 'amazonaws.com',
    deployProject: 'DeployPipeline-helm-deploy',
    rollbackProject: 'DeployPipeline-helm-rollback',
    scanType: config.scanType,
  });
  const { commit, before } = headCommits();
  const input: ExecutionInput = {
    service: service.name,
    environment: env.name,
    trigger: 'manual',
    source: {
      provider: 'manual',
      repository: 'local',
      ref: 'refs/heads/main',
      branch: 'main',
      commit,
      before,
      message: 'local run',
      author: 'local',
      url: '',
      deliveryId: 'local-1',
    },
    changes: { app: true, infra: true, paths: null },
  };
  const lines: string[] = [];
  const workDir = options.workDir ?? newWorkDir();
  return {
    input,
    settings,
    environment: {
      SERVICE: service.name,
      ENVIRONMENT: env.name,
      COMMIT: commit,
      RUN_PREFIX: 'runs/sample-service-dev-local/',
      ...options.environment,
    },
    sourceDir: options.sourceDir ?? REPO_ROOT,
    workDir,
    // Builds of one test share the run directory when they share a work directory.
    runDir: workDir,
    artifacts: options.artifacts ?? new MemoryArtifacts(),
    scenario: options.scenario ?? {},
    log: (line) => lines.push(line),
    signal: options.signal ?? new AbortController().signal,
    lines,
  };
}
