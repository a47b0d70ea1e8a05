import * as z from 'zod';
import type { ScanType } from '../../lib/contracts/scan-policy';
import { formatIssues } from '../../lib/contracts/validation-issues';

/**
 * The two EventBridge events that end a scan, as AWS documents them:
 * - basic: `aws.ecr` / `ECR Image Scan`, detail `{ scan-status, repository-name, image-digest,
 *   image-tags, finding-severity-counts }`
 *   (https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html);
 * - enhanced: `aws.inspector2` / `Inspector2 Scan`, detail `{ scan-status: INITIAL_SCAN_COMPLETE,
 *   repository-name (a repository ARN), image-digest, image-tags, finding-severity-counts }`
 *   (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced-events.html).
 * Both are delivered on a best-effort basis, hence the polling fallback.
 */

/** The event could not be one of the two scan events; the message says what is wrong. */
export class InvalidScanEvent extends Error {
  override readonly name = 'InvalidScanEvent';
}

const detailSchema = z.object({
  'scan-status': z.string().min(1),
  'repository-name': z.string().min(1),
  'image-digest': z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" and 64 lowercase hex digits'),
  'image-tags': z.array(z.string()).optional(),
  'finding-severity-counts': z.record(z.string(), z.number()).optional(),
});

/** One scan event, reduced to what the gate needs. */
export interface ScanEvent {
  readonly kind: ScanType;
  /** Repository name (an Inspector event's repository ARN is reduced to its name). */
  readonly repository: string;
  readonly digest: string;
  /** `detail.scan-status` (`COMPLETE`, `FAILED`, ... for basic; `INITIAL_SCAN_COMPLETE` for enhanced). */
  readonly scanStatus: string;
  /** The event's `account`, when given. */
  readonly account?: string;
}

const KINDS: Record<string, ScanType> = {
  'aws.ecr/ECR Image Scan': 'basic',
  'aws.inspector2/Inspector2 Scan': 'enhanced',
};

/** `arn:aws:ecr:<region>:<account>:repository/<name>` -> `<name>`; a plain name is kept. */
function repositoryNameOf(value: string): string | undefined {
  if (!value.startsWith('arn:')) return value;
  const marker = ':repository/';
  const at = value.indexOf(marker);
  const name = at < 0 ? '' : value.slice(at + marker.length);
  return name === '' ? undefined : name;
}

/**
 * Validates an EventBridge event as an ECR or Inspector scan event.
 * @throws InvalidScanEvent naming the source/detail-type received, or each bad detail field.
 */
export function parseScanEvent(event: unknown): ScanEvent {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new InvalidScanEvent('scan event must be an EventBridge event object');
  }
  const { source, 'detail-type': detailType, detail, account } = event as Record<string, unknown>;
  const kind = KINDS[`${String(source)}/${String(detailType)}`];
  if (kind === undefined) {
    throw new InvalidScanEvent(
      `not a scan event: source "${String(source).slice(0, 100)}", detail-type "${String(detailType).slice(0, 100)}"; expected aws.ecr "ECR Image Scan" or aws.inspector2 "Inspector2 Scan"`,
    );
  }
  const parsed = detailSchema.safeParse(detail, { reportInput: true });
  if (!parsed.success) {
    const issues = formatIssues(parsed.error.issues, 5).map((line) =>
      `detail.${line}`.replace('detail.(root)', 'detail'),
    );
    throw new InvalidScanEvent(`malformed ${String(detailType)} event: ${issues.join('; ')}`);
  }
  const repository = repositoryNameOf(parsed.data['repository-name']);
  if (repository === undefined) {
    throw new InvalidScanEvent(
      `malformed ${String(detailType)} event: detail.repository-name "${parsed.data['repository-name'].slice(0, 300)}" is neither a repository name nor a repository ARN`,
    );
  }
  return {
    kind,
    repository,
    digest: parsed.data['image-digest'],
    scanStatus: parsed.data['scan-status'],
    ...(typeof account === 'string' ? { account } : {}),
  };
}
