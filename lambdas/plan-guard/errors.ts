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
}

/** The plan deletes or replaces a protected resource and nobody approved destructive changes. */
export class DestructiveChangeBlocked extends Error {
  override readonly name = ErrorName.DestructiveChangeBlocked;

  constructor(readonly changes: readonly ProtectedChange[]) {
    super(
      `Plan would delete or replace ${changes.length} protected resource(s): ${changes
        .map((c) => `${c.address} (${c.actions.join(', ')})`)
        .join('; ')}. Re-run with destructiveApproved=true if this is intended.`,
    );
  }
}
