import { MAX_EXECUTION_NAME } from '../../lambdas/shared/execution-name';

/**
 * The parts of an execution name as `lambdas/shared/execution-name.ts` builds it:
 * `<service>-<environment>-<sha7>-<id>` with a 12-hex id; the service may be shortened to fit
 * 80 characters. Service and environment names may hold dashes, so only their joined form is known.
 */
export interface ExecutionNameParts {
  /** `<service>-<environment>` (service possibly shortened). */
  readonly serviceEnvironment: string;
  readonly sha7: string;
  readonly id: string;
}

const NAME = /^(.+)-([0-9a-f]{7})-([0-9a-f]{12})$/;

/** The parts of a pipeline execution name, or null for a name the pipeline did not make. */
export function executionNameParts(name: string): ExecutionNameParts | null {
  const match = NAME.exec(name);
  if (match === null) return null;
  return { serviceEnvironment: match[1] as string, sha7: match[2] as string, id: match[3] as string };
}

/** The sanitizing `executionName` applies to each part before joining. */
const sanitize = (value: string) => value.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');

/**
 * Whether a run of `service` in `environment` could have this name: a cheap filter before
 * `DescribeExecution` confirms from the input. Never false for a run that matches. The service
 * part is shortened only when the full name would pass 80 characters, so only a name of exactly
 * 80 characters may carry a shortened service. Names the pipeline did not make pass (their input decides).
 */
export function nameMayMatch(name: string, filter: { service?: string; environment?: string }): boolean {
  const parts = executionNameParts(name);
  if (parts === null) return true;
  const shortened = name.length >= MAX_EXECUTION_NAME;
  let rest = parts.serviceEnvironment;
  if (filter.environment !== undefined) {
    const suffix = `-${sanitize(filter.environment)}`;
    if (!rest.endsWith(suffix)) return false;
    rest = rest.slice(0, -suffix.length);
    if (filter.service === undefined) return true;
    const service = sanitize(filter.service);
    return shortened ? rest.length > 0 && service.startsWith(rest) : rest === service;
  }
  if (filter.service === undefined) return true;
  return shortened || rest.startsWith(`${sanitize(filter.service)}-`);
}
