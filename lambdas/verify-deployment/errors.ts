import { ErrorName } from '../../lib/contracts/error-names';

/** A watched CloudWatch alarm was in ALARM during the bake: the deploy is rolled back. */
export class AlarmDuringBake extends Error {
  override readonly name = ErrorName.AlarmDuringBake;
}

/** `/version` reported another commit than the one deployed: the deploy is rolled back. */
export class VersionMismatch extends Error {
  override readonly name = ErrorName.VersionMismatch;
}

/** The bake could not check what it must (a watched alarm does not exist, `/version` never answered). */
export class VerificationFailed extends Error {
  override readonly name = ErrorName.VerificationFailed;
}

/** The task's input is not a bake check request (a workflow defect; the workflow treats it as VerificationFailed). */
export class InvalidVerifyRequest extends Error {
  override readonly name = 'InvalidVerifyRequest';
}
