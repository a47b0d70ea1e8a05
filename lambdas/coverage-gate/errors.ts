import { ErrorName } from '../../lib/contracts/error-names';

/**
 * The report is missing, empty, not a coverage report, malformed or has nothing to measure. The gate fails
 * on it like on low coverage: a run never passes because its report could not be read.
 */
export class CoverageReportInvalid extends Error {
  override readonly name = ErrorName.CoverageReportInvalid;
}

/** One or more coverage rules failed; the message lists each rule with actual vs required. */
export class CoverageBelowThreshold extends Error {
  override readonly name = ErrorName.CoverageBelowThreshold;
}
