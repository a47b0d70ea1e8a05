import { baselineFromSummary, parseBaseline } from '../../lambdas/coverage-gate/baseline';
import { counts } from '../../lambdas/coverage-gate/coverage-types';
import { CoverageReportInvalid } from '../../lambdas/coverage-gate/errors';
import { evaluatePolicy, formatPct, type PolicyInput } from '../../lambdas/coverage-gate/evaluate-policy';

function input(partial: Partial<PolicyInput> = {}): PolicyInput {
  return { lines: counts(80, 100), branches: counts(7, 10), newCode: null, baseline: null, ...partial };
}

const rule = (result: ReturnType<typeof evaluatePolicy>, name: string) => result.rules.find((r) => r.rule === name);

describe('evaluatePolicy', () => {
  it('line coverage exactly at the threshold passes; one line below fails', () => {
    expect(evaluatePolicy(input(), { minLinePct: 80 }).passed).toBe(true);
    expect(evaluatePolicy(input({ lines: counts(79, 100) }), { minLinePct: 80 }).passed).toBe(false);
    // 2/3 is 66.666...%: below a 66.67 threshold, above 66.66.
    expect(evaluatePolicy(input({ lines: counts(2, 3) }), { minLinePct: 66.67 }).passed).toBe(false);
    expect(evaluatePolicy(input({ lines: counts(2, 3) }), { minLinePct: 66.66 }).passed).toBe(true);
  });

  it('defaults to 80% lines', () => {
    const result = evaluatePolicy(input({ lines: counts(799, 1000) }), {});
    expect(result.passed).toBe(false);
    expect(rule(result, 'minLinePct')).toMatchObject({ required: 80, actual: 79.9, passed: false });
  });

  it('0 and 100 are usable thresholds', () => {
    expect(evaluatePolicy(input({ lines: counts(0, 5) }), { minLinePct: 0 }).passed).toBe(true);
    expect(evaluatePolicy(input({ lines: counts(5, 5) }), { minLinePct: 100 }).passed).toBe(true);
    expect(evaluatePolicy(input({ lines: counts(4, 5) }), { minLinePct: 100 }).passed).toBe(false);
  });

  it('a report with no valid lines never passes, even at threshold 0', () => {
    expect(evaluatePolicy(input({ lines: counts(0, 0) }), { minLinePct: 0 }).passed).toBe(false);
  });

  it('branch rule: at, below, and without branch data', () => {
    expect(evaluatePolicy(input(), { minLinePct: 0, minBranchPct: 70 }).passed).toBe(true);
    const below = evaluatePolicy(input(), { minLinePct: 0, minBranchPct: 70.1 });
    expect(rule(below, 'minBranchPct')).toMatchObject({ actual: 70, required: 70.1, passed: false });
    const none = evaluatePolicy(input({ branches: null }), { minLinePct: 0, minBranchPct: 1 });
    expect(rule(none, 'minBranchPct')).toMatchObject({
      actual: null,
      passed: false,
      note: 'the report has no branch data',
    });
    expect(rule(evaluatePolicy(input(), {}), 'minBranchPct')).toBeUndefined();
  });

  it('new-code rule: judged when a diff has coverable lines, not evaluated otherwise', () => {
    const ok = evaluatePolicy(input({ newCode: counts(9, 10) }), { minNewCodePct: 90 });
    expect(rule(ok, 'minNewCodePct')).toMatchObject({ actual: 90, passed: true, evaluated: true });
    const low = evaluatePolicy(input({ newCode: counts(8, 10) }), { minNewCodePct: 90 });
    expect(low.passed).toBe(false);
    const noDiff = evaluatePolicy(input(), { minNewCodePct: 90 });
    expect(rule(noDiff, 'minNewCodePct')).toMatchObject({ evaluated: false, passed: true, actual: null });
    expect(rule(noDiff, 'minNewCodePct')?.note).toMatch(/no diff/);
    const nothing = evaluatePolicy(input({ newCode: counts(0, 0) }), { minNewCodePct: 90 });
    expect(rule(nothing, 'minNewCodePct')?.note).toMatch(/no coverable changed line/);
  });

  it('ratchet: a drop of exactly maxDropPoints passes, more fails, no baseline is not evaluated', () => {
    const baseline = { linePct: 81.5, branchPct: null, commit: 'a'.repeat(40), recordedAt: '2024-01-01T00:00:00Z' };
    // 80.0 vs 81.5 - 1.5: float subtraction must not turn the boundary into a failure.
    expect(evaluatePolicy(input({ baseline }), { minLinePct: 0, maxDropPoints: 1.5 }).passed).toBe(true);
    const fail = evaluatePolicy(input({ baseline }), { minLinePct: 0, maxDropPoints: 1.4 });
    expect(rule(fail, 'maxDropPoints')).toMatchObject({ actual: 80, passed: false });
    expect(rule(fail, 'maxDropPoints')?.required).toBeCloseTo(80.1, 9);
    const first = evaluatePolicy(input(), { minLinePct: 0, maxDropPoints: 0 });
    expect(rule(first, 'maxDropPoints')).toMatchObject({ evaluated: false, passed: true });
  });

  it('lists every rule and fails if any fails', () => {
    const result = evaluatePolicy(input({ newCode: counts(1, 2) }), {
      minLinePct: 50,
      minBranchPct: 50,
      minNewCodePct: 60,
      maxDropPoints: 5,
    });
    expect(result.rules.map((r) => r.rule)).toEqual(['minLinePct', 'minBranchPct', 'minNewCodePct', 'maxDropPoints']);
    expect(result.rules.map((r) => r.passed)).toEqual([true, true, false, true]);
    expect(result.passed).toBe(false);
  });

  it('formatPct truncates so a failing figure never reads as the threshold', () => {
    expect(formatPct((7999 * 100) / 10000)).toBe('79.99%');
    expect(formatPct(80)).toBe('80.00%');
    expect(formatPct((2 * 100) / 3)).toBe('66.66%');
  });
});

describe('baseline', () => {
  it('baselineFromSummary round-trips through parseBaseline', () => {
    const b = baselineFromSummary({ lines: counts(3, 4), branches: null }, 'c'.repeat(40), new Date(0));
    expect(b).toEqual({ linePct: 75, branchPct: null, commit: 'c'.repeat(40), recordedAt: '1970-01-01T00:00:00.000Z' });
    expect(parseBaseline(JSON.stringify(b), 's3://b/k')).toEqual(b);
  });

  it('a damaged baseline is an error naming it, not a silently skipped ratchet', () => {
    expect(() => parseBaseline('{', 's3://b/k')).toThrow(CoverageReportInvalid);
    expect(() => parseBaseline('{"linePct":"80"}', 's3://b/k')).toThrow(/s3:\/\/b\/k is not valid: linePct/);
  });
});
