import { type ECRClient, paginateDescribeImageScanFindings } from '@aws-sdk/client-ecr';
import { type CollectedScan, ScanCollector } from './collect-scan';
import { ScanResponseUnreadable } from './errors';

/** The image whose scan is read. */
export interface ImageRef {
  /** ECR repository name. */
  readonly repository: string;
  /** `sha256:` digest. */
  readonly digest: string;
  /** Registry (account) id; the caller's default registry when absent. */
  readonly registryId?: string;
}

/** What reading a scan gave: the whole scan, no scan (yet), or a response the gate cannot judge. */
export type ScanRead =
  | { readonly kind: 'found'; readonly scan: CollectedScan }
  | { readonly kind: 'not-found'; readonly status: 'NOT_FOUND'; readonly reason: string }
  | { readonly kind: 'unreadable'; readonly status: string; readonly reason: string };

/**
 * `DescribeImageScanFindings` returns at most 1,000 findings a page (`maxResults` 1-1000, API
 * Reference); the largest page means the fewest calls.
 */
const PAGE_SIZE = 1_000;

/**
 * Reads every page of an image's scan findings (the SDK paginator follows `nextToken`) and collects
 * them page by page.
 *
 * - `ScanNotFoundException` ("Ensure that image scanning is enabled on the repository"): no scan yet.
 * - `ImageNotFoundException` / `RepositoryNotFoundException`: reported as not found, naming the image,
 *   so a waiting run shows why it waits.
 * - A response the gate cannot judge is `unreadable` (never passed). Other errors are thrown.
 */
export async function fetchScan(ecr: ECRClient, image: ImageRef): Promise<ScanRead> {
  const collector = new ScanCollector();
  const where = `${image.repository}@${image.digest}`;
  try {
    const pages = paginateDescribeImageScanFindings(
      { client: ecr, pageSize: PAGE_SIZE, stopOnSameToken: true },
      {
        repositoryName: image.repository,
        imageId: { imageDigest: image.digest },
        ...(image.registryId === undefined ? {} : { registryId: image.registryId }),
      },
    );
    for await (const page of pages) collector.addPage(page);
    return { kind: 'found', scan: collector.finish() };
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'ScanNotFoundException') {
      return { kind: 'not-found', status: 'NOT_FOUND', reason: `no scan of ${where} yet` };
    }
    if (name === 'ImageNotFoundException' || name === 'RepositoryNotFoundException') {
      return { kind: 'not-found', status: 'NOT_FOUND', reason: `${name}: ${where} does not exist` };
    }
    if (err instanceof ScanResponseUnreadable) {
      return { kind: 'unreadable', status: 'UNREADABLE', reason: `scan of ${where} unreadable: ${err.message}` };
    }
    throw err;
  }
}
