import type { z } from 'zod';

/**
 * The one way validation problems are worded, whatever was validated (configuration, execution
 * input, events, plans, reports): one `field.path: problem` line per issue.
 */

/** `['services', 0, 'environments', 1, 'branch']` -> `services[0].environments[1].branch`; `(root)` when empty. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

/**
 * The problem of one issue in words: `required` for a missing field, the unknown keys by name, else the
 * issue's own message.
 *
 * A field is missing only when the issue carries its input and that input is `undefined`. zod 4 puts the
 * input on an issue only when the parse was asked to (`safeParse(value, { reportInput: true })`); without
 * it every wrong-typed value would look missing, so such an issue keeps zod's message, which names the
 * type received ("Invalid input: expected string, received number"). Pass `reportInput: true` to get
 * `required` for missing fields.
 */
export function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined) return 'required';
  if (issue.code === 'unrecognized_keys') return `unknown field(s): ${issue.keys.join(', ')}`;
  return issue.message;
}

/**
 * One `path: problem` line per issue, in zod's order. Parse with `{ reportInput: true }` so a missing field
 * reads `required` (see {@link describeIssue}).
 * @param limit at most this many lines (the rest are left out); default every issue.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], limit = Number.POSITIVE_INFINITY): string[] {
  return issues.slice(0, limit).map((issue) => `${formatPath(issue.path)}: ${describeIssue(issue)}`);
}
