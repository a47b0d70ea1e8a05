import { type FindingPackage, SEVERITIES, type Severity } from '../../../lib/contracts/scan-policy';
import type { BasicFinding, EnhancedFinding } from './scan-page';

/** A finding in the one form the policy judges, whichever scan produced it. */
export interface NormalizedFinding {
  readonly id: string;
  readonly severity: Severity;
  readonly kind: 'basic' | 'enhanced';
  readonly packages: readonly FindingPackage[];
  /** Enhanced only: Inspector's `fixAvailable` (`YES`, `NO`, `PARTIAL`), as given. */
  readonly fixAvailable?: string;
}

const KNOWN = new Set<string>(SEVERITIES);

/**
 * ECR's severity for a finding: one of the six `FindingSeverity` values, upper-cased. Inspector's
 * `UNTRIAGED`, a missing value and anything unknown count as `UNDEFINED`.
 */
export function toSeverity(raw: string | undefined): Severity {
  const upper = raw?.trim().toUpperCase();
  return upper !== undefined && KNOWN.has(upper) ? (upper as Severity) : 'UNDEFINED';
}

/** Inspector writes `NotAvailable` where no fixed version exists. */
const NO_VERSION = new Set(['', 'NotAvailable']);

function version(value: string | undefined): string | undefined {
  return value === undefined || NO_VERSION.has(value) ? undefined : value;
}

/**
 * A basic finding: `name` is the CVE, `attributes` carry `package_name` and `package_version`
 * (see the AWS CLI's describe-image-scan-findings example). Basic scans give no fixed version.
 */
export function normalizeBasic(finding: BasicFinding): NormalizedFinding {
  let name: string | undefined;
  let installed: string | undefined;
  for (const attribute of finding.attributes ?? []) {
    if (attribute.key === 'package_name') name = attribute.value;
    else if (attribute.key === 'package_version') installed = attribute.value;
  }
  const packages: FindingPackage[] =
    name === undefined ? [] : [installed === undefined ? { name } : { name, installedVersion: installed }];
  return {
    id: finding.name ?? finding.uri ?? 'unnamed-finding',
    severity: toSeverity(finding.severity),
    kind: 'basic',
    packages,
  };
}

/** The installed version Inspector reports: `[epoch:]version[-release]`. */
function installedVersion(pkg: { version?: string; release?: string; epoch?: number }): string | undefined {
  if (pkg.version === undefined || pkg.version === '') return undefined;
  const epoch = pkg.epoch !== undefined && pkg.epoch > 0 ? `${pkg.epoch}:` : '';
  const release = pkg.release !== undefined && pkg.release !== '' ? `-${pkg.release}` : '';
  return `${epoch}${pkg.version}${release}`;
}

/**
 * An enhanced finding: the CVE is `packageVulnerabilityDetails.vulnerabilityId` (else the title's
 * first word, else the finding ARN); every vulnerable package is kept with its versions.
 */
export function normalizeEnhanced(finding: EnhancedFinding): NormalizedFinding {
  const details = finding.packageVulnerabilityDetails;
  const packages: FindingPackage[] = [];
  for (const pkg of details?.vulnerablePackages ?? []) {
    const name = pkg.name ?? pkg.filePath;
    if (name === undefined) continue;
    const installed = installedVersion(pkg);
    const fixed = version(pkg.fixedInVersion);
    packages.push({
      name,
      ...(installed === undefined ? {} : { installedVersion: installed }),
      ...(fixed === undefined ? {} : { fixedVersion: fixed }),
    });
  }
  const fromTitle = finding.title?.split(' ')[0];
  return {
    id: details?.vulnerabilityId ?? (fromTitle || undefined) ?? finding.findingArn ?? 'unnamed-finding',
    severity: toSeverity(finding.severity),
    kind: 'enhanced',
    packages,
    ...(finding.fixAvailable === undefined ? {} : { fixAvailable: finding.fixAvailable }),
  };
}
