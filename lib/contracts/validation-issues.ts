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

/** The problem of one issue in words: `required` for a missing field, the unknown keys by name. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'required';
  if (issue.code === 'unrecognized_keys') return `unknown field(s): ${issue.keys.join(', ')}`;
  return issue.message;
}

/**
 * One `path: problem` line per issue, in zod's order.
 * @param limit at most this many lines (the rest are left out); default every issue.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], limit = Number.POSITIVE_INFINITY): string[] {
  return issues.slice(0, limit).map((issue) => `${formatPath(issue.path)}: ${describeIssue(issue)}`);
}
