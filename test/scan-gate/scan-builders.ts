import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Builders of `DescribeImageScanFindings` pages in the shapes of AWS's own examples
 * (test/fixtures/scan): basic findings carry `package_name`/`package_version` attributes, enhanced
 * findings a `packageVulnerabilityDetails` with `vulnerablePackages`.
 */

export const FIXTURES = join(__dirname, '..', 'fixtures', 'scan');

export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

export const DIGEST = `sha256:${'ab'.repeat(32)}`;

export function basicFinding(id: string, severity: string, pkg = 'openssl', version = '1.1.1k-1') {
  return {
    name: id,
    description: `${id} in ${pkg}`,
    uri: `https://security-tracker.debian.org/tracker/${id}`,
    severity,
    attributes: [
      { key: 'package_version', value: version },
      { key: 'package_name', value: pkg },
      { key: 'CVSS2_VECTOR', value: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' },
      { key: 'CVSS2_SCORE', value: '7.5' },
    ],
  };
}

export interface EnhancedOptions {
  status?: string;
  fixAvailable?: string | null;
  packages?: { name: string; version?: string; release?: string; fixedInVersion?: string }[];
}

export function enhancedFinding(id: string, severity: string, options: EnhancedOptions = {}) {
  const packages = options.packages ?? [{ name: 'libxml2', version: '2.9.14+dfsg', release: '1.3~deb12u1' }];
  return {
    awsAccountId: '123456789012',
    description: `${id} description`,
    findingArn: `arn:aws:inspector2:us-west-2:123456789012:finding/${id.replace(/\W/g, '')}`,
    packageVulnerabilityDetails: {
      source: 'DEBIAN_CVE',
      vulnerabilityId: id,
      vulnerablePackages: packages.map((p) => ({
        arch: 'AMD64',
        epoch: 0,
        packageManager: 'OS',
        sourceLayerHash: `sha256:${'cd'.repeat(32)}`,
        fixedInVersion: 'NotAvailable',
        ...p,
      })),
    },
    severity,
    status: options.status ?? 'ACTIVE',
    title: `${id} - ${packages.map((p) => p.name).join(', ')}`,
    type: 'PACKAGE_VULNERABILITY',
    ...(options.fixAvailable === null ? {} : { fixAvailable: options.fixAvailable ?? 'YES' }),
  };
}

export interface PageOptions {
  status?: string;
  findings?: unknown[];
  enhancedFindings?: unknown[];
  counts?: Record<string, number>;
  nextToken?: string;
  completedAt?: boolean;
}

export function page(options: PageOptions = {}) {
  const body: Record<string, unknown> = {};
  if (options.findings) body.findings = options.findings;
  if (options.enhancedFindings) body.enhancedFindings = options.enhancedFindings;
  if (options.counts) body.findingSeverityCounts = options.counts;
  if (options.completedAt !== false) body.imageScanCompletedAt = '2025-06-09T07:08:40.144000+00:00';
  return {
    imageScanFindings: body,
    registryId: '123456789012',
    repositoryName: 'orders-api',
    imageId: { imageDigest: DIGEST },
    imageScanStatus: { status: options.status ?? 'COMPLETE', description: 'The scan was completed successfully.' },
    ...(options.nextToken ? { nextToken: options.nextToken } : {}),
  };
}

/** Splits findings into pages of `size`, each repeating the whole image's counts, as ECR does. */
export function paginate(
  all: unknown[],
  size: number,
  kind: 'findings' | 'enhancedFindings',
  counts?: Record<string, number>,
  status = 'COMPLETE',
) {
  const pages = [];
  for (let i = 0; i < all.length; i += size) {
    const last = i + size >= all.length;
    pages.push(
      page({
        status,
        [kind]: all.slice(i, i + size),
        ...(counts ? { counts } : {}),
        ...(last ? {} : { nextToken: `token-${i + size}` }),
      }),
    );
  }
  return pages;
}

export function statusOnly(status: string, description?: string) {
  return {
    registryId: '123456789012',
    repositoryName: 'orders-api',
    imageId: { imageDigest: DIGEST },
    imageScanStatus: { status, ...(description ? { description } : {}) },
  };
}
