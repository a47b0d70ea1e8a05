import { z } from 'zod';

/**
 * The input of one deploy-pipeline execution. The webhook, the CodeCommit rule, `deployctl run`
 * and promotions all produce it; the state machine, the Lambdas and the CLI read it.
 */
export const executionInputSchema = z.strictObject({
  service: z.string().min(1),
  environment: z.string().min(1),
  trigger: z.enum(['push', 'manual', 'promotion', 'redrive']),
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
  changes: z.strictObject({
    app: z.boolean(),
    infra: z.boolean(),
    /** Changed paths, or null when the push cannot tell (treat everything as changed). */
    paths: z.array(z.string()).nullable(),
  }),
  image: z
    .strictObject({
      repository: z.string().min(1),
      digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    })
    .optional(),
});

export type ExecutionInput = z.infer<typeof executionInputSchema>;
