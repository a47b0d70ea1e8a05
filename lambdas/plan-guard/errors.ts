import { ErrorName } from '../../lib/contracts/error-names';

/** The plan JSON is missing, is not JSON, or is not `terraform show -json` output of a saved plan. */
export class PlanUnreadable extends Error {
  override readonly name = ErrorName.PlanUnreadable;
}

/** One resource change the guard refused (or let through because it was approved). */
export interface ProtectedChange {
  readonly address: string;
  readonly type: string;
  readonly actions: readonly string[];
  /**
   * Set when the change is to a deposed object of `address` (an old object a `create_before_destroy`
   * replacement could not destroy), not to the live resource: its deposed key, as in the plan JSON.
   */
  readonly deposed?: string;
}

/**
 * How a change reads to a person: `aws_db_instance.main (delete, create)`, or for a deposed object
 * `deposed object 0a1b2c3d of terraform_data.db (delete)`, as Terraform itself says
 * `terraform_data.db (deposed object 0a1b2c3d) will be destroyed`.
 */
export function describeChange(change: ProtectedChange): string {
  const what = change.deposed === undefined ? change.address : `deposed object ${change.deposed} of ${change.address}`;
  return `${what} (${change.actions.join(', ')})`;
}

/** The plan deletes or replaces a protected resource and nobody approved destructive changes. */
export class DestructiveChangeBlocked extends Error {
  override readonly name = ErrorName.DestructiveChangeBlocked;

  constructor(readonly changes: readonly ProtectedChange[]) {
    super(
      `Plan would delete or replace ${changes.length} protected resource(s): ${changes
        .map(describeChange)
        .join(
          '; ',
        )}. If this is intended, set approveDestructive: true on the environment (such plans then wait for deployctl approve) or change the plan.`,
    );
  }
}
