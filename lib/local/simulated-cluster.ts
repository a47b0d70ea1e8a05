import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { helmBinary } from './helm-binary';
import type { StageRunContext } from './stage-driver';

/** The `helm`, `kubectl` and `aws` executables of the simulated cluster, put first on the PATH of the Helm scripts. */
export const SIMULATED_CLUSTER_BIN = join(__dirname, 'simulated-cluster');

/** One revision of a release, as `helm history -o json` lists it. */
export interface ReleaseRevision {
  readonly revision: number;
  readonly status: 'deployed' | 'superseded' | 'failed';
  readonly chart?: string;
  readonly description: string;
  readonly updated: string;
}

/**
 * A Kubernetes cluster stand-in for the Helm stage scripts (no API server can run here): release
 * histories as JSON files under `<runDir>/simulated-cluster`, shared by HelmDeploy and HelmRollback
 * of one run, and the `helm`/`aws` executables of {@link SIMULATED_CLUSTER_BIN}, whose
 * `helm upgrade --install` runs the real Helm's `lint --strict` and `template` before simulating the
 * rollout.
 */
export class SimulatedCluster {
  readonly dir: string;
  /** Where the last `helm upgrade` wrote its rendered manifests. */
  readonly renderedFile: string;

  constructor(ctx: StageRunContext) {
    this.dir = join(ctx.runDir, 'simulated-cluster');
    this.renderedFile = join(this.dir, 'rendered.yaml');
    mkdirSync(this.dir, { recursive: true });
  }

  private file(release: string, namespace: string): string {
    return join(this.dir, `${namespace}.${release}.json`);
  }

  /** The release's revisions, oldest first; empty when it was never installed. */
  history(release: string, namespace: string): ReleaseRevision[] {
    const file = this.file(release, namespace);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ReleaseRevision[]) : [];
  }

  /** A release that already ran `revisions` revisions before this run (the last one deployed). */
  seed(release: string, namespace: string, revisions: number): void {
    if (revisions <= 0 || this.history(release, namespace).length > 0) return;
    const history = Array.from({ length: revisions }, (_, i) => ({
      revision: i + 1,
      status: i + 1 === revisions ? 'deployed' : 'superseded',
      description: 'deployed before this run (scenario)',
      updated: new Date(0).toISOString(),
    }));
    writeFileSync(this.file(release, namespace), `${JSON.stringify(history, null, 2)}\n`);
  }

  /**
   * Marks the release's newest revision failed (its manifests did not pass the schema check), and
   * the revision it superseded deployed again, as Helm leaves a release after a failed upgrade.
   */
  failLatest(release: string, namespace: string, description: string): void {
    const history = this.history(release, namespace);
    const latest = history.at(-1);
    if (latest === undefined) return;
    history[history.length - 1] = { ...latest, status: 'failed', description };
    const before = history.at(-2);
    if (before?.status === 'superseded') history[history.length - 2] = { ...before, status: 'deployed' };
    writeFileSync(this.file(release, namespace), `${JSON.stringify(history, null, 2)}\n`);
  }

  /**
   * The environment of a Helm script run against this cluster: `rolloutFails` per scenario;
   * `deployedCommit` is what the service's /version reports after a rollout.
   */
  environment(rolloutFails: boolean, deployedCommit = ''): Record<string, string> {
    return {
      SIMULATED_CLUSTER_COMMIT: deployedCommit,
      SIMULATED_CLUSTER_DIR: this.dir,
      SIMULATED_CLUSTER_HELM: helmBinary(),
      SIMULATED_CLUSTER_RENDERED: this.renderedFile,
      SIMULATED_CLUSTER_ROLLOUT: rolloutFails ? 'fail' : 'ok',
    };
  }
}
