import * as z from 'zod';
import { CoverageReportInvalid } from './errors';

/** S3 key of the last successful deploy's coverage, per service and environment. */
export function baselineKey(service: string, environment: string): string {
  return `baselines/${service}/${environment}/coverage.json`;
}

export const baselineSchema = z.object({
  linePct: z.number().min(0).max(100),
  branchPct: z.number().min(0).max(100).nullable(),
  commit: z.string().min(1),
  recordedAt: z.string().min(1),
});

/** Coverage of the last successful deploy; the ratchet compares against `linePct`. */
export type Baseline = z.output<typeof baselineSchema>;

/** The baseline to store after a successful deploy of `commit`. */
export function baselineFromSummary(
  summary: { lines: { pct: number }; branches: { pct: number } | null },
  commit: string,
  now: Date = new Date(),
): Baseline {
  return {
    linePct: summary.lines.pct,
    branchPct: summary.branches?.pct ?? null,
    commit,
    recordedAt: now.toISOString(),
  };
}

/** Reads a stored baseline; a damaged one fails the gate instead of silently disabling the ratchet. */
export function parseBaseline(text: string, where: string): Baseline {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CoverageReportInvalid(`coverage baseline ${where} is not JSON`);
  }
  const parsed = baselineSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CoverageReportInvalid(
      `coverage baseline ${where} is not valid: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`.trim(),
    );
  }
  return parsed.data;
}
