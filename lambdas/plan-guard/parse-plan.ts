import * as z from 'zod';
import { PlanUnreadable } from './errors';

const ACTIONS = ['no-op', 'create', 'read', 'update', 'delete', 'forget'] as const;

/**
 * The part of `terraform show -json <planfile>` the guard reads (the documented JSON output
 * format, https://developer.hashicorp.com/terraform/internals/json-format). Other fields pass through.
 */
const planSchema = z.looseObject({
  format_version: z.string(),
  terraform_version: z.string().optional(),
  // Present in every plan and absent from state JSON (`terraform show -json` without a plan file).
  planned_values: z.looseObject({}, { error: 'missing: this is not the JSON of a saved plan' }),
  errored: z.boolean().optional(),
  resource_changes: z
    .array(
      z.looseObject({
        address: z.string().min(1),
        mode: z.enum(['managed', 'data']).optional(),
        type: z.string().min(1),
        deposed: z.string().optional(),
        change: z.looseObject({ actions: z.array(z.enum(ACTIONS)).min(1) }),
      }),
    )
    .default([]),
});

export type TerraformPlan = z.infer<typeof planSchema>;
export type ResourceChange = TerraformPlan['resource_changes'][number];

/** Parses plan JSON text; `source` names where it came from in the error message. */
export function parsePlan(text: string, source: string): TerraformPlan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PlanUnreadable(`Plan JSON at ${source} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new PlanUnreadable(`Plan JSON at ${source} is not 'terraform show -json' output of a plan: ${issues}`);
  }
  if (parsed.data.errored === true) {
    throw new PlanUnreadable(`Plan JSON at ${source} describes a plan that errored; fix the plan before applying`);
  }
  if (!parsed.data.format_version.startsWith('1.')) {
    throw new PlanUnreadable(
      `Plan JSON at ${source} has format_version ${parsed.data.format_version}; only 1.x is understood`,
    );
  }
  return parsed.data;
}
