import { z } from 'zod';
import { describeIssue, formatIssues } from '../../lib/contracts/validation-issues';

const schema = z.object({ name: z.string(), size: z.number().optional() });
const issuesOf = (value: unknown, reportInput: boolean) => {
  const parsed = schema.safeParse(value, { reportInput });
  if (parsed.success) throw new Error('expected a failure');
  return parsed.error.issues;
};

describe('formatIssues tells a missing field from a wrong-typed one', () => {
  test('with reportInput: a missing field is "required", a wrong type names the type received', () => {
    expect(formatIssues(issuesOf({}, true))).toEqual(['name: required']);
    expect(formatIssues(issuesOf({ name: 7 }, true))).toEqual([
      'name: Invalid input: expected string, received number',
    ]);
    expect(formatIssues(issuesOf({ name: null }, true))).toEqual([
      'name: Invalid input: expected string, received null',
    ]);
    expect(formatIssues(issuesOf({ name: 'x', size: 'big' }, true))).toEqual([
      'size: Invalid input: expected number, received string',
    ]);
  });

  test('without reportInput (zod 4 leaves the input off): a wrong-typed value is never called "required"', () => {
    const wrongType = issuesOf({ name: 7 }, false);
    expect('input' in (wrongType[0] as object)).toBe(false);
    expect(formatIssues(wrongType)).toEqual(['name: Invalid input: expected string, received number']);
    expect(describeIssue(wrongType[0] as z.core.$ZodIssue)).not.toBe('required');
    // A missing field keeps zod's own words, which say what was received.
    expect(formatIssues(issuesOf({}, false))).toEqual(['name: Invalid input: expected string, received undefined']);
  });

  test('limit keeps the first issues only', () => {
    expect(formatIssues(issuesOf({ name: 1, size: 'x' }, true), 1)).toEqual([
      'name: Invalid input: expected string, received number',
    ]);
  });
});
