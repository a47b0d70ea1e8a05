import { createHash } from 'node:crypto';

/** Step Functions allows at most 80 characters of `[A-Za-z0-9_-]` in an execution name. */
export const MAX_EXECUTION_NAME = 80;
const ID_LENGTH = 12;

function sanitize(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
}

/**
 * `<service>-<environment>-<sha7>-<id>`, where `<id>` is a hash of the delivery id with the service
 * and environment: a redelivered webhook maps to the same name (Step Functions refuses to start a
 * name twice), while two services whose shortened names look alike still get different names. The
 * service part is shortened so the whole name fits in 80 characters.
 */
export function executionName(args: {
  service: string;
  environment: string;
  commit: string;
  deliveryId: string;
}): string {
  const id = createHash('sha256')
    .update(JSON.stringify([args.service, args.environment, args.deliveryId]))
    .digest('hex')
    .slice(0, ID_LENGTH);
  const sha7 = sanitize(args.commit).slice(0, 7);
  const environment = sanitize(args.environment);
  const tail = `-${environment}-${sha7}-${id}`;
  const service = sanitize(args.service).slice(0, Math.max(1, MAX_EXECUTION_NAME - tail.length));
  return `${service}${tail}`.slice(0, MAX_EXECUTION_NAME);
}
