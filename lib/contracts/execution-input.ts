import * as z from 'zod';

/**
 * Where `changes` came from:
 * - `payload`: the files the push event lists (GitHub's webhook payload);
 * - `compare-api`: GitHub's compare API, asked because the payload could not tell (a new branch, a forced
 *   push, a commit whose file list may be capped or is empty);
 * - `unknown`: nothing could tell, or the list was dropped to fit the input limit: `paths` is null and every
 *   stage runs;
 * - `manual`: a person chose the stages (`deployctl run`); `paths` is null.
 * Absent in inputs written before the field existed (treat as not recorded).
 */
export const changeSourceSchema = z.enum(['payload', 'compare-api', 'unknown', 'manual']);
export type ChangeSource = z.infer<typeof changeSourceSchema>;

/** `rollbackRequest.requestedBy`: at most this many characters. */
export const MAX_ROLLBACK_REQUESTED_BY_CHARS = 256;
/** `rollbackRequest.reason`: at most this many characters. */
export const MAX_ROLLBACK_REASON_CHARS = 1024;

/**
 * A person's request to roll an environment back (`trigger: "rollback"`). No trigger of this repository
 * produces it yet; the schema fixes its shape for the code that will.
 */
export const rollbackRequestSchema = z.strictObject({
  /** The Helm release revision to return to. @default the revision before the current one */
  toRevision: z
    .number()
    .int('must be a whole revision number')
    .positive('must be a positive revision number')
    .optional(),
  /** Who asked for the rollback (a user name, an IAM identity). */
  requestedBy: z.string().min(1, 'must name who asked').max(MAX_ROLLBACK_REQUESTED_BY_CHARS),
  /** Why, in the requester's words. */
  reason: z.string().max(MAX_ROLLBACK_REASON_CHARS).optional(),
});

/**
 * The input of one deploy-pipeline execution. The webhook, the CodeCommit rule, `deployctl run`
 * and promotions all produce it; the state machine, the Lambdas and the CLI read it.
 */
export const executionInputSchema = z.strictObject({
  service: z.string().min(1),
  environment: z.string().min(1),
  trigger: z.enum(['push', 'manual', 'promotion', 'redrive', 'rollback']),
  source: z.strictObject({
    provider: z.enum(['github', 'codecommit', 'manual']),
    repository: z.string().min(1),
    ref: z.string().min(1),
    branch: z.string().min(1),
    commit: z.string().regex(/^[0-9a-f]{40}$/, 'must be a 40-character lowercase hex commit id'),
    before: z
      .string()
      .regex(/^[0-9a-f]{40}$/)
      .nullable(),
    message: z.string(),
    author: z.string(),
    url: z.string(),
    deliveryId: z.string().min(1),
  }),
  changes: z
    .strictObject({
      app: z.boolean(),
      infra: z.boolean(),
      /** Changed paths, or null when the push cannot tell (treat everything as changed). */
      paths: z.array(z.string()).nullable(),
      /** Where the change list came from (see {@link changeSourceSchema}). @default absent: not recorded */
      source: changeSourceSchema.optional(),
    })
    .superRefine((changes, ctx) => {
      const { source, paths } = changes;
      if ((source === 'payload' || source === 'compare-api') && paths === null) {
        ctx.addIssue({ code: 'custom', path: ['paths'], message: `must list the paths when source is "${source}"` });
      }
      if ((source === 'unknown' || source === 'manual') && paths !== null) {
        ctx.addIssue({ code: 'custom', path: ['paths'], message: `must be null when source is "${source}"` });
      }
      if (source === 'unknown' && !(changes.app && changes.infra)) {
        ctx.addIssue({
          code: 'custom',
          path: ['source'],
          message: '"unknown" means everything changed: app and infra must both be true',
        });
      }
    }),
  image: z
    .strictObject({
      repository: z.string().min(1),
      digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    })
    .optional(),
  /** Present when `trigger` is `rollback` (see {@link rollbackRequestSchema}). */
  rollbackRequest: rollbackRequestSchema.optional(),
});

export type ExecutionInput = z.infer<typeof executionInputSchema>;
