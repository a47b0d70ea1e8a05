import { EVALUATED_STATUSES } from '../../../lib/contracts/scan-policy';
import { formatIssues } from '../../../lib/contracts/validation-issues';
import { ScanResponseUnreadable } from './errors';
import { type NormalizedFinding, normalizeBasic, normalizeEnhanced, toSeverity } from './normalize-finding';
import { type ScanPage, scanPageSchema } from './scan-page';

/** Every page of one image's scan, read and checked; the policy is applied later (`judgeScan`). */
export interface CollectedScan {
  /** `imageScanStatus.status`. */
  readonly status: string;
  readonly statusDescription?: string;
  readonly registryId?: string;
  readonly repositoryName?: string;
  readonly imageDigest?: string;
  /** The counted findings: every basic finding and every `ACTIVE` enhanced one. */
  readonly findings: readonly NormalizedFinding[];
  /** Enhanced findings left out because they are not `ACTIVE` (`SUPPRESSED`, `CLOSED`). */
  readonly inactive: number;
  /** Enhanced findings listed, whatever their status. */
  readonly enhancedListed: number;
  /** Whether any page carried `imageScanFindings.imageScanCompletedAt`. */
  readonly completedAtGiven: boolean;
  /** Whether any page carried an `imageScanFindings` object. */
  readonly hasFindingsObject: boolean;
  /** `findingSeverityCounts` as the first page giving it reports them (mapped to the six severities). */
  readonly reportedCounts?: Readonly<Record<string, number>>;
  /** Notes on the response (pages disagreeing on reported counts); the verdict adds them to its warnings. */
  readonly notes: readonly string[];
  readonly pages: number;
}

/** A page set larger than this is refused (1,000 findings a page: a million findings). */
export const MAX_PAGES = 1_000;

/**
 * Reads the pages of one `DescribeImageScanFindings` response in order, keeping only what the policy
 * needs, so memory grows with the number of findings, not the size of their descriptions.
 *
 * Rules: every page is read; a set whose last page still has a `nextToken` is incomplete; the status
 * is the first page's and every page that gives one must agree; `COMPLETE`/`ACTIVE` needs a findings
 * object. `findingSeverityCounts` repeats the image's totals on each page, so it is never summed: the
 * first page's value is kept for comparison with the listed findings.
 *
 * @throws ScanResponseUnreadable naming the page and field at fault.
 */
export class ScanCollector {
  private status: string | undefined;
  private statusDescription: string | undefined;
  private registryId: string | undefined;
  private repositoryName: string | undefined;
  private imageDigest: string | undefined;
  private readonly findings: NormalizedFinding[] = [];
  private inactive = 0;
  private enhancedListed = 0;
  private completedAtGiven = false;
  private hasFindingsObject = false;
  private reportedRaw: Record<string, number> | undefined;
  private reportedVaries = false;
  private pages = 0;
  private lastNextToken: string | undefined;

  /** Adds the next page (a parsed JSON object or an SDK response). */
  addPage(raw: unknown): void {
    this.pages += 1;
    const where = `page ${this.pages}`;
    if (this.pages > MAX_PAGES) {
      throw new ScanResponseUnreadable(`more than ${MAX_PAGES} pages of findings: refusing to read on`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new ScanResponseUnreadable(`${where} is not a DescribeImageScanFindings response object`);
    }
    const parsed = scanPageSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) {
      throw new ScanResponseUnreadable(`${where}: ${formatIssues(parsed.error.issues, 3).join('; ')}`);
    }
    this.read(parsed.data, where);
  }

  private read(page: ScanPage, where: string): void {
    const status = page.imageScanStatus?.status;
    if (status !== undefined && status !== '') {
      if (this.status === undefined) {
        this.status = status;
        this.statusDescription = page.imageScanStatus?.description;
      } else if (status !== this.status) {
        throw new ScanResponseUnreadable(
          `${where} reports status ${status} but an earlier page reports ${this.status}: pages of different reads`,
        );
      }
    }
    this.registryId ??= page.registryId;
    this.repositoryName ??= page.repositoryName;
    this.imageDigest ??= page.imageId?.imageDigest;
    this.lastNextToken = page.nextToken ?? page.NextToken ?? undefined;

    const body = page.imageScanFindings;
    if (body === undefined) return;
    this.hasFindingsObject = true;
    if (body.imageScanCompletedAt !== undefined && body.imageScanCompletedAt !== null) this.completedAtGiven = true;
    if (body.findingSeverityCounts !== undefined) {
      const mapped = mapCounts(body.findingSeverityCounts);
      if (this.reportedRaw === undefined) this.reportedRaw = mapped;
      else if (!sameCounts(this.reportedRaw, mapped)) this.reportedVaries = true;
    }
    for (const finding of body.findings ?? []) this.findings.push(normalizeBasic(finding));
    for (const finding of body.enhancedFindings ?? []) {
      this.enhancedListed += 1;
      // Only ACTIVE findings count: SUPPRESSED is hidden by a suppression rule, not fixed
      // (https://docs.aws.amazon.com/inspector/latest/user/findings-managing-supression-rules.html);
      // CLOSED is remediated or no longer applies (.../findings-understanding.html).
      if (finding.status !== undefined && finding.status !== 'ACTIVE') {
        this.inactive += 1;
        continue;
      }
      this.findings.push(normalizeEnhanced(finding));
    }
  }

  /**
   * The whole scan, once the last page is in.
   * @throws ScanResponseUnreadable when no page was added, no status was given, the last page has a
   * `nextToken` (pages missing) or an evaluated status has no findings object.
   */
  finish(): CollectedScan {
    if (this.pages === 0) throw new ScanResponseUnreadable('no pages: expected a DescribeImageScanFindings response');
    if (this.status === undefined) {
      throw new ScanResponseUnreadable('no imageScanStatus.status: not a DescribeImageScanFindings response');
    }
    if (this.lastNextToken !== undefined && this.lastNextToken !== '') {
      throw new ScanResponseUnreadable(
        `incomplete: the last page (${this.pages}) still has a nextToken; save every page (a JSON array of the responses) or the AWS CLI's paginated output without --max-items`,
      );
    }
    if (EVALUATED_STATUSES.includes(this.status) && !this.hasFindingsObject) {
      throw new ScanResponseUnreadable(`status ${this.status} without an imageScanFindings object: nothing to judge`);
    }
    const notes: string[] = [];
    if (this.reportedVaries) {
      notes.push('pages report different findingSeverityCounts: the first page was compared with the listed findings');
    }
    return {
      status: this.status,
      ...(this.statusDescription === undefined ? {} : { statusDescription: this.statusDescription }),
      ...(this.registryId === undefined ? {} : { registryId: this.registryId }),
      ...(this.repositoryName === undefined ? {} : { repositoryName: this.repositoryName }),
      ...(this.imageDigest === undefined ? {} : { imageDigest: this.imageDigest }),
      findings: this.findings,
      inactive: this.inactive,
      enhancedListed: this.enhancedListed,
      completedAtGiven: this.completedAtGiven,
      hasFindingsObject: this.hasFindingsObject,
      ...(this.reportedRaw === undefined ? {} : { reportedCounts: this.reportedRaw }),
      notes,
      pages: this.pages,
    };
  }
}

/** Reads a whole page set (a response, or an array of its pages in order). */
export function collectScan(pages: Iterable<unknown>): CollectedScan {
  const collector = new ScanCollector();
  for (const page of pages) collector.addPage(page);
  return collector.finish();
}

/** Reported counts keyed by the six severities (`UNTRIAGED` and unknown keys into `UNDEFINED`); `TOTAL` dropped. */
function mapCounts(raw: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.toUpperCase() === 'TOTAL') continue;
    const severity = toSeverity(key);
    out[severity] = (out[severity] ?? 0) + value;
  }
  return out;
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if ((a[key] ?? 0) !== (b[key] ?? 0)) return false;
  return true;
}
