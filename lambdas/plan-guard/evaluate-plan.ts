import { DestructiveChangeBlocked, describeChange, type ProtectedChange } from './errors';
import type { TerraformPlan } from './parse-plan';

export interface PlanEvaluation {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  /** Resources deleted and created again (also counted in add and destroy, as Terraform does). */
  readonly replace: number;
  /** Deletions and replacements of protected types (let through only when approved). */
  readonly protectedChanges: ProtectedChange[];
  /** Terraform's own wording: `<n> to add, <n> to change, <n> to destroy`. */
  readonly summary: string;
  /**
   * Present when the plan would have been blocked and the environment sends such plans to approval
   * (`approveDestructive`): `WaitForApproval` holds the run until a person decides.
   */
  readonly requiresApproval?: true;
  /** What a person approves: the protected changes as {@link describeChange} words them. */
  readonly blocked?: string;
}

export interface EvaluateOptions {
  readonly protectedTypes: readonly string[];
  /** A person approved destructive changes for this run. @default false */
  readonly destructiveApproved?: boolean;
  /**
   * The environment's `approveDestructive`: a plan that would be blocked is returned with
   * `requiresApproval` instead of failing. @default false
   */
  readonly approveDestructive?: boolean;
}

/** `["delete","create"]` (destroy first) or `["create","delete"]` (create_before_destroy). */
export function isReplacement(actions: readonly string[]): boolean {
  return actions.length === 2 && actions.includes('create') && actions.includes('delete');
}

/**
 * Counts the plan the way `terraform plan` prints it and refuses deletions or replacements of
 * protected resource types unless `destructiveApproved` (or returns them for approval with
 * `approveDestructive`). Data sources are reads, never counted. The
 * destroy of a deposed object counts in `destroy` (as `terraform plan` counts it) and is named as the
 * deposed object it is, never as the live resource.
 */
export function evaluatePlan(plan: TerraformPlan, options: EvaluateOptions): PlanEvaluation {
  const protectedTypes = new Set(options.protectedTypes);
  let add = 0;
  let change = 0;
  let destroy = 0;
  let replace = 0;
  const protectedChanges: ProtectedChange[] = [];

  for (const rc of plan.resource_changes) {
    if (rc.mode === 'data') continue;
    const actions = rc.change.actions;
    if (actions.includes('create')) add++;
    if (actions.includes('update')) change++;
    if (actions.includes('delete')) destroy++;
    if (isReplacement(actions)) replace++;
    if (actions.includes('delete') && protectedTypes.has(rc.type)) {
      protectedChanges.push({
        address: rc.address,
        type: rc.type,
        actions: [...actions],
        ...(rc.deposed === undefined ? {} : { deposed: rc.deposed }),
      });
    }
  }

  const evaluation = {
    add,
    change,
    destroy,
    replace,
    protectedChanges,
    summary: `${add} to add, ${change} to change, ${destroy} to destroy`,
  };
  if (protectedChanges.length === 0 || options.destructiveApproved === true) return evaluation;
  if (options.approveDestructive === true) {
    return { ...evaluation, requiresApproval: true, blocked: protectedChanges.map(describeChange).join('; ') };
  }
  throw new DestructiveChangeBlocked(protectedChanges);
}
