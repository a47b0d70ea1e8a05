import * as z from 'zod';
import { coveragePolicySchema } from '../../lib/contracts/pipeline-config';
import { exportedValue, exportedVariablesSchema } from '../../lib/contracts/stage-outputs';

/** Input of the CoverageGate task, built by the state machine from the execution input and RunTests. */
export const gateEventSchema = z.object({
  bucket: z.string().min(1),
  reportKey: z.string().min(1),
  /**
   * The changed-lines diff: a key, or RunTests' exported variables as the state machine passes them
   * (`CHANGED_LINES_KEY` is absent when the build had no parent commit to diff against); `none`,
   * empty or absent = no diff.
   */
  diffKey: z
    .union([z.string(), exportedVariablesSchema])
    .nullish()
    .transform((key) => {
      const value = Array.isArray(key) ? exportedValue(key, 'CHANGED_LINES_KEY') : key;
      return value && value !== 'none' ? value : null;
    }),
  baselineKey: z.string().min(1),
  service: z.string().min(1),
  environment: z.string().min(1),
  commit: z.string().min(1),
  policy: coveragePolicySchema,
  /** CodeBuild's own coverage report of the run, for a cross-check; found from the build when absent. */
  codebuildReportArn: z.string().min(1).nullish(),
  /** The RunTests build (`Build.Id`), whose coverage report the cross-check looks up. */
  codebuildBuildId: z.string().min(1).nullish(),
});

export type GateEvent = z.output<typeof gateEventSchema>;
