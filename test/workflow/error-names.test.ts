import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPipelineEvent } from '../../lambdas/notify/build-pipeline-event';
import { parseNotifyRequest } from '../../lambdas/notify/notify-request';
import { DEPLOY_STAGE, decideRollback } from '../../lambdas/rollback/decide-rollback';
import { ERROR_NAMES, ERROR_STAGE, type ErrorName } from '../../lib/contracts/error-names';
import { readDeployPipelineAsl } from '../../lib/workflow/deploy-pipeline-definition';

interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string;
}
interface State {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: Array<{ Next: string }>;
  Catch?: Catcher[];
  Retry?: Array<{ ErrorEquals: string[] }>;
  Branches?: Definition[];
  Parameters?: { failure?: Record<string, string> };
  ResultPath?: string;
  ErrorPath?: string;
}
interface Definition {
  StartAt: string;
  States: Record<string, State>;
}

const definition = JSON.parse(readDeployPipelineAsl()) as Definition;

/** Every state with its name and whether it sits at the top level (outside any parallel branch). */
function allStates(def: Definition, topLevel = true): Array<{ name: string; state: State; topLevel: boolean }> {
  return Object.entries(def.States).flatMap(([name, state]) => [
    { name, state, topLevel },
    ...(state.Branches ?? []).flatMap((branch) => allStates(branch, false)),
  ]);
}
const states = allStates(definition);
const byName = new Map(states.map((s) => [s.name, s]));

/** Pass states that record a failure: `$.error` = `{ failure: { stage, error, cause } }`. */
const failureRecords = states.filter(({ state }) => state.Type === 'Pass' && state.Parameters?.failure);

/** `ErrorEquals` entries of every Catch and Retry, with the state they belong to. */
const matchers = states.flatMap(({ name, state }) =>
  [...(state.Catch ?? []), ...(state.Retry ?? [])].map((m) => ({ state: name, errors: m.ErrorEquals })),
);
const matched = new Set(matchers.flatMap((m) => m.errors));

/**
 * The error names the Lambdas raise, from their sources: their error classes' `name`
 * (`name = ErrorName.X`; the deploy lock's classes name theirs from `LockErrorName`,
 * lib/contracts/deploy-lock.ts), and the `error` of a `SendTaskFailure` they send to a waiting task
 * (the approval answer's `ApprovalRejected`).
 */
function thrownByLambdas(): Set<string> {
  const root = join(__dirname, '..', '..', 'lambdas');
  const names = new Set<string>();
  for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue;
    const source = readFileSync(join(root, file), 'utf8');
    for (const m of source.matchAll(/\bname\s*=\s*(?:Lock)?ErrorName\.([A-Za-z]+)/g)) names.add(m[1] as string);
    for (const call of source.matchAll(/new SendTaskFailureCommand\(\{[^}]*\berror:\s*ErrorName\.([A-Za-z]+)/g)) {
      names.add(call[1] as string);
    }
  }
  return names;
}

/** Pass states that copy the rollback decision's failure into `$.error` (RollbackDone, RollbackNotNeeded). */
const decisionRecords = states.filter(
  ({ state }) => state.Parameters?.failure?.['error.$'] === '$.rollback.decision.failure.error',
);

/**
 * Failure records whose run goes on to the `Rollback` decision (HelmDeploy, VerifyDeployment and
 * TerraformApply failures): the run ends with the error the decision's failure names.
 */
const recordsToRollback = failureRecords.filter(({ state }) => state.Next === 'Rollback');

/**
 * The error the run ends with after the rollback decision, by the real decision function, for a
 * failure of `stage` named `error`: a failed HelmDeploy exports nothing (no previous revision
 * recorded); a later failure comes after a deploy that recorded revision 4.
 */
function finalErrorAfterRollback(stage: string, error: string): string | undefined {
  const afterDeploy = stage !== DEPLOY_STAGE && stage !== 'TerraformApply';
  const decision = decideRollback({
    failure: { stage, error: error as ErrorName, cause: 'cause' },
    release: 'r',
    namespace: 'n',
    cluster: 'c',
    rollbackProject: 'helm-rollback',
    deploySucceeded: afterDeploy,
    previousRevision: afterDeploy ? 4 : undefined,
    helmTimeoutMinutes: 10,
  });
  return decision.failure?.error;
}

/** The names a failure record routed to Rollback can hold: its literal, or those its Catch routes to it. */
function namesOf(record: (typeof failureRecords)[number]): string[] {
  const literal = record.state.Parameters?.failure?.error;
  if (literal) return [literal];
  return states
    .flatMap(({ state }) => (state.Catch ?? []).filter((c) => c.Next === record.name).flatMap((c) => c.ErrorEquals))
    .filter((e) => e in ERROR_STAGE);
}

/** Error names the rollback decision ends runs with, and the decision's own `RollbackFailed` for a failed rollback build. */
const producedByDecision = new Set<string>([
  ...recordsToRollback.flatMap((record) =>
    namesOf(record).map((name) => finalErrorAfterRollback(record.state.Parameters?.failure?.stage ?? '', name) ?? ''),
  ),
  decideRollback({
    failure: { stage: 'VerifyDeployment', error: 'AlarmDuringBake', cause: 'cause' },
    release: 'r',
    namespace: 'n',
    cluster: 'c',
    rollbackProject: 'helm-rollback',
    deploySucceeded: true,
    previousRevision: undefined,
    helmTimeoutMinutes: 10,
  }).failure?.error ?? '',
]);

/**
 * Follows `Next` from a state with a failure recorded at `$.error` (through a Choice, the branch
 * taken when `$.error` is present, e.g. `ChooseExit` after `ReleaseLock`) and tells whether the run
 * ends in the final `Fail` state.
 */
function reachesFinalFail(from: string): boolean {
  const seen = new Set<string>();
  let name: string | undefined = from;
  while (name && !seen.has(name)) {
    seen.add(name);
    if (name === 'Fail') return true;
    const state: State | undefined = byName.get(name)?.state;
    name =
      state?.Type === 'Choice'
        ? (state.Choices as Array<{ Next: string; Variable?: string; IsPresent?: boolean }> | undefined)?.find(
            (c) => c.Variable === '$.error' && c.IsPresent === true,
          )?.Next
        : state?.Next;
  }
  return false;
}

describe('error names: lib/contracts/error-names.ts against the Lambdas and the state machine', () => {
  const thrown = thrownByLambdas();
  const setByAsl = new Set(failureRecords.map(({ state }) => state.Parameters?.failure?.error).filter(Boolean));
  // The decision's names become the run's only through a record that copies the decision's failure.
  const setByDecision = decisionRecords.length > 0 ? producedByDecision : new Set<string>();

  test.each(ERROR_NAMES)(
    '%s is produced by a Lambda (error class, SendTaskFailure, rollback decision) or set by the state machine',
    (name) => {
      expect(thrown.has(name) || setByAsl.has(name) || setByDecision.has(name)).toBe(true);
    },
  );

  test('the rollback decision’s failure reaches the run’s final error', () => {
    expect(decisionRecords.map((r) => r.name).sort()).toEqual(['RollbackDone', 'RollbackNotNeeded']);
    for (const { name, state } of decisionRecords)
      expect([name, reachesFinalFail(state.Next ?? '')]).toEqual([name, true]);
    expect([...producedByDecision].sort()).toEqual([
      'HelmDeployFailed',
      'RollbackFailed',
      'RolledBack',
      'TerraformApplyFailed',
    ]);
  });

  test.each(ERROR_NAMES)('%s is matched by a Catch, or is the run’s final error', (name) => {
    // A name the top level records can only be read after the run: it is the execution's error
    // (the final Fail state raises it), which EventBridge rules and `deployctl status` match.
    const finalError =
      failureRecords.some(
        ({ state, topLevel }) =>
          topLevel && state.Parameters?.failure?.error === name && reachesFinalFail(state.Next ?? ''),
      ) ||
      // Or the rollback decision ends the run with it, through a record that reaches the final Fail.
      (producedByDecision.has(name) && decisionRecords.every(({ state }) => reachesFinalFail(state.Next ?? '')));
    expect(matched.has(name) || finalError).toBe(true);
  });

  test('every failure ends in a Fail state that raises the record’s error name', () => {
    expect(byName.get('DescribeFailure')?.state.Parameters).toMatchObject({ 'Error.$': '$.error.failure.error' });
    expect(byName.get('Fail')?.state.ErrorPath).toBe('$.executionError.Error');
    for (const { name, state, topLevel } of failureRecords) {
      if (state.Next === 'Rollback') continue;
      // Top level: NotifyFailed, DescribeFailure, Fail. In a Verify branch: the branch's own Fail state.
      const next = byName.get(state.Next ?? '')?.state;
      const ends = topLevel
        ? reachesFinalFail(state.Next ?? '')
        : next?.Type === 'Fail' && next.ErrorPath === '$.error.failure.error';
      expect([name, ends]).toEqual([name, true]);
    }
    // Through Rollback: the decision keeps a failed HelmDeploy's or TerraformApply's name (the release
    // restored, or infrastructure never rolled back); a failure after a good deploy ends RolledBack.
    const throughRollback = recordsToRollback.flatMap((record) =>
      namesOf(record).map((error) => [
        record.name,
        error,
        finalErrorAfterRollback(record.state.Parameters?.failure?.stage ?? '', error),
      ]),
    );
    expect(throughRollback.sort()).toEqual(
      [
        ['HelmDeployFailed', 'HelmDeployFailed', 'HelmDeployFailed'],
        ['TerraformApplyFailed', 'TerraformApplyFailed', 'TerraformApplyFailed'],
        ['BakeFailed', 'AlarmDuringBake', 'RolledBack'],
        ['BakeFailed', 'VersionMismatch', 'RolledBack'],
        ['BakeFailed', 'VerificationFailed', 'RolledBack'],
        ['VerifyDeploymentFailed', 'VerificationFailed', 'RolledBack'],
      ].sort(),
    );
  });

  test('the state machine matches no name that is not declared, except Step Functions’ and AWS integrations’ own', () => {
    const declared = new Set<string>(ERROR_NAMES);
    // `States.*` are Step Functions' errors; `Service.Name` (Lambda.*, CodeBuild.*, Ssm.*) come from
    // the AWS integrations (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
    const foreign = /^(States\.[A-Za-z]+|[A-Z][A-Za-z0-9]*\.[A-Za-z0-9]+)$/;
    const undeclared = [...matched].filter((name) => !declared.has(name) && !foreign.test(name));
    expect(undeclared).toEqual([]);
  });

  test('States.ALL appears only alone in the last Catch or Retry entry', () => {
    for (const { name, state } of states) {
      for (const list of [state.Catch ?? [], state.Retry ?? []]) {
        list.forEach((m, i) => {
          if (m.ErrorEquals.includes('States.ALL'))
            expect([name, i, m.ErrorEquals]).toEqual([name, list.length - 1, ['States.ALL']]);
        });
      }
    }
  });

  test('every Catch that leads to a failure lists the names it handles before its final States.ALL', () => {
    const failurePaths = new Set(failureRecords.map((r) => r.name));
    const catches = states.filter(({ state }) => state.Catch?.some((c) => failurePaths.has(c.Next)));
    expect(catches.map((c) => c.name).sort()).toEqual(
      [
        'LoadRunSettings',
        'AcquireLock',
        'RunTests',
        'CoverageGate',
        'TerraformPlan',
        'PlanGuard',
        'BuildImage',
        'WaitForScan',
        'PollScan',
        'Verify',
        'TerraformApply',
        'HelmDeploy',
        'WaitForApproval',
        'BuildDeferredImage',
        'VerifyDeployment',
        'Rollback',
        'RollbackRelease',
        'RollbackOnRequest',
      ].sort(),
    );
    for (const { name, state } of catches) {
      const entries = state.Catch ?? [];
      expect([name, entries.length >= 2]).toEqual([name, true]);
      expect([name, entries.at(-1)?.ErrorEquals]).toEqual([name, ['States.ALL']]);
    }
  });

  test('every failure is recorded the same way: $.error.failure = { stage, error, cause }', () => {
    for (const { name, state } of failureRecords) {
      expect([name, state.ResultPath]).toEqual([name, '$.error']);
      const keys = Object.keys(state.Parameters?.failure ?? {}).map((k) => k.replace(/\.\$$/, ''));
      expect([name, keys.sort()]).toEqual([name, ['cause', 'error', 'stage']]);
    }
    // NotifyFailed hands the notify function the whole state; the event's failure is $.error.failure.
    const notify = byName.get('NotifyFailed')?.state.Parameters as unknown as { Payload: Record<string, unknown> };
    expect(notify.Payload).toMatchObject({ type: 'failed', 'state.$': '$' });
    const failure = { stage: 'HelmDeploy', error: 'HelmDeployFailed', cause: 'States.TaskFailed: build FAILED' };
    const event = buildPipelineEvent(
      parseNotifyRequest({
        type: 'failed',
        state: { service: 's', environment: 'dev', error: { failure } },
        execution: {
          id: 'arn:aws:states:us-east-1:123456789012:execution:m:e',
          name: 'e',
          startTime: '2026-01-01T00:00:00Z',
        },
      }),
      { now: new Date('2026-01-01T00:01:00Z'), stages: [] },
    );
    expect(event.failure).toEqual(failure);
  });

  test('a failure record names the stage its error belongs to (ERROR_STAGE)', () => {
    for (const { name, state } of failureRecords) {
      const failure = state.Parameters?.failure ?? {};
      const stage = failure.stage;
      const literal = failure.error as ErrorName | undefined;
      if (literal) expect([name, ERROR_STAGE[literal]]).toEqual([name, stage]);
      // A record that keeps the caught name: every name routed to it must be that stage's.
      const routed = states.flatMap(({ state: s }) =>
        (s.Catch ?? []).filter((c) => c.Next === name).flatMap((c) => c.ErrorEquals),
      );
      for (const error of routed.filter((e) => e in ERROR_STAGE)) {
        expect([name, error, ERROR_STAGE[error as ErrorName]]).toEqual([name, error, stage]);
      }
      if (!literal) expect([name, routed.includes('States.ALL')]).toEqual([name, false]);
    }
  });

  test('Verify’s Catch lists every name its branches can fail with', () => {
    const branchNames = new Set<string>();
    for (const branch of byName.get('Verify')?.state.Branches ?? []) {
      for (const { state } of allStates(branch)) {
        const literal = state.Parameters?.failure?.error;
        if (literal) branchNames.add(literal);
        // Names kept from a Lambda's own error: those its Catch lists.
        if (state.Parameters?.failure?.['error.$']) {
          for (const s of allStates(branch)) {
            for (const c of s.state.Catch ?? []) {
              if (byName.get(c.Next)?.state === state) for (const e of c.ErrorEquals) branchNames.add(e);
            }
          }
        }
      }
    }
    const verifyCatch = new Set((byName.get('Verify')?.state.Catch ?? []).flatMap((c) => c.ErrorEquals));
    expect([...branchNames].filter((n) => !verifyCatch.has(n))).toEqual([]);
    expect(branchNames.size).toBeGreaterThanOrEqual(9);
  });
});
