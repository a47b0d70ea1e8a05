import { ErrorName } from '../../../lib/contracts/error-names';

/**
 * Errors of the image scan gate. The two gate failures carry the names the workflow's `Catch`
 * matches (`lib/contracts/error-names.ts`); their message is the JSON failure report
 * (`ScanGateFailure`), so the execution's cause shows which findings blocked the deploy.
 */

/** One or more severities have more gating findings than the policy allows. */
export class ScanFindingsAboveThreshold extends Error {
  override readonly name = ErrorName.ScanFindingsAboveThreshold;
}

/** The scan ended in a status the policy does not accept (`FAILED`, `UNSUPPORTED_IMAGE`, ...). */
export class ScanNotUsable extends Error {
  override readonly name = ErrorName.ScanNotUsable;
}

/**
 * A saved or fetched `DescribeImageScanFindings` response cannot be judged: not an object, no status,
 * `COMPLETE`/`ACTIVE` without a findings object, or pages missing. The CLI exits 2 on it; the
 * Lambdas keep waiting (a scan is never passed on a response the gate could not read).
 */
export class ScanResponseUnreadable extends Error {
  override readonly name = 'ScanResponseUnreadable';
}

/** A handler's input does not have the documented shape; the message names each bad field. */
export class InvalidScanGateInput extends Error {
  override readonly name = 'InvalidScanGateInput';
}
