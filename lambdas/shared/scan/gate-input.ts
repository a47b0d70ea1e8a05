import * as z from 'zod';
import { scanPolicySchema, scanTypeSchema } from '../../../lib/contracts/scan-policy';
import { formatIssues } from '../../../lib/contracts/validation-issues';
import { InvalidScanGateInput } from './errors';

/**
 * ECR repository name pattern (ECR API Reference, DescribeImageScanFindings `repositoryName`:
 * 2-256 characters of `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`).
 */
const REPOSITORY_NAME = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
/** A repository URI as `docker push` and BuildImage's `IMAGE_URI` use it (without a tag). */
const REPOSITORY_URI = /^(\d{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/(.+)$/;

/**
 * `repository`: an ECR repository name (`orders-api`) or its URI
 * (`123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders-api`), which also gives the registry id.
 */
export const repositoryField = z
  .string()
  .min(2, 'must be an ECR repository name or URI')
  .transform((value, ctx) => {
    const uri = REPOSITORY_URI.exec(value);
    const name = uri ? (uri[2] ?? '') : value;
    if (name.length > 256 || !REPOSITORY_NAME.test(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `must be an ECR repository name or URI without a tag, got "${value.slice(0, 300)}"`,
      });
      return z.NEVER;
    }
    return uri ? { repository: name, registryId: uri[1] } : { repository: name };
  });

export const digestField = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'must be an image digest "sha256:" followed by 64 lowercase hex digits');

/** What both the registration and the poll need to judge an image. */
const imageFields = {
  repository: repositoryField,
  digest: digestField,
  /** The environment's scan policy (the `scan` field of its configuration). */
  policy: scanPolicySchema,
  scanType: scanTypeSchema,
};

/**
 * Input of the token registration (the `WaitForScan` task's payload):
 * `{ taskToken, repository, digest, policy, scanType }`.
 * TaskToken: 1-2,048 characters (Step Functions API Reference, SendTaskSuccess `taskToken`).
 */
export const registrationInputSchema = z.object({
  taskToken: z.string().min(1, 'required ($$.Task.Token)').max(2048, 'longer than a task token (2,048 characters)'),
  ...imageFields,
});

/** Default number of polls before the fallback gives up. */
export const DEFAULT_MAX_ATTEMPTS = 12;

/**
 * Input of the polling fallback (`PollScan`): `{ repository, digest, policy, scanType, attempt?,
 * maxAttempts? }`. `attempt` is the number of polls already made (0 or absent on the first).
 */
export const pollInputSchema = z.object({
  ...imageFields,
  attempt: z.number().int().min(0).default(0),
  maxAttempts: z.number().int().min(1).max(100).default(DEFAULT_MAX_ATTEMPTS),
});

export type RegistrationInput = z.output<typeof registrationInputSchema>;
export type PollInput = z.output<typeof pollInputSchema>;

/**
 * Validates a handler's input.
 * @throws InvalidScanGateInput with one `field: problem` per issue (at most five).
 */
export function parseGateInput<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  // reportInput: lets the shared formatter tell a wrong type from a missing field.
  const parsed = schema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    throw new InvalidScanGateInput(`Invalid ${what} input: ${formatIssues(parsed.error.issues, 5).join('; ')}`);
  }
  return parsed.data;
}
